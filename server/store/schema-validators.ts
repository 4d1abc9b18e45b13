import type { Options } from "ajv";
import type { SchemaValidator } from "../util/json-schema.js";
import { validateGroupCode, validateProfileCode } from "./schema-validators.generated.js";

/**
 * The options the group and profile schemas are compiled with. `unicode:
 * false` measures strings in UTF-16 units, not code points: the same for the
 * only length the schemas check (minLength 1), and the generated code then
 * needs none of Ajv's run-time helpers.
 */
export const DOCUMENT_SCHEMA_OPTIONS: Options = { allErrors: true, strict: true, allowUnionTypes: true, unicode: false };

/**
 * The group and profile validators, compiled by Ajv ahead of time (compiling
 * them costs tens of milliseconds of every start). A test checks the
 * generated code against the schemas and regenerates it on request.
 */
export const validateGroup = validateGroupCode as SchemaValidator;
export const validateProfile = validateProfileCode as SchemaValidator;
