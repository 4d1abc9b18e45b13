import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { X509Certificate } from "node:crypto";
import { ServerCredentials } from "@grpc/grpc-js";

/**
 * Matchbox's TLS 1.2 suites (ECDHE with AES-GCM, ECDSA or RSA certificates);
 * TLS 1.3's suites are all AEAD and stay allowed, as in Go.
 */
export const TLS_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
].join(":");

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Every certificate of the CA file, PEM. */
  ca: Buffer;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * Reads and checks a certificate, its key and a CA bundle: every block of
 * the CA file must be a certificate, and the key must fit the certificate.
 * Errors name the flag and file, never the key's content.
 */
export function loadTlsMaterial(files: TlsFiles, flags = { cert: "-cert-file", key: "-key-file", ca: "-ca-file" }): TlsMaterial {
  const cert = readPem(files.certFile, flags.cert);
  const key = readPem(files.keyFile, flags.key);
  const ca = readPem(files.caFile, flags.ca);
  const blocks = ca.toString("latin1").match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error(`${flags.ca}: ${files.caFile} holds no PEM certificate`);
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new Error(`${flags.ca}: certificate ${i + 1} of ${files.caFile} does not parse: ${(err as Error).message}`);
    }
  }
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${flags.cert}: ${files.certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new Error(`${flags.key}: ${files.keyFile} does not fit ${files.certFile}: ${(err as Error).message}`);
  }
  return { cert, key, ca: Buffer.from(blocks.join("\n") + "\n") };
}

/**
 * Mutual TLS as Matchbox serves it: TLS 1.2 or newer, the client must
 * present a certificate that chains to a certificate of the CA file, HTTP/2
 * negotiated with ALPN `h2`. grpc-js passes these options to Node's HTTP/2
 * server as they are.
 */
export class MutualTlsServerCredentials extends ServerCredentials {
  constructor(material: TlsMaterial) {
    const context: SecureContextOptions = { cert: material.cert, key: material.key, ca: material.ca };
    super(
      {
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: "TLSv1.2",
        ciphers: TLS_CIPHERS,
        honorCipherOrder: true,
        ALPNProtocols: ["h2"],
        allowHTTP1: false,
      },
      context,
    );
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}
