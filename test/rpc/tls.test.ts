import { writeFileSync } from "node:fs";
import http2 from "node:http2";
import tls from "node:tls";
import { credentials, Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceDefinition } from "../../server/rpc/definitions.js";
import { removeDir } from "../support/data-dir.js";
import { makePki, startRpcTestServer, type Pki, type RpcTestServer } from "./support.js";

/** A TLS handshake with the API's port; resolves with what was negotiated or the error that ended it. */
function handshake(port: number, options: tls.ConnectionOptions): Promise<{ protocol?: string | null; alpn?: string | false | null; cipher?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ...options });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ error: "timeout" });
    }, 5000);
    const finish = (result: { protocol?: string | null; alpn?: string | false | null; cipher?: string; error?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.once("secureConnect", () => {
      // In TLS 1.3 the server checks the client certificate after the client's
      // handshake is done: wait for its verdict before calling it a success.
      socket.once("error", (err) => finish({ error: err.message }));
      socket.once("close", () => finish({ error: "closed by the server" }));
      setTimeout(() => finish({ protocol: socket.getProtocol(), alpn: socket.alpnProtocol, cipher: socket.getCipher().standardName }), 300);
    });
    socket.once("error", (err) => finish({ error: err.message }));
  });
}

describe("gRPC API transport: mutual TLS only, as Matchbox serves it", () => {
  let pki: Pki;
  let s: RpcTestServer;
  beforeAll(async () => {
    pki = await makePki();
    s = await startRpcTestServer(pki, { files: { "groups/a.json": JSON.stringify({ id: "a", profile: "p" }) } });
  });
  afterAll(async () => {
    await s.close();
    removeDir(pki.dir);
  });

  const port = () => Number(s.rpcAddress.split(":").pop());
  const stillServing = async () => {
    const { groups } = await s.client().call<{ groups: unknown[] }>("Groups", "GroupList", {});
    expect(groups).toHaveLength(1);
  };
  const refused = async (call: Promise<unknown>) => {
    const err = (await call.then(
      () => undefined,
      (e: ServiceError) => e,
    )) as ServiceError | undefined;
    expect(err, "the call must be refused").toBeDefined();
    expect(err!.code).toBe(status.UNAVAILABLE);
  };

  it("answers a client whose certificate chains to the CA file", async () => {
    await stillServing();
  });

  it("refuses a client without a certificate, and keeps serving", async () => {
    const client = new Client(`localhost:${port()}`, credentials.createSsl(Buffer.from(pki.ca)));
    const list = serviceDefinition("Groups").GroupList!;
    await refused(
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(list.path, list.requestSerialize, list.responseDeserialize, {}, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res))),
      ),
    );
    client.close();
    await stillServing();
  });

  it("refuses a certificate from another CA, and keeps serving", async () => {
    await refused(s.client(pki.strangerClient).call("Groups", "GroupList", {}));
    await stillServing();
  });

  it("refuses an expired certificate, and keeps serving", async () => {
    await refused(s.client(pki.expiredClient).call("Groups", "GroupList", {}));
    await stillServing();
  });

  it("refuses plain HTTP/2 without TLS, and keeps serving", async () => {
    const plain = await new Promise<string>((resolve) => {
      const session = http2.connect(`http://127.0.0.1:${port()}`);
      const timer = setTimeout(() => {
        session.destroy();
        resolve("timeout");
      }, 5000);
      session.on("error", (err) => {
        clearTimeout(timer);
        resolve(`error: ${err.message}`);
      });
      session.on("close", () => {
        clearTimeout(timer);
        resolve("error: closed without an answer");
      });
      const req = session.request({ ":method": "POST", ":path": "/rpcpb.Groups/GroupList", "content-type": "application/grpc" });
      req.on("response", (headers) => {
        clearTimeout(timer);
        resolve(`answered ${String(headers[":status"])}`);
        session.destroy();
      });
      req.on("error", () => undefined);
      req.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    expect(plain).toMatch(/^error/);
    await refused(new Promise((resolve, reject) => {
      const client = new Client(`localhost:${port()}`, credentials.createInsecure());
      const list = serviceDefinition("Groups").GroupList!;
      client.makeUnaryRequest(list.path, list.requestSerialize, list.responseDeserialize, {}, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res);
      });
    }));
    await stillServing();
  });

  it("trusts every certificate of the CA file", async () => {
    const bundle = await makePki();
    // The other CA first, the server's own second: clients of both are served.
    writeFileSync(bundle.caFile, bundle.strangerCa + bundle.ca);
    const both = await startRpcTestServer(bundle);
    try {
      for (const tls of [bundle.client, bundle.strangerClient]) {
        const { groups } = await both.client(tls).call<{ groups: unknown[] }>("Groups", "GroupList", {});
        expect(groups).toEqual([]);
      }
    } finally {
      await both.close();
      removeDir(bundle.dir);
    }
  });

  it("negotiates HTTP/2 with ALPN h2, TLS 1.2 only with ECDHE AES-GCM suites, never TLS 1.1", async () => {
    const client = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
    const modern = await handshake(port(), { ...client, ALPNProtocols: ["h2"] });
    expect(modern).toMatchObject({ protocol: "TLSv1.3", alpn: "h2" });
    for (const cipher of ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"]) {
      const tls12 = await handshake(port(), { ...client, ALPNProtocols: ["h2"], maxVersion: "TLSv1.2", ciphers: cipher });
      expect(tls12.error).toBeUndefined();
      expect(tls12.protocol).toBe("TLSv1.2");
    }
    for (const cipher of ["ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES256-SHA"]) {
      const weak = await handshake(port(), { ...client, ALPNProtocols: ["h2"], maxVersion: "TLSv1.2", ciphers: cipher });
      expect(weak.error, cipher).toBeDefined();
    }
    const old = await handshake(port(), { ...client, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" });
    expect(old.error).toBeDefined();
    await stillServing();
  });
});
