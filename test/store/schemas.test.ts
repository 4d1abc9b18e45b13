/**
 * The server never compiles a schema: its validators are Ajv's standalone code,
 * generated here from the schemas (update: npx vitest run
 * test/store/schemas.test.ts -u). So every schema is checked here: valid
 * against the meta-schema, compiling under strict mode, and its generated code
 * up to date and judging as Ajv compiling the schema at run time would.
 */
import { Ajv, type AnySchema, type Options } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { describe, expect, it } from "vitest";
import { SOURCE_SCHEMA } from "../../server/images/declaration.js";
import { validateSourceCode } from "../../server/images/source-validator.generated.js";
import { STATE_SCHEMA } from "../../server/state/record.js";
import { validateStateCode } from "../../server/state/state-validator.generated.js";
import { GROUP_SCHEMA, PROFILE_SCHEMA } from "../../server/store/schema.js";
import { validateGroup, validateProfile } from "../../server/store/schema-validators.js";
import type { SchemaValidator } from "../../server/util/json-schema.js";

/**
 * Groups and profiles report every error (a problem names the first), and
 * their schemas use union types (`["string", "null"]`).
 */
const DOCUMENT_OPTIONS: Options = { allErrors: true, strict: true, allowUnionTypes: true, unicode: false };

/** Source declarations and machine state stop at their first error. */
const FIRST_ERROR_OPTIONS: Options = { allErrors: false, strict: true, unicode: false };

interface Generated {
  /** The module, relative to this test. */
  file: string;
  /** Where the schemas are written. */
  from: string;
  options: Options;
  /** Export name → schema. */
  schemas: Record<string, AnySchema & { $id?: string }>;
  /** The validators the server uses, by the same export names. */
  validators: Record<string, SchemaValidator>;
  /** Documents both validators must judge alike. */
  documents: unknown[];
}

// Every option set has `unicode: false`: strings are measured in UTF-16 units,
// as JavaScript measures them, not in code points, so the generated code needs
// none of Ajv's run-time helpers (a string of astral characters reaches a
// maxLength at half as many characters; the documents' only length is
// minLength 1, the same either way).

const LONG_ASTRAL = "\ud83d\ude00".repeat(600);

const GENERATED: Generated[] = [
  {
    file: "../../server/store/schema-validators.generated.ts",
    from: "server/store/schema.ts",
    options: DOCUMENT_OPTIONS,
    schemas: { validateGroupCode: GROUP_SCHEMA, validateProfileCode: PROFILE_SCHEMA },
    validators: { validateGroupCode: validateGroup, validateProfileCode: validateProfile },
    documents: [null, {}, [], "x", { id: 1 }, { id: "" }, { id: "p", boot: { initrd: [null, 2] } }, { selector: { mac: 5 }, sticky: "yes" }, { id: "\ud83d\ude00" }],
  },
  {
    file: "../../server/images/source-validator.generated.ts",
    from: "server/images/declaration.ts",
    options: FIRST_ERROR_OPTIONS,
    schemas: { validateSourceCode: SOURCE_SCHEMA },
    validators: { validateSourceCode: validateSourceCode as SchemaValidator },
    documents: [
      null,
      {},
      { path: "fedora", url: "https://example.invalid/", files: [{ name: "vmlinuz", sha256: "a".repeat(64), size: 1 }] },
      { path: "", url: "u", files: [{ name: "k" }] },
      { path: "p", url: "u", files: [] },
      { path: "p", url: "u", files: [{ name: "k", sha256: "xyz" }] },
      { path: "p", url: "u", files: [{ name: "k", size: -1 }] },
      { path: "p", url: "u", files: [{ name: "k" }], extra: true },
      { path: "p", url: "u", files: [{ name: "k" }], signatures: { keys: "k", fingerprints: ["A".repeat(40)] } },
      { path: "p", url: "u", files: [{ name: "k" }], signatures: { fingerprints: ["zz"] } },
      { path: "p", url: "u", files: [{ name: "k" }], checksums: [{ name: "SHA256SUMS", signature: "" }] },
      { path: LONG_ASTRAL, url: "u", files: [{ name: "k" }] },
      { path: "p", url: "u", files: [{ name: "\ud83d\ude00".repeat(400) }] },
    ],
  },
  {
    file: "../../server/state/state-validator.generated.ts",
    from: "server/state/record.ts",
    options: FIRST_ERROR_OPTIONS,
    schemas: { validateStateCode: STATE_SCHEMA },
    validators: { validateStateCode: validateStateCode as SchemaValidator },
    documents: [
      null,
      [],
      { version: 1, mac: "52:54:00:aa:bb:cc", labels: {} },
      { version: 2, mac: "52:54:00:aa:bb:cc", labels: {} },
      { version: "1", mac: "m", labels: {} },
      { version: 1, mac: "m", labels: { os: { value: "installed", setAt: "t", group: "g", endpoint: "/ipxe" } } },
      { version: 1, mac: "m", labels: { os: { value: "installed", setAt: "t", group: "g" } } },
      { version: 1, mac: "m", labels: { os: "installed" } },
      { version: 1, mac: "m", labels: {}, extra: 1 },
    ],
  },
];

describe("JSON Schemas of the server", () => {
  const schemas = GENERATED.flatMap((g) => Object.entries(g.schemas));

  it.each(schemas)("%s: valid against the meta-schema and strict", (_name, schema) => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it.each(GENERATED)("$file is Ajv's code for today's schemas (update: npx vitest run test/store/schemas.test.ts -u)", async (generated) => {
    const ajv = new Ajv({ ...generated.options, code: { source: true, esm: true, lines: true } });
    const exports: Record<string, string> = {};
    for (const [name, schema] of Object.entries(generated.schemas)) {
      ajv.addSchema(schema, schema.$id === undefined ? name : undefined);
      exports[name] = schema.$id ?? name;
    }
    const code = standaloneCode.default(ajv, exports);
    // Without a require() of Ajv's run-time helpers: the module is loaded as it is, by Node and by the bundle.
    expect(code).not.toMatch(/require\(/);
    await expect(header(generated) + code).toMatchFileSnapshot(generated.file);
  });

  it.each(GENERATED)("$file judges as Ajv compiling the schemas at run time", (generated) => {
    const ajv = new Ajv({ ...generated.options, validateSchema: false });
    for (const [name, schema] of Object.entries(generated.schemas)) {
      const compiled = ajv.compile(schema);
      const validator = generated.validators[name]!;
      for (const document of generated.documents) {
        expect([validator(document), validator.errors], `${name} on ${JSON.stringify(document).slice(0, 80)}`).toEqual([compiled(document), compiled.errors]);
      }
    }
  });

  it("a source declaration's lengths are counted in UTF-16 units", () => {
    const validate = validateSourceCode as SchemaValidator;
    expect(validate({ path: "\ud83d\ude00".repeat(512), url: "u", files: [{ name: "k" }] })).toBe(true);
    expect(validate({ path: "\ud83d\ude00".repeat(513), url: "u", files: [{ name: "k" }] })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: "/path", keyword: "maxLength" });
  });
});

function header(generated: Generated): string {
  return `// @ts-nocheck
// Generated by test/store/schemas.test.ts from ${generated.from} with Ajv's
// standalone code (npx vitest run test/store/schemas.test.ts -u). Do not edit.
`;
}
