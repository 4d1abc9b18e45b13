/**
 * The run-time validators skip Ajv's meta-schema check (it slows every start),
 * so every schema the server compiles is checked here instead: valid against
 * the meta-schema, and compiling under strict mode with the server's options.
 */
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { SOURCE_SCHEMA } from "../../server/images/declaration.js";
import { STATE_SCHEMA } from "../../server/state/record.js";
import { GROUP_SCHEMA, PROFILE_SCHEMA } from "../../server/store/schema.js";
import { lazyValidator } from "../../server/util/json-schema.js";

const SCHEMAS = { group: GROUP_SCHEMA, profile: PROFILE_SCHEMA, source: SOURCE_SCHEMA, state: STATE_SCHEMA };

describe("JSON Schemas the server compiles", () => {
  it.each(Object.entries(SCHEMAS))("%s: valid against the meta-schema and strict", (_name, schema) => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it("compiles a validator on its first use and reports the errors of the last call", () => {
    const validate = lazyValidator({ type: "object", required: ["id"], properties: { id: { type: "integer" } } }, { allErrors: true, strict: true });
    expect(validate.errors).toBeUndefined();
    expect(validate({})).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: "required", params: { missingProperty: "id" } });
    expect(validate({ id: 1 })).toBe(true);
    expect(validate.errors).toBeNull();
  });

  it("still refuses a schema with a keyword strict mode does not know", () => {
    const validate = lazyValidator({ type: "object", propertys: {} }, { strict: true });
    expect(() => validate({})).toThrow(/unknown keyword/);
  });
});
