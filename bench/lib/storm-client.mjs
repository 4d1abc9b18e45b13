// A boot storm's machines: each one keeps a single connection alive and fetches, as iPXE does,
// /boot.ipxe, then /ipxe for its MAC, then the kernel and initrd the script names.
// Args: baseUrl clients deadlineSeconds. Prints a JSON summary on stdout.
import { Client } from "undici";
import { macOf } from "./data-dir.mjs";

const [baseUrl, clientCount, deadlineSeconds] = process.argv.slice(2);
const deadline = Date.now() + Number(deadlineSeconds) * 1000;

async function get(client, path) {
  const res = await client.request({ method: "GET", path, headersTimeout: 60_000, bodyTimeout: 60_000 });
  let bytes = 0;
  const chunks = [];
  for await (const chunk of res.body) {
    // Boot scripts are small: keep the first 64 KiB of each body as text, count the rest.
    if (bytes < 65536) chunks.push(chunk);
    bytes += chunk.length;
  }
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode}`);
  const length = Number(res.headers["content-length"]);
  if (Number.isFinite(length) && length !== bytes) throw new Error(`${path}: ${bytes} of ${length} bytes`);
  return { bytes, text: Buffer.concat(chunks).toString("utf8") };
}

async function boot(i) {
  const client = new Client(baseUrl, { pipelining: 1, keepAliveTimeout: 60_000, connections: 1 });
  let connections = 0;
  client.on("connect", () => connections++);
  const started = performance.now();
  let bytes = 0;
  try {
    const bootstrap = await get(client, "/boot.ipxe");
    if (!bootstrap.text.startsWith("#!ipxe")) throw new Error("/boot.ipxe is not an iPXE script");
    const mac = macOf(i).replace(/:/g, "-");
    const script = await get(client, `/ipxe?uuid=&mac=${mac}&domain=&hostname=&serial=&arch=x86_64`);
    const kernel = /^kernel\s+(\S+)/m.exec(script.text)?.[1];
    const initrds = [...script.text.matchAll(/^initrd\s+(\S+)/gm)].map((m) => m[1]);
    if (!kernel || initrds.length === 0) throw new Error(`no kernel/initrd in ${JSON.stringify(script.text.slice(0, 200))}`);
    for (const file of [kernel, ...initrds]) {
      if (Date.now() > deadline) throw new Error("deadline passed");
      bytes += (await get(client, new URL(file, baseUrl).pathname)).bytes;
    }
    return { ok: true, ms: performance.now() - started, bytes, connections };
  } catch (err) {
    return { ok: false, ms: performance.now() - started, bytes, connections, error: String(err.message ?? err) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

const started = performance.now();
const outcomes = await Promise.all(Array.from({ length: Number(clientCount) }, (_, i) => boot(i)));
const wallMs = performance.now() - started;
const durations = outcomes.filter((o) => o.ok).map((o) => o.ms).sort((a, b) => a - b);
const pct = (p) => (durations.length ? durations[Math.min(durations.length - 1, Math.ceil((p / 100) * durations.length) - 1)] : NaN);
const errors = outcomes.filter((o) => !o.ok);
process.stdout.write(
  JSON.stringify({
    clients: outcomes.length,
    completed: durations.length,
    errors: errors.length,
    errorSamples: [...new Set(errors.map((e) => e.error))].slice(0, 5),
    extraConnections: outcomes.reduce((sum, o) => sum + Math.max(0, o.connections - 1), 0),
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: durations[durations.length - 1] ?? NaN,
    wallMs,
    bytes: outcomes.reduce((sum, o) => sum + o.bytes, 0),
  }),
);
