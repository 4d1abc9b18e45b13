/**
 * Hand-picked edge cases (every builtin, fmt verbs and error forms, number
 * syntaxes, byte strings, parse errors over several lines, version-specific
 * features) that must render exactly as Go's text/template renders them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareWithOracle } from "./oracle.js";

const CASES: string[] = JSON.parse(readFileSync(new URL("./edge-cases.json", import.meta.url), "utf8"));

const DATA = {
  name: "node1",
  ssh_authorized_keys: ["ssh-ed25519 AAA one", "ssh-rsa BBB two"],
  empty_list: [],
  empty_map: {},
  empty_str: "",
  zero: 0,
  num: 3,
  float: 2.5,
  big: 1000000,
  bigger: 1234567,
  neg: -4,
  t: true,
  f: false,
  nul: null,
  str_false: "false",
  nested: { a: { b: "deep" }, list: [{ n: "x" }, { n: "y" }] },
  m: { zeta: 1, alpha: "two", mid: [1, 2] },
  html_chars: "<a href=\"x\">&'",
  url_chars: "a b&c=d/é?",
  uni: "é✓",
  "etcd-name": "dash",
  three: [1, "a", null],
  request: {
    query: { mac: "52:54:00:89:d8:10", foo: "some-param" },
    raw_query: "mac=52-54-00-89-d8-10&foo=some-param",
  },
  mac: "52:54:00:89:d8:10",
};

describe("edge cases against Go text/template", () => {
  it(`agrees on ${CASES.length} hand-picked templates`, async () => {
    const differences: string[] = [];
    for (const text of CASES) {
      const { difference } = await compareWithOracle(text, DATA);
      if (difference !== null) differences.push(`${JSON.stringify(text)}: ${difference}`);
    }
    expect(differences).toEqual([]);
  });
});
