import { describe, expect, it } from "vitest";
import { closest, FlagError, parseFlags, type FlagSpecs } from "../../server/config/flags.js";

const SPECS: FlagSpecs = {
  "data-path": { type: "string", default: "/var/lib/matchbox", env: true, description: "" },
  lan: { type: "string", multiple: true, description: "" },
  strict: { type: "boolean", short: "s", description: "" },
  help: { type: "boolean", description: "" },
};

describe("parseFlags", () => {
  it("takes flags before, between and after arguments; -- ends them", () => {
    const { values, positionals } = parseFlags(["add", "--lan", "198.51.100.0/24", "home", "-lan=203.0.113.0/24", "-s", "--", "-x"], SPECS);
    expect(positionals).toEqual(["add", "home", "-x"]);
    expect(values.lan).toEqual(["198.51.100.0/24", "203.0.113.0/24"]);
    expect(values.strict).toBe(true);
    expect(values["data-path"]).toBe("/var/lib/matchbox");
  });

  it("a string flag's value is the next argument whatever it looks like; - alone is an argument", () => {
    expect(parseFlags(["-data-path", "-odd", "-"], SPECS)).toMatchObject({ values: { "data-path": "-odd" }, positionals: ["-"] });
  });

  it("-h means -help (Go's rule), and the environment fills what the command line leaves out", () => {
    expect(parseFlags(["-h"], SPECS).values.help).toBe(true);
    expect(parseFlags([], SPECS, { MATCHBOX_DATA_PATH: "/srv" }).values["data-path"]).toBe("/srv");
  });

  it("names what does not parse, with the flag it most likely was", () => {
    expect(() => parseFlags(["--data-pth", "x"], SPECS)).toThrow(new FlagError("flag provided but not defined: -data-pth (did you mean -data-path?)"));
    expect(() => parseFlags(["--data"], SPECS)).toThrow("flag provided but not defined: -data (did you mean -data-path?)");
    expect(() => parseFlags(["--quux"], SPECS)).toThrow(/^flag provided but not defined: -quux$/);
    expect(() => parseFlags(["-data-path"], SPECS)).toThrow("flag needs an argument: -data-path");
    expect(() => parseFlags(["-strict=maybe"], SPECS)).toThrow('invalid boolean value "maybe" for -strict');
  });
});

describe("closest", () => {
  it("suggests near misses and swapped letters, not unrelated words", () => {
    expect(closest("machnes", ["serve", "machines", "validate"])).toBe("machines");
    expect(closest("sevre", ["serve", "machines"])).toBe("serve");
    expect(closest("frobnicate", ["serve", "machines"])).toBeUndefined();
  });
});
