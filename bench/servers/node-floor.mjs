// The Node floor for assets: plain node:http and fs.createReadStream (default
// 64 KiB reads) piped to the response, one fs.stat per request, a single
// `bytes=` range honoured. Args: port root
import { createReadStream, stat } from "node:fs";
import http from "node:http";
import path from "node:path";

const [port, root] = process.argv.slice(2);
http
  .createServer((request, response) => {
    const file = path.join(root, decodeURIComponent(request.url.split("?")[0]));
    stat(file, (err, stats) => {
      if (err || !stats.isFile()) {
        response.writeHead(404).end();
        return;
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? "");
      const start = range ? Number(range[1]) : 0;
      const end = range ? Math.min(Number(range[2]), stats.size - 1) : stats.size - 1;
      const headers = { "content-type": "application/octet-stream", "content-length": end - start + 1 };
      if (range) headers["content-range"] = `bytes ${start}-${end}/${stats.size}`;
      response.writeHead(range ? 206 : 200, headers);
      createReadStream(file, { start, end }).pipe(response);
    });
  })
  .listen(Number(port), "127.0.0.1");
