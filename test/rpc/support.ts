import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAuthority, issueCertificate, type KeyAndCertificate } from "../../server/rpc/certificates.js";
import { RpcClient } from "../../server/rpc/client.js";
import type { TlsMaterial } from "../../server/rpc/tls.js";
import { startTestServer, type TestServer } from "../support/server.js";

const DAY = 86_400_000;

export interface Pki {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  /** Signed by the server's CA. */
  client: TlsMaterial;
  /** A client certificate from a CA the server does not trust. */
  strangerClient: TlsMaterial;
  /** That other CA's certificate (PEM). */
  strangerCa: string;
  /** Signed by the server's CA, but no longer valid. */
  expiredClient: TlsMaterial;
}

const material = (ca: string, pair: KeyAndCertificate): TlsMaterial => ({ ca: Buffer.from(ca), cert: Buffer.from(pair.certificate), key: Buffer.from(pair.privateKey) });

/** A CA, a server certificate for localhost/127.0.0.1/::1 and client certificates, made for real in a temporary folder. */
export async function makePki(): Promise<Pki> {
  const dir = mkdtempSync(path.join(tmpdir(), "netboot-pki-"));
  const authority = await createAuthority("netboot test CA");
  const server = await issueCertificate(authority, { name: "netboot test server", usage: "server", alternativeNames: ["localhost", "127.0.0.1", "::1"] });
  const client = await issueCertificate(authority, { name: "terraform", usage: "client" });
  const expired = await issueCertificate(authority, { name: "expired", usage: "client", notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
  const stranger = await createAuthority("someone else's CA");
  const strangerClient = await issueCertificate(stranger, { name: "terraform", usage: "client" });
  const files = { caFile: path.join(dir, "ca.crt"), certFile: path.join(dir, "server.crt"), keyFile: path.join(dir, "server.key") };
  writeFileSync(files.caFile, authority.certificate);
  writeFileSync(files.certFile, server.certificate);
  writeFileSync(files.keyFile, server.privateKey, { mode: 0o600 });
  return {
    dir,
    ...files,
    ca: authority.certificate,
    client: material(authority.certificate, client),
    // The stranger trusts the real server CA (so only the server's check can refuse it).
    strangerClient: material(authority.certificate, strangerClient),
    strangerCa: stranger.certificate,
    expiredClient: material(authority.certificate, expired),
  };
}

export interface RpcTestServer extends TestServer {
  rpcAddress: string;
  /** A client with the given certificate (default: the good client certificate), dialling `endpoint` (default: localhost:<port>, a name the server certificate has). */
  client(tls?: TlsMaterial, endpoint?: string): RpcClient;
}

export async function startRpcTestServer(pki: Pki, options: { files?: Record<string, string | Buffer>; dataDir?: string } = {}): Promise<RpcTestServer> {
  const base = await startTestServer({
    ...options,
    assetsPath: null,
    rpc: { listen: { host: "127.0.0.1", port: 0 }, certFile: pki.certFile, keyFile: pki.keyFile, caFile: pki.caFile },
  });
  const rpcAddress = base.server.rpcAddress!;
  const clients: RpcClient[] = [];
  return {
    ...base,
    rpcAddress,
    client(tls = pki.client, endpoint = rpcAddress.replace(/^127\.0\.0\.1:/, "localhost:")) {
      const client = new RpcClient(endpoint, tls, 10_000);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await base.close();
    },
  };
}
