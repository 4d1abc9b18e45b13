/**
 * The docs stay honest: every `netboot …` command line in the README and the
 * guides names a real command, and its flags parse with that command's own
 * parser (the command is asked for its help, so nothing runs); the DHCP
 * snippets shown are the command's real output; and the guides use one set of
 * addresses (tunnel, boot LAN) throughout.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { COMMANDS } from "../../server/cli/commands.js";
import { concrete, docCommands, docFiles, REPO_ROOT, type DocCommand } from "./commands.js";

const commands = docCommands();

/** Runs a command in this process with stdout and stderr captured. */
async function run(name: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await (await COMMANDS[name]!()).run(argv);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** The command a documented line runs, and its arguments (flags only, no command, means serve). */
function split(argv: string[]): { name: string; rest: string[] } | "top-level help" {
  if (argv.length === 0 || ["--help", "-help", "-h", "help", "--version"].includes(argv[0]!)) return "top-level help";
  if (argv[0]!.startsWith("-")) return { name: "serve", rest: argv };
  return { name: argv[0]!, rest: argv.slice(1) };
}

/** Asks the command for its help with the documented flags in place, so they are parsed but nothing runs. */
async function parseWithCommand(doc: DocCommand): Promise<{ code: number; out: string; err: string } | "top-level help"> {
  const target = split(doc.argv);
  if (target === "top-level help") return target;
  expect(Object.keys(COMMANDS), `${doc.where}: \`${doc.text}\` names no command`).toContain(target.name);
  const firstFlag = target.rest.findIndex((a) => a.startsWith("-"));
  const at = firstFlag === -1 ? target.rest.length : firstFlag;
  const argv = [...target.rest.slice(0, at), "--help", ...target.rest.slice(at)];
  let result = await run(target.name, argv);
  // Prose may name a flag without its value (`--server`): give it one.
  if (doc.inline && result.code !== 0 && result.err.includes("flag needs an argument")) result = await run(target.name, [...argv, "VALUE"]);
  return result;
}

describe("every netboot command line in README.md and docs/", () => {
  it("finds the documented commands", () => {
    expect(commands.length).toBeGreaterThan(40);
    expect(commands.map((c) => c.argv[0])).toEqual(expect.arrayContaining(["serve", "butane", "wireguard", "dhcp-config", "validate", "explain", "machines"]));
  });

  it.each(commands.map((c) => [`${c.where}: ${c.text}`, c] as const))("%s", async (_, doc) => {
    const result = await parseWithCommand(doc);
    if (result === "top-level help") return;
    expect(result.err, `${doc.where}: \`${doc.text}\``).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage/);
  });

  it("would catch a flag the command does not have, with a suggestion", async () => {
    const result = await parseWithCommand({ where: "x", text: "", argv: concrete(["dhcp-config", "--format", "dnsmasq", "--server-ur", "http://192.0.2.1:8080"]), inline: false });
    expect(result).not.toBe("top-level help");
    expect(result).toMatchObject({ code: 2, err: expect.stringContaining("flag provided but not defined: -server-ur (did you mean -server-url?)") });
  });
});

describe("how to run netboot", () => {
  // npm ci does not put `netboot` on PATH: each guide says how to run it before its first command.
  const guides = docFiles().filter((f) => !f.startsWith("test/") && commands.some((c) => c.where.startsWith(`${f}:`) && !c.inline));
  it("in every guide that shows one", () => expect(guides.length).toBeGreaterThanOrEqual(7));
  it.each(guides)("%s says it before its first netboot command", (file) => {
    const first = commands.find((c) => c.where.startsWith(`${file}:`) && !c.inline);
    const line = Number(first!.where.split(":")[1]);
    const before = readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n").slice(0, line - 1).join("\n");
    expect(before, `${file} before line ${line}`).toContain("`npx netboot");
    expect(before, `${file} before line ${line}`).toContain("`npm link`");
  });
});

describe("the DHCP snippets in docs/dhcp.md", () => {
  const shown = commands.filter((c) => c.output && c.argv[0] === "dhcp-config");

  it("are all checked", () => {
    expect(shown.map((c) => c.argv[2])).toEqual(["dnsmasq", "openwrt", "routeros", "kea"]);
  });

  it.each(shown.map((c) => [`${c.where}: ${c.text}`, c] as const))("%s prints the block below it", async (_, doc) => {
    const { code, out, err } = await run("dhcp-config", doc.argv.slice(1));
    expect(err).toBe("");
    expect(code).toBe(0);
    // The guide prints Kea's JSON compactly; the command prints one key per line.
    if (doc.output!.lang === "json") expect(JSON.parse(out)).toEqual(JSON.parse(doc.output!.text));
    else expect(out).toBe(doc.output!.text);
  });
});
