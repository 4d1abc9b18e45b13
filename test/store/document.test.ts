import { describe, expect, it } from "vitest";
import { DocumentError, parseDocument } from "../../server/store/document.js";
import { STORE_LIMITS } from "../../server/store/limits.js";

/** The error parseDocument throws for `text`, with its pointer. */
function failure(text: string, format: "json" | "yaml" = "json"): { message: string; pointer?: string } {
  try {
    parseDocument(text, format);
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentError);
    const { message, pointer } = err as DocumentError;
    return { message, pointer };
  }
  throw new Error("parsed without error");
}

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("the limits of a JSON group or profile document", () => {
  it("refuses a number beyond float64, at its pointer, wherever it stands", () => {
    expect(failure('{"metadata":{"n":[1,2,1e999]}}')).toEqual({ message: "number out of range", pointer: "/metadata/n/2" });
    // JSON.parse makes `__proto__` an own key, checked like any other.
    expect(failure('{"__proto__":-1e999}')).toEqual({ message: "number out of range", pointer: "/__proto__" });
    expect(failure('{"a/b":{"~":1e400}}')).toEqual({ message: "number out of range", pointer: "/a~1b/~0" });
    expect(parseDocument('{"metadata":{"n":1.7976931348623157e308}}', "json")).toEqual({ metadata: { n: 1.7976931348623157e308 } });
  });

  it(`allows nesting ${STORE_LIMITS.maxDepth} deep and refuses one more, at the deepest place`, () => {
    expect(parseDocument(`{"metadata":${nested(STORE_LIMITS.maxDepth)}}`, "json")).toBeTruthy();
    const tooDeep = failure(`{"metadata":${nested(STORE_LIMITS.maxDepth + 1)}}`);
    expect(tooDeep.message).toBe(`nesting deeper than ${STORE_LIMITS.maxDepth}`);
    // The innermost list is the one too deep.
    expect(tooDeep.pointer).toBe("/metadata" + "/0".repeat(STORE_LIMITS.maxDepth));
  });

  it(`refuses a document of more than ${STORE_LIMITS.maxYamlExpandedNodes} values, and says so without speaking of aliases`, () => {
    const values = (n: number) => `{"metadata":{"list":[${"0,".repeat(n - 1)}0]}}`;
    // The object, metadata and the list are three values of their own.
    expect(parseDocument(values(STORE_LIMITS.maxYamlExpandedNodes - 3), "json")).toBeTruthy();
    expect(failure(values(STORE_LIMITS.maxYamlExpandedNodes - 2)).message).toBe(`document has more than ${STORE_LIMITS.maxYamlExpandedNodes} values`);
  });

  it("checks YAML the same way, aliases expanded", () => {
    expect(failure("metadata:\n  n: [1, 2, .inf]\n", "yaml")).toEqual({ message: "number out of range", pointer: "/metadata/n/2" });
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    expect(failure(laughs.join("\n") + "\n", "yaml").message).toMatch(/expands to more than \d+ nodes \(too many aliases\)/);
  });
});
