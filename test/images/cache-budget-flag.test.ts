import { describe, expect, it } from "vitest";
import { UsageError } from "../../server/config/flags.js";
import { parseServeConfig } from "../../server/config/serve-config.js";

const REPO = new URL("../..", import.meta.url).pathname;
const config = (value: string) => {
  const request = parseServeConfig(["-data-path", REPO, "-assets-path", `${REPO}/assets`, "-assets-cache-max-bytes", value], {});
  if (request.kind !== "serve") throw new Error("not serve");
  return request.config.assetsCacheMaxBytes;
};

describe("-assets-cache-max-bytes", () => {
  it.each([
    ["1073741824", 2 ** 30],
    ["20GiB", 20 * 2 ** 30],
    ["20G", 20 * 2 ** 30],
    ["500MB", 500e6],
    ["1.5TiB", 1.5 * 2 ** 40],
  ])("reads %s", (text, bytes) => expect(config(text)).toBe(bytes));

  it("is unset by default, and refuses what is not a size", () => {
    const request = parseServeConfig(["-data-path", REPO, "-assets-path", `${REPO}/assets`], {});
    expect(request.kind === "serve" && request.config.assetsCacheMaxBytes).toBeUndefined();
    expect(() => config("lots")).toThrow(UsageError);
    expect(() => config("12 parsecs")).toThrow('invalid -assets-cache-max-bytes "12 parsecs": want a size such as 20GiB, 500M or 1073741824');
  });

  it("is read from MATCHBOX_ASSETS_CACHE_MAX_BYTES too", () => {
    const request = parseServeConfig(["-data-path", REPO, "-assets-path", `${REPO}/assets`], { MATCHBOX_ASSETS_CACHE_MAX_BYTES: "2GiB" });
    expect(request.kind === "serve" && request.config.assetsCacheMaxBytes).toBe(2 * 2 ** 30);
  });
});
