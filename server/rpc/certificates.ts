/**
 * Certificates for the gRPC API's mutual TLS: a CA, a server certificate with
 * the names clients dial, and client certificates. Keys are ECDSA P-256 made
 * and used by Node's WebCrypto; @peculiar/x509 writes the X.509 structures
 * (Node can read certificates but not build them).
 */
import "reflect-metadata";
import { isIP } from "node:net";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

type KeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface KeyAndCertificate {
  /** PEM. */
  certificate: string;
  /** PKCS#8 PEM. */
  privateKey: string;
}

/** A CA that can sign further certificates. */
export interface Authority extends KeyAndCertificate {
  readonly cert: x509.X509Certificate;
  readonly keys: KeyPair;
}

export interface Validity {
  notBefore?: Date;
  /** Default: notBefore plus `days`. */
  notAfter?: Date;
  days?: number;
}

function period(validity: Validity, defaultDays: number): { notBefore: Date; notAfter: Date } {
  // A minute back, so a client whose clock is slightly behind accepts it at once.
  const notBefore = validity.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = validity.notAfter ?? new Date(notBefore.getTime() + (validity.days ?? defaultDays) * DAY_MS);
  return { notBefore, notAfter };
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // positive
  return Buffer.from(bytes).toString("hex");
}

async function keyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as KeyPair;
}

async function privateKeyPem(keys: KeyPair): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
}

/** `CN=<name>` with the characters a distinguished name needs escaped, escaped. */
function commonName(name: string): string {
  return `CN=${name.replace(/([,+"\\<>;=#])/g, "\\$1")}`;
}

export async function createAuthority(name: string, validity: Validity = {}): Promise<Authority> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: commonName(name),
    ...period(validity, 3650),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certificate: cert.toString("pem") + "\n", privateKey: await privateKeyPem(keys) + "\n" };
}

/** A subject alternative name: an IP address when it parses as one, else a DNS name. */
function alternativeName(name: string): x509.JsonGeneralName {
  return isIP(name) !== 0 ? { type: "ip", value: name } : { type: "dns", value: name };
}

export interface LeafRequest extends Validity {
  name: string;
  usage: "server" | "client";
  /** DNS names and IP addresses a server is reached by. */
  alternativeNames?: readonly string[];
}

export async function issueCertificate(authority: Authority, request: LeafRequest): Promise<KeyAndCertificate> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([request.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(authority.keys.publicKey),
  ];
  if (request.alternativeNames && request.alternativeNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(request.alternativeNames.map(alternativeName)));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: commonName(request.name),
    issuer: authority.cert.subject,
    ...period(request, 730),
    publicKey: keys.publicKey,
    signingKey: authority.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return { certificate: cert.toString("pem") + "\n", privateKey: await privateKeyPem(keys) + "\n" };
}
