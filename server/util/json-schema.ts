import { Ajv, type AnySchema, type ErrorObject, type Options } from "ajv";

/** A schema's validator: true when the document conforms, else false with `errors` set. */
export interface SchemaValidator {
  (document: unknown): boolean;
  readonly errors: ErrorObject[] | null | undefined;
}

const instances = new Map<string, Ajv>();

/**
 * A validator compiled at its first use, in one Ajv instance per option set.
 * The schemas are the project's own, so Ajv does not check them against the
 * meta-schema at run time (compiling the meta-schema costs tens of
 * milliseconds of every start); the tests check them (test/store/schemas).
 */
export function lazyValidator(schema: AnySchema, options: Options): SchemaValidator {
  let compiled: ReturnType<Ajv["compile"]> | undefined;
  const validate = (document: unknown): boolean => {
    if (!compiled) {
      const key = JSON.stringify(options);
      let ajv = instances.get(key);
      if (!ajv) instances.set(key, (ajv = new Ajv({ ...options, validateSchema: false })));
      compiled = ajv.compile(schema);
    }
    return compiled(document) as boolean;
  };
  return Object.defineProperty(validate, "errors", { get: () => compiled?.errors }) as SchemaValidator;
}
