import type { SchemaValidator } from "../util/json-schema.js";
import { validateGroupCode, validateProfileCode } from "./schema-validators.generated.js";

/**
 * The group and profile validators, compiled by Ajv ahead of time (compiling
 * them costs tens of milliseconds of every start). test/store/schemas.test.ts
 * generates the code from the schemas, with the options it was compiled with,
 * and checks it is up to date.
 */
export const validateGroup = validateGroupCode as SchemaValidator;
export const validateProfile = validateProfileCode as SchemaValidator;
