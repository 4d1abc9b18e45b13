/**
 * The conformance vectors for Go text/template under Matchbox's settings
 * (template name "", missingkey=error, JSON metadata), with Go's messages.
 */
import { describe, expect, it } from "vitest";
import { TemplateError, parseTemplate } from "../../server/template/index.js";
import { CORPUS_DATA } from "./corpus.js";

const DATA = CORPUS_DATA;

function render(text: string, data: unknown = DATA): string {
  return parseTemplate("", text).execute(data);
}

function renderError(text: string, data: unknown = DATA): string {
  try {
    render(text, data);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

function parseError(text: string): string {
  try {
    parseTemplate("", text);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

const OUTPUTS: Array<[string, string]> = [
  // field access and missing keys
  ["{{.request.query.foo}}|{{.request.raw_query}}", "some-param|mac=52-54-00-89-d8-10&foo=some-param"],
  ['[{{index . "nope"}}]', "[<no value>]"],
  ['{{if index . "nope"}}y{{else}}n{{end}}', "n"],
  ['{{index . "etcd-name"}}', "dash"],
  // printing
  ["{{.num}} {{.float}} {{.big}} {{.bigger}} {{.neg}} {{.zero}}", "3 2.5 1e+06 1.234567e+06 -4 0"],
  ["[{{.nul}}]", "[<no value>]"],
  ["{{print .nul}}", "<nil>"],
  ["{{.ssh_authorized_keys}}", "[ssh-ed25519 AAA one ssh-rsa BBB two]"],
  ["{{.empty_list}}", "[]"],
  ["{{.m}}", "map[alpha:two mid:[1 2] zeta:1]"],
  ["{{.nested}}", "map[a:map[b:deep] list:[map[n:x] map[n:y]]]"],
  ["{{.empty_map}}", "map[]"],
  [
    "{{.request}}",
    "map[query:map[foo:some-param mac:52:54:00:89:d8:10] raw_query:mac=52-54-00-89-d8-10&foo=some-param]",
  ],
  ["{{1}} {{1.5}} {{0x1F}} {{'a'}} {{1e3}} {{1_000}}", "1 1.5 31 97 1000 1000"],
  // comparisons
  ['{{if eq .name "node1"}}yes{{end}}', "yes"],
  ["{{eq .num 3.0}}", "true"],
  ['{{eq .name "a" "node1"}}', "true"],
  ["{{eq .nul nil}}", "true"],
  ['{{eq .nul "x"}}', "false"],
  // and / or / not
  ['{{and 1 0 2}}|{{and 1 2}}|{{or 0 "" "x"}}|{{or 0 ""}}|{{not .f}}', "0|2|x||true"],
  ["{{and .f .nope}}", "false"],
  // range and with
  ["{{range $i, $e := .ssh_authorized_keys}}{{$i}}={{$e}};{{end}}", "0=ssh-ed25519 AAA one;1=ssh-rsa BBB two;"],
  ["{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}", "alpha=two;mid=[1 2];zeta=1;"],
  ["{{range .m}}{{.}};{{end}}", "two;[1 2];1;"],
  ["{{range .empty_list}}x{{else}}empty{{end}}", "empty"],
  ["{{range .nul}}x{{else}}nil{{end}}", "nil"],
  ["{{range .ssh_authorized_keys}}{{$.name}}:{{.}};{{end}}", "node1:ssh-ed25519 AAA one;node1:ssh-rsa BBB two;"],
  ["{{with .empty_str}}x{{else}}none{{end}}", "none"],
  ["{{with $x := .name}}{{$x}}-{{.}}{{end}}", "node1-node1"],
  // variables
  ["{{$x := 1}}{{if .t}}{{$x = 2}}{{end}}{{$x}}", "2"],
  // whitespace trimming and comments
  ["a \r\n\t{{- .name -}}\r\n b", "anode1b"],
  ["{{-3}}", "-3"],
  ["a {{- /* c */ -}} b", "ab"],
  ["keys:\n{{- range .ssh_authorized_keys}}\n  - {{.}}\n{{- end}}\n", "keys:\n  - ssh-ed25519 AAA one\n  - ssh-rsa BBB two\n"],
  // functions
  [
    '{{printf "%d %5.2f %q %x %v %T %s" 42 3.14159 "q" 255 .ssh_authorized_keys .num .name}}',
    '42  3.14 "q" ff [ssh-ed25519 AAA one ssh-rsa BBB two] float64 node1',
  ],
  ['{{printf "%d" .num}}', "%!d(float64=3)"],
  ['{{printf "%s %s" "a"}}', "a %!s(MISSING)"],
  ['{{printf "%s" "a" "b"}}', "a%!(EXTRA string=b)"],
  ['{{print "a" "b"}}|{{print 1 2}}|{{print "a" 1 2 "b"}}', "ab|1 2|a1 2b"],
  ['{{println "a" 1}}', "a 1\n"],
  ["{{len .ssh_authorized_keys}} {{len .name}} {{len .m}}", "2 5 3"],
  ["{{len .uni}}", "5"],
  ["{{html .html_chars}}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;"],
  ["{{js .html_chars}}", "\\u003Ca href\\u003D\\\"x\\\"\\u003E\\u0026\\'"],
  ["{{urlquery .url_chars}}", "a+b%26c%3Dd%2F%C3%A9%3F"],
  ['{{urlquery "a b" 1 2}}', "a+b1+2"],
  ['{{slice "abcdef" 1 3}}|{{slice .ssh_authorized_keys 1}}', "bc|[ssh-rsa BBB two]"],
  ['{{index "abc" 0}}', "97"],
  ['{{printf "%05d" 42}}', "00042"],
  ['{{urlquery "a b&c"}}', "a+b%26c"],
  ['{{html "<x>"}}', "&lt;x&gt;"],
  ["{{js \"a'b\"}}", "a\\'b"],
  ['{{define "x"}}<{{.}}>{{end}}{{template "x" .name}}', "<node1>"],
  ['{{block "b" .num}}[{{.}}]{{end}}', "[3]"],
  // newer Go: range over an integer, break/continue, else with
  ["{{range $i := 3}}{{$i}}{{end}}", "012"],
  ['{{range .ssh_authorized_keys}}{{if eq . "ssh-rsa BBB two"}}{{break}}{{end}}{{.}};{{end}}', "ssh-ed25519 AAA one;"],
  ['{{range .ssh_authorized_keys}}{{if eq . "ssh-ed25519 AAA one"}}{{continue}}{{end}}{{.}};{{end}}', "ssh-rsa BBB two;"],
  ["{{with .f}}x{{else with .name}}{{.}}{{end}}", "node1"],
];

describe("conformance: outputs", () => {
  for (const [text, want] of OUTPUTS) {
    it(JSON.stringify(text), () => expect(render(text)).toBe(want));
  }

  it("truthiness of every kind", () => {
    const falsy = [".empty_str", ".zero", ".f", ".nul", ".empty_list", ".empty_map"];
    const truthy = [".str_false", '"0"', ".num", ".ssh_authorized_keys", ".m"];
    for (const x of falsy) expect(render(`{{if ${x}}}T{{else}}F{{end}}`)).toBe("F");
    for (const x of truthy) expect(render(`{{if ${x}}}T{{else}}F{{end}}`)).toBe("T");
  });
});

const EXEC_ERRORS: Array<[string, string]> = [
  ["a{{.nope}}b", 'template: :1:3: executing "" at <.nope>: map has no entry for key "nope"'],
  ["{{if .nope}}x{{end}}", 'template: :1:5: executing "" at <.nope>: map has no entry for key "nope"'],
  // Go positions a chained field at its second element.
  [
    "{{.request.query.nope}}",
    'template: :1:10: executing "" at <.request.query.nope>: map has no entry for key "nope"',
  ],
  ["{{.name.foo}}", 'template: :1:7: executing "" at <.name.foo>: can\'t evaluate field foo in type interface {}'],
  [
    "{{eq .num 3}}",
    'template: :1:2: executing "" at <eq .num 3>: error calling eq: incompatible types for comparison: float64 and int',
  ],
  [
    "{{lt .float 3}}",
    'template: :1:2: executing "" at <lt .float 3>: error calling lt: incompatible types for comparison: float64 and int',
  ],
  ["{{range .name}}x{{end}}", 'template: :1:8: executing "" at <.name>: range can\'t iterate over node1'],
  ["{{len .nul}}", 'template: :1:2: executing "" at <len .nul>: error calling len: len of nil pointer'],
  ["{{.nul.x}}", 'template: :1:6: executing "" at <.nul.x>: nil pointer evaluating interface {}.x'],
  ["{{$x := .nul}}{{$x.a}}", 'template: :1:18: executing "" at <$x.a>: nil data; no entry for key "a"'],
  ["{{not}}", 'template: :1:2: executing "" at <not>: wrong number of args for not: want 1 got 0'],
  ['{{template "nope"}}', 'template: :1:11: executing "" at <{{template "nope"}}>: template "nope" not defined'],
  ["{{nil}}", 'template: :1:2: executing "" at <nil>: nil is not a command'],
  [
    'line one\n{{define "d"}}\n  {{.missing}}{{end}}{{template "d" .}}',
    'template: :3:4: executing "d" at <.missing>: map has no entry for key "missing"',
  ],
];

describe("conformance: execution errors", () => {
  for (const [text, want] of EXEC_ERRORS) {
    it(JSON.stringify(text), () => expect(renderError(text)).toBe(want));
  }

  it("reports a missing key on a later line with line and byte column", () => {
    const text = [
      "variant: fcos",
      "version: 1.5.0",
      "passwd:",
      "  users:",
      "    - name: core",
      "storage:",
      "  files:",
      "    - path: /var/home/core/foo",
      "  inline: {{.example_contents}}",
    ].join("\n");
    expect(renderError(text, {})).toBe(
      'template: :9:12: executing "" at <.example_contents>: map has no entry for key "example_contents"',
    );
  });
});

const PARSE_ERRORS: Array<[string, string]> = [
  ["{{.name", "template: :1: unclosed action"],
  ["{{end}}", "template: :1: unexpected {{end}}"],
  ["{{if .t}}x", "template: :1: unexpected EOF"],
  ['{{"abc}}', "template: :1: unterminated quoted string"],
  ["{{/* abc }}", "template: :1: unclosed comment"],
  ["{{.name ^}}", 'template: :1: unexpected "^" in operand'],
  ["{{}}", "template: :1: missing value for command"],
  ["{{else}}", "template: :1: unexpected {{else}}"],
  ["{{3x}}", 'template: :1: bad number syntax: "3x"'],
  ["a\nb\nc\n{{if}}{{end}}", "template: :4: missing value for if"],
  ["{{.etcd-name}}", "template: :1: bad character U+002D '-'"],
  ["a{{ /* c */ }}b", 'template: :1: unexpected "/" in command'],
  ["{{if .t}}{{$y := 1}}{{end}}{{$y}}", 'template: :1: undefined variable "$y"'],
  ['{{default "x" .name}}', 'template: :1: function "default" not defined'],
  ["{{break}}", "template: :1: {{break}} outside {{range}}"],
  ['{{define "a"}}1{{end}}{{define "a"}}2{{end}}', 'template: :1: template: multiple definition of template "a"'],
];

describe("conformance: parse errors", () => {
  for (const [text, want] of PARSE_ERRORS) {
    it(JSON.stringify(text), () => expect(parseError(text)).toBe(want));
  }
});
