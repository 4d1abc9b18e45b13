// The floor for start-up: a process that reads and JSON-parses every group and
// profile file of a data directory (synchronously, the fastest way for files in
// the page cache), then answers HTTP. Args: port dataPath
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";

const [port, dataPath] = process.argv.slice(2);
const documents = [];
for (const folder of ["groups", "profiles"]) {
  for (const name of readdirSync(path.join(dataPath, folder)).sort()) {
    if (name.endsWith(".json")) documents.push(JSON.parse(readFileSync(path.join(dataPath, folder, name), "utf8")));
  }
}
http.createServer((_request, response) => response.end(`${documents.length} documents\n`)).listen(Number(port), "127.0.0.1");
