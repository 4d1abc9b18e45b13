import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { helmValues, secretManifest } from "../../server/wireguard/manifests.js";
import { parseOutputRequest, parseOutputRequests, renderOutputs } from "../../server/wireguard/outputs.js";
import { addPeer, parseStateFiles, STATE_FILES } from "../../server/wireguard/state.js";
import { SERVER_PRIVATE, serverState, testKey } from "./fixtures.js";

const state = addPeer(serverState(), { name: "home", publicKey: testKey("home"), lan: ["198.51.100.0/24"] }).state;

/** The chart's own schema, so the values written here are values the chart accepts. */
const validateChartValues = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(readFileSync(new URL("../../chart/values.schema.json", import.meta.url), "utf8")),
);
const chartDefaults = yaml.load(readFileSync(new URL("../../chart/values.yaml", import.meta.url), "utf8")) as Record<string, any>;

function chartAccepts(values: unknown): string[] {
  const merged = { ...chartDefaults, wireguard: { ...chartDefaults.wireguard, ...(values as any).wireguard } };
  return validateChartValues(merged) ? [] : (validateChartValues.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe("Secret manifest", () => {
  it("has one key per state file, so it mounts as the state directory", () => {
    const secret = yaml.load(secretManifest(state, "boot-wg")) as { kind: string; metadata: { name: string }; data: Record<string, string> };
    expect(secret.kind).toBe("Secret");
    expect(secret.metadata.name).toBe("boot-wg");
    const files = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    expect(Object.keys(files).sort()).toEqual(Object.values(STATE_FILES).sort());
    expect(parseStateFiles(files)).toEqual(state);
  });
});

describe("Helm values", () => {
  it("embed the state files under wireguard.state when there is no Secret, and the chart accepts them", () => {
    const values = yaml.load(helmValues(state)) as { wireguard: { state: Record<string, string>; listenPort: number } };
    expect(parseStateFiles(values.wireguard.state)).toEqual(state);
    expect(values.wireguard.listenPort).toBe(51820);
    expect(chartAccepts(values)).toEqual([]);
  });

  it("point at the Secret and hold no private key when a Secret is written too", () => {
    const text = helmValues(state, { existingSecret: "netboot-wireguard" });
    expect(text).not.toContain(SERVER_PRIVATE);
    const values = yaml.load(text) as { wireguard: Record<string, unknown> };
    expect(values.wireguard).toEqual({ enabled: true, listenPort: 51820, existingSecret: "netboot-wireguard" });
    expect(chartAccepts(values)).toEqual([]);
  });
});

describe("--output", () => {
  it("parses KIND and KIND=FILE, and allows one to standard output", () => {
    expect(parseOutputRequest("secret")).toEqual({ kind: "secret", path: null });
    expect(parseOutputRequest("values=out/v.yaml")).toEqual({ kind: "values", path: "out/v.yaml" });
    expect(() => parseOutputRequest("helm=x")).toThrow(/secret, values/);
    expect(() => parseOutputRequests(["secret", "values"])).toThrow(/only one/);
  });

  it("makes values refer to the Secret written alongside", () => {
    const [secret, values] = renderOutputs(state, parseOutputRequests(["secret=s.yaml", "values"]), "wg");
    expect(secret!.content).toContain("kind: Secret");
    expect(values!.content).toContain("existingSecret: wg");
  });
});
