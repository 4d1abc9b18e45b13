import type { ErrorObject } from "ajv";

/**
 * A schema's validator, compiled by Ajv ahead of time (standalone code,
 * generated and checked by test/store/schemas.test.ts): loading Ajv and
 * compiling a schema would cost every start tens of milliseconds. True when
 * the document conforms, else false with `errors` set.
 */
export interface SchemaValidator {
  (document: unknown): boolean;
  readonly errors: ErrorObject[] | null | undefined;
}
