// A stand-in for the Kubernetes API server, for tests where no real one can
// run: exactly the calls netboot's WireGuard sidecar makes, with the API's
// JSON shapes and answers — GET and JSON-merge PATCH of one Secret (a stale
// metadata.resourceVersion in the patch is refused with 409 Conflict), GET of
// one Service — behind a bearer token. Any other call is refused with 403 as
// the chart's Role would refuse it, and every call is recorded, so a test can
// check the pod needs nothing more than that Role grants.
//
// As a module: startKubeApiStub(options). As a program (the pod simulation):
//   node kube-api-stub.mjs CONFIG.json   (see main() below)
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";

function status(code, reason, message, details) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * options: { cert, key (PEM), token, namespace, serviceAccount?, secrets: { NAME: {data?, labels?, annotations?} },
 *            services: { NAME: Service object }, host?, port?, onChange?(secrets) }
 */
export async function startKubeApiStub(options) {
  const namespace = options.namespace;
  let revision = 1000;
  const nextVersion = () => String(++revision);
  const secrets = new Map();
  for (const [name, init] of Object.entries(options.secrets ?? {})) {
    const metadata = {
      name,
      namespace,
      uid: randomUUID(),
      resourceVersion: nextVersion(),
      creationTimestamp: new Date().toISOString(),
      ...(init.labels ? { labels: init.labels } : {}),
      ...(init.annotations ? { annotations: init.annotations } : {}),
    };
    // Like the API server, a Secret without data has no `data` field at all.
    secrets.set(name, { apiVersion: "v1", kind: "Secret", metadata, type: "Opaque", ...(init.data && Object.keys(init.data).length ? { data: init.data } : {}) });
  }
  const services = new Map(Object.entries(options.services ?? {}));
  const requests = [];
  const user = `system:serviceaccount:${namespace}:${options.serviceAccount ?? "netboot"}`;

  const server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://stub");
      const answer = (code, object) => {
        requests.push({ method: req.method, path: url.pathname, query: url.search, status: code });
        res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(object));
      };
      if (req.headers.authorization !== `Bearer ${options.token}`) return answer(401, status(401, "Unauthorized", "Unauthorized"));
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|services)\/([^/]+)$/.exec(url.pathname);
      const verb = { GET: "get", PATCH: "patch", PUT: "update", DELETE: "delete", POST: "create" }[req.method] ?? req.method.toLowerCase();
      const forbidden = (resource, name) =>
        answer(403, status(403, "Forbidden", `${resource} "${name}" is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "" in the namespace "${namespace}"`, { name, kind: resource }));
      if (!match) return forbidden(url.pathname.split("/")[4] ?? "", url.pathname.split("/")[5] ?? "");
      const [, ns, resource, name] = match;
      if (ns !== namespace) return forbidden(resource, name);
      if (resource === "services") {
        if (req.method !== "GET" || !services.has(name)) return forbidden(resource, name);
        return answer(200, services.get(name));
      }
      if (!secrets.has(name) || !["GET", "PATCH"].includes(req.method)) return forbidden(resource, name);
      const secret = secrets.get(name);
      if (req.method === "GET") return answer(200, secret);
      if (req.headers["content-type"] !== "application/merge-patch+json") {
        return answer(415, status(415, "UnsupportedMediaType", `the body of the request was in an unknown format`));
      }
      let patch;
      try {
        patch = JSON.parse(body);
      } catch (err) {
        return answer(400, status(400, "BadRequest", String(err)));
      }
      const wanted = patch?.metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== secret.metadata.resourceVersion) {
        return answer(409, status(409, "Conflict", `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: "secrets" }));
      }
      const next = mergePatch(secret, patch);
      next.metadata = { ...next.metadata, name, namespace, uid: secret.metadata.uid, resourceVersion: nextVersion() };
      secrets.set(name, next);
      options.onChange?.(Object.fromEntries(secrets));
      return answer(200, next);
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
  });
  const address = server.address();
  return {
    url: `https://${options.host ?? "127.0.0.1"}:${address.port}`,
    requests,
    secret: (name) => secrets.get(name),
    /** Replaces a Secret's data as `kubectl apply` or `helm upgrade` would (a new resourceVersion). */
    setSecretData(name, data) {
      const secret = secrets.get(name);
      secrets.set(name, { ...secret, metadata: { ...secret.metadata, resourceVersion: nextVersion() }, data });
    },
    setService(name, service) {
      services.set(name, service);
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A LoadBalancer Service for the WireGuard port, as the API shows it once the cloud gave it an address. */
export function loadBalancerService(name, namespace, { port = 51820, ip, hostname } = {}) {
  const ingress = ip || hostname ? [{ ...(ip ? { ip } : {}), ...(hostname ? { hostname } : {}) }] : undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, resourceVersion: "1" },
    spec: { type: "LoadBalancer", ports: [{ name: "wireguard", protocol: "UDP", port, targetPort: "wireguard", nodePort: 31820 }] },
    status: { loadBalancer: ingress ? { ingress } : {} },
  };
}

// CONFIG.json: { host, port, certFile, keyFile, token, namespace, secret, service, lbIp, udpPort, stateFile, requestsFile }
// A stateFile left by an earlier run is loaded: the Secret outlives the pod, as in a cluster.
async function main(configPath) {
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const stored = existsSync(config.stateFile) ? JSON.parse(readFileSync(config.stateFile, "utf8")) : {};
  const secrets = Object.fromEntries(Object.entries(stored).map(([name, s]) => [name, { data: s.data, annotations: s.metadata.annotations }]));
  const stub = await startKubeApiStub({
    cert: readFileSync(config.certFile),
    key: readFileSync(config.keyFile),
    token: config.token,
    namespace: config.namespace,
    host: config.host,
    port: config.port,
    secrets: { [config.secret]: { annotations: { "helm.sh/resource-policy": "keep" } }, ...secrets },
    services: { [config.service]: loadBalancerService(config.service, config.namespace, { ip: config.lbIp, port: config.udpPort }) },
    onChange: (all) => writeFileSync(config.stateFile, JSON.stringify(all, null, 2)),
  });
  const flush = () => writeFileSync(config.requestsFile, JSON.stringify(stub.requests, null, 2));
  writeFileSync(config.stateFile, JSON.stringify({ [config.secret]: stub.secret(config.secret) }, null, 2));
  setInterval(flush, 200);
  process.on("SIGTERM", () => {
    flush();
    void stub.close().then(() => process.exit(0));
  });
  process.stdout.write(`${stub.url}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main(process.argv[2]);
