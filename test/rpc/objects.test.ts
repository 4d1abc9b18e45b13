import { describe, expect, it } from "vitest";
import { GoStruct, goFloat, goMarshal } from "../../server/rpc/go-json.js";
import { decodeMetadata, groupDocument, InvalidRequest, objectFile, profileDocument, type GroupMessage } from "../../server/rpc/objects.js";

const group = (fields: Partial<GroupMessage>): GroupMessage => ({ id: "g", name: "", profile: "p", selector: {}, metadata: Buffer.alloc(0), ...fields });

describe("Go's encoding/json, as Matchbox writes files", () => {
  it("writes float64 as Go does: shortest digits, exponents below 1e-6 and from 1e21, negative zero", () => {
    const cases: [number, string][] = [
      [1, "1"],
      [1.5, "1.5"],
      [1e6, "1000000"],
      [123456789012345680000, "123456789012345680000"],
      [1e21, "1e+21"],
      [1.5e-7, "1.5e-7"],
      [0.000001, "0.000001"],
      [-0, "-0"],
      [2 ** 53 + 2, "9007199254740994"],
    ];
    for (const [value, text] of cases) expect(goFloat(value)).toBe(text);
  });

  it("escapes strings with Go's HTML-safe rules and indents with tabs, maps sorted by bytes, structs in field order", () => {
    const text = goMarshal(
      new GoStruct([
        ["z", "<a href=\"x\">&\u2028\u2029\b\f\u0001\ud800"],
        ["a", { "b": [1, true, null, {}, []], "\u00e9": "", "B": { y: 2, x: 1 } }],
      ]),
      "\t",
    );
    expect(text).toBe(
      [
        "{",
        '\t"z": "\\u003ca href=\\"x\\"\\u003e\\u0026\\u2028\\u2029\\b\\f\\u0001\ufffd",',
        '\t"a": {',
        '\t\t"B": {',
        '\t\t\t"x": 1,',
        '\t\t\t"y": 2',
        "\t\t},",
        '\t\t"b": [',
        "\t\t\t1,",
        "\t\t\ttrue,",
        "\t\t\tnull,",
        "\t\t\t{},",
        "\t\t\t[]",
        "\t\t],",
        '\t\t"\u00e9": ""',
        "\t}",
        "}",
      ].join("\n"),
    );
    expect(goMarshal({ b: 1, a: "&" })).toBe('{"a":"\\u0026","b":1}');
  });
});

describe("names of stored objects", () => {
  it("cleans names as Matchbox does, inside their folder", () => {
    expect(objectFile("groups", "node1", ".json")).toBe("groups/node1.json");
    expect(objectFile("ignition", "sub/dir/x.ign")).toBe("ignition/sub/dir/x.ign");
    expect(objectFile("ignition", "a/../b.ign")).toBe("ignition/b.ign");
    expect(objectFile("generic", "/abs")).toBe("generic/abs");
  });

  it("refuses names that leave their folder, name a folder, hold NUL, or that the server would not list", () => {
    for (const [folder, name] of [
      ["ignition", "../generic/x"],
      ["ignition", "../ignition/x"],
      ["ignition", "a/../../x"],
      ["generic", ".."],
      ["generic", "."],
      ["generic", "dir/"],
      ["generic", "a\0b"],
      ["generic", ""],
      ["groups", "sub/x"],
      ["profiles", "sub/x"],
      ["groups", "..data"],
    ] as const) {
      expect(() => objectFile(folder, name, folder === "groups" || folder === "profiles" ? ".json" : ""), `${folder} ${name}`).toThrow(InvalidRequest);
    }
  });
});

describe("group and profile documents", () => {
  it("decodes metadata as Go decodes into map[string]interface{}", () => {
    expect(decodeMetadata(Buffer.alloc(0))).toBeNull();
    expect(decodeMetadata(Buffer.from("null"))).toBeNull();
    expect(decodeMetadata(Buffer.from('{"a":1,"a":2,"__proto__":{"x":"\\ud800"}}'))).toEqual(Object.assign(Object.create(null), { a: 2, ["__proto__"]: { x: "\ufffd" } }));
    expect(() => decodeMetadata(Buffer.from('"text"'))).toThrow("metadata must be a JSON object, not a string");
    expect(() => decodeMetadata(Buffer.from("{} x"))).toThrow("metadata is not JSON: invalid character 'x' after top-level value");
    expect(() => decodeMetadata(Buffer.from('{"n":1e400}'))).toThrow("metadata: number 1e400 is out of range");
  });

  it("writes Matchbox's RichGroup: empty fields left out, metadata nested, selectors as sent", () => {
    expect(groupDocument(group({ metadata: Buffer.from("{}") })).bytes.toString()).toBe('{\n\t"id": "g",\n\t"profile": "p"\n}');
    const full = groupDocument(group({ name: "n", selector: { MAC: "52-54-00-AA-BB-CC" }, metadata: Buffer.from('{"k":{"n":1.0}}') }));
    expect(full).toEqual({
      file: "groups/g.json",
      bytes: Buffer.from('{\n\t"id": "g",\n\t"name": "n",\n\t"profile": "p",\n\t"selector": {\n\t\t"MAC": "52-54-00-AA-BB-CC"\n\t},\n\t"metadata": {\n\t\t"k": {\n\t\t\t"n": 1\n\t\t}\n\t}\n}'),
    });
  });

  it("writes Matchbox's Profile: boot present but empty as {}, absent boot left out", () => {
    const base = { id: "p", name: "", ignition_id: "", cloud_id: "", generic_id: "" };
    expect(profileDocument({ ...base, boot: null }).bytes.toString()).toBe('{\n\t"id": "p"\n}');
    expect(profileDocument({ ...base, cloud_id: "c", boot: { kernel: "", initrd: [], args: [] } }).bytes.toString()).toBe('{\n\t"id": "p",\n\t"cloud_id": "c",\n\t"boot": {}\n}');
  });

  it("refuses a document the server would not load", () => {
    let deep = "1";
    for (let i = 0; i < 300; i++) deep = `[${deep}]`;
    expect(() => groupDocument(group({ metadata: Buffer.from(`{"d":${deep}}`) }))).toThrow(/groups\/g\.json \/metadata\/d.*nesting deeper than 256/);
  });
});
