// A test oracle: Go's text/template, fed template data with the Go types
// Matchbox gives it. Reads one JSON request per line on stdin and writes one
// JSON answer per line on stdout.
//
// Request: {"template": "...", "name": "tpl", "metadata": <JSON object or null>,
// "selector": {"k": "v"}, "rawQuery": "a=b", "untyped": false}
//
// The data is built as Matchbox's collectVariables builds it: the metadata
// decoded by encoding/json into a map[string]interface{}, each selector as a
// string under its lower-cased key, and "request" = map[string]interface{}{
// "query": map[string]string of the query's labels, "raw_query": string}.
// With "untyped", request.query is a map[string]interface{} instead (the
// shape JSON data has), so results can be compared with an oracle that only
// takes JSON.
//
// Answer: {"ok": true, "output": <base64 of the rendered bytes>} or
// {"ok": false, "parse": true|false, "message": <base64 of the error text>}
// (base64, so bytes that are not UTF-8 arrive as Go wrote them).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"strings"
	"text/template"
)

type request struct {
	Template string            `json:"template"`
	Name     string            `json:"name"`
	Metadata json.RawMessage   `json:"metadata"`
	Selector map[string]string `json:"selector"`
	RawQuery string            `json:"rawQuery"`
	Untyped  bool              `json:"untyped"`
}

type answer struct {
	OK      bool   `json:"ok"`
	Output  string `json:"output,omitempty"`
	Parse   bool   `json:"parse,omitempty"`
	Message string `json:"message,omitempty"`
}

// queryLabels: the first value of each query parameter; a parameter whose
// key lower-cases to "mac" is kept only if it parses as a MAC, normalised.
func queryLabels(rawQuery string) map[string]string {
	values, _ := url.ParseQuery(rawQuery)
	labels := map[string]string{}
	for key, list := range values {
		value := list[0]
		if strings.ToLower(key) == "mac" {
			hw, err := net.ParseMAC(value)
			if err != nil {
				continue
			}
			value = hw.String()
		}
		labels[key] = value
	}
	return labels
}

func templateData(req request) (map[string]interface{}, error) {
	data := map[string]interface{}{"request": map[string]interface{}{}}
	if len(req.Metadata) > 0 && string(req.Metadata) != "null" {
		if err := json.Unmarshal(req.Metadata, &data); err != nil {
			return nil, err
		}
	}
	for key, value := range req.Selector {
		data[strings.ToLower(key)] = value
	}
	labels := queryLabels(req.RawQuery)
	var query interface{} = labels
	if req.Untyped {
		untyped := map[string]interface{}{}
		for key, value := range labels {
			untyped[key] = value
		}
		query = untyped
	}
	data["request"] = map[string]interface{}{"query": query, "raw_query": req.RawQuery}
	return data, nil
}

func failure(parse bool, message string) answer {
	return answer{Parse: parse, Message: base64.StdEncoding.EncodeToString([]byte(message))}
}

func render(req request) answer {
	data, err := templateData(req)
	if err != nil {
		return failure(false, "metadata: "+err.Error())
	}
	tmpl, err := template.New(req.Name).Option("missingkey=error").Parse(req.Template)
	if err != nil {
		return failure(true, err.Error())
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return failure(false, err.Error())
	}
	return answer{OK: true, Output: base64.StdEncoding.EncodeToString(out.Bytes())}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	for in.Scan() {
		var req request
		var a answer
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			a = failure(false, "request: "+err.Error())
		} else {
			a = render(req)
		}
		if err := encoder.Encode(a); err != nil {
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
}
