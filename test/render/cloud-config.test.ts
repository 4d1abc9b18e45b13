import { describe, expect, it } from "vitest";
import { NetbootError } from "../../server/errors.js";
import { checkCloudConfig } from "../../server/render/cloud-config.js";

function failure(text: string): string {
  try {
    checkCloudConfig(text, "cloud/x.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(NetbootError);
    return (err as NetbootError).message;
  }
  throw new Error("expected a NetbootError");
}

describe("cloud-config check", () => {
  it("accepts a cloud-config or a script, and names the file otherwise", () => {
    expect(() => checkCloudConfig("#cloud-config\nhostname: a\n", "cloud/x.yaml")).not.toThrow();
    expect(() => checkCloudConfig("#!/bin/sh\necho hi\n", "cloud/x.yaml")).not.toThrow();
    expect(failure("hostname: a\n")).toBe("cloud/x.yaml: rendered text is neither a #cloud-config nor a #! script");
    expect(failure("#cloud-config\n: [\n")).toMatch(/^cloud\/x\.yaml: rendered cloud-config is not valid YAML: /);
  });

  it("stops parsing at the node limit and refuses oversized documents before parsing", () => {
    const started = Date.now();
    expect(failure("#cloud-config\nx: [" + "1,".repeat(400_000) + "1]\n")).toMatch(/^cloud\/x\.yaml: rendered cloud-config has more than \d+ YAML nodes$/);
    expect(failure("#cloud-config\n# " + "x".repeat(2 * 1024 * 1024) + "\n")).toMatch(/^cloud\/x\.yaml: rendered cloud-config is larger than \d+ bytes$/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
