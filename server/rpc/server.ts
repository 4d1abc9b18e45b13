import { Server, status, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import type { Logger } from "pino";
import type { ListenAddress } from "../config/serve-config.js";
import type { DataStore } from "../store/store.js";
import { serviceDefinition, type ServiceName } from "./definitions.js";
import { DataFileError, DataFiles } from "./files.js";
import { InvalidRequest } from "./objects.js";
import { ManagementApi, RpcError, type WriteResult } from "./service.js";
import { loadTlsMaterial, MutualTlsServerCredentials, type TlsFiles } from "./tls.js";

export interface RpcServerOptions extends TlsFiles {
  listen: ListenAddress;
  store: DataStore;
  logger: Logger;
  /** Counts each write by method and result. */
  onWrite?: (rpc: string, result: "ok" | "error") => void;
}

export interface RunningRpcServer {
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  port: number;
  /** Stops accepting calls, lets running ones finish for up to graceMs, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

type Handler = (request: never) => unknown;
interface Method {
  handle: Handler;
  /** For writes: what the request names, for the audit log when the write fails before naming a file. */
  names?: (request: Record<string, unknown>) => string;
}

function methods(api: ManagementApi): Record<ServiceName, Record<string, Method>> {
  const nameOf = (r: Record<string, unknown>) => String(r.name ?? "");
  const idOf = (r: Record<string, unknown>) => String(r.id ?? "");
  const groupId = (r: Record<string, unknown>) => String((r.group as { id?: string } | null)?.id ?? "");
  const profileId = (r: Record<string, unknown>) => String((r.profile as { id?: string } | null)?.id ?? "");
  return {
    Groups: {
      GroupPut: { handle: (r: never) => api.groupPut(r), names: groupId },
      GroupGet: { handle: (r: never) => api.groupGet(r) },
      GroupDelete: { handle: (r: never) => api.groupDelete(r), names: idOf },
      GroupList: { handle: () => api.groupList() },
    },
    Profiles: {
      ProfilePut: { handle: (r: never) => api.profilePut(r), names: profileId },
      ProfileGet: { handle: (r: never) => api.profileGet(r) },
      ProfileDelete: { handle: (r: never) => api.profileDelete(r), names: idOf },
      ProfileList: { handle: () => api.profileList() },
    },
    Ignition: {
      IgnitionPut: { handle: (r: never) => api.templatePut("ignition", r), names: nameOf },
      IgnitionGet: { handle: (r: never) => api.templateGet("ignition", r) },
      IgnitionDelete: { handle: (r: never) => api.templateDelete("ignition", r), names: nameOf },
    },
    Generic: {
      GenericPut: { handle: (r: never) => api.templatePut("generic", r), names: nameOf },
      GenericGet: { handle: (r: never) => api.templateGet("generic", r) },
      GenericDelete: { handle: (r: never) => api.templateDelete("generic", r), names: nameOf },
    },
    Select: {
      SelectGroup: { handle: (r: never) => api.selectGroup(r) },
      SelectProfile: { handle: (r: never) => api.selectProfile(r) },
    },
  };
}

/** `CN=…,O=…` of a client certificate's subject (public identity, never key material). */
export function subjectText(certificate: PeerCertificate | undefined): string {
  if (!certificate?.subject) return "";
  return Object.entries(certificate.subject)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${key}=${String(v)}`))
    .join(",");
}

function clientOf(call: ServerUnaryCall<unknown, unknown>): { subject: string; serial?: string; fingerprint?: string } {
  const certificate = call.getAuthContext().sslPeerCertificate;
  return { subject: subjectText(certificate), serial: certificate?.serialNumber, fingerprint: certificate?.fingerprint256 };
}

/** What a client is told about a failure: Matchbox's codes, a message without the data directory's path. */
function answerFor(err: unknown): { code: status; details: string; expected: boolean } {
  if (err instanceof RpcError) return { code: err.code, details: err.message, expected: true };
  if (err instanceof InvalidRequest || err instanceof DataFileError) return { code: status.UNKNOWN, details: err.message, expected: true };
  return { code: status.UNKNOWN, details: "internal error (the server log has the details)", expected: false };
}

function formatAddress(listen: ListenAddress): string {
  return listen.host.includes(":") ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

/**
 * Serves Matchbox's gRPC API (rpcpb.Groups, Profiles, Ignition, Generic,
 * Select) with mutual TLS on its own address. Every write is logged with the
 * client certificate's subject, the method and the file, and counted.
 */
export async function startRpcServer(options: RpcServerOptions): Promise<RunningRpcServer> {
  const material = loadTlsMaterial(options);
  const api = new ManagementApi(options.store, new DataFiles(options.store.dataDir));
  const log = options.logger.child({ component: "rpc" });
  const server = new Server();

  for (const [service, table] of Object.entries(methods(api)) as [ServiceName, Record<string, Method>][]) {
    const implementation: UntypedServiceImplementation = {};
    for (const [rpc, method] of Object.entries(table)) {
      implementation[rpc] = (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => {
        const started = performance.now();
        void (async () => method.handle(call.request as never))().then(
          (result) => {
            const durationMs = Math.round(performance.now() - started);
            if (method.names) {
              const file = (result as WriteResult).file;
              log.info({ rpc, object: file, client: clientOf(call), result: "ok", durationMs }, `${rpc} ${file}`);
              options.onWrite?.(rpc, "ok");
              callback(null, {});
            } else {
              log.debug({ rpc, client: clientOf(call).subject, durationMs }, rpc);
              callback(null, result);
            }
          },
          (err: unknown) => {
            const answer = answerFor(err);
            if (!answer.expected) log.error({ rpc, err }, `${rpc} failed unexpectedly`);
            if (method.names) {
              const object = method.names(call.request);
              log.warn({ rpc, object, client: clientOf(call), result: "error", error: answer.details }, `${rpc} ${object} refused: ${answer.details}`);
              options.onWrite?.(rpc, "error");
            } else {
              log.debug({ rpc, client: clientOf(call).subject, error: answer.details }, `${rpc}: ${answer.details}`);
            }
            callback({ code: answer.code, details: answer.details });
          },
        );
      };
    }
    server.addService(serviceDefinition(service), implementation);
  }

  const address = formatAddress(options.listen);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, new MutualTlsServerCredentials(material), (err, bound) => (err ? reject(new Error(`-rpc-address ${address}: ${err.message}`)) : resolve(bound)));
  });
  const bound = formatAddress({ host: options.listen.host, port });
  log.info({ address: bound, certFile: options.certFile, caFile: options.caFile }, "gRPC API listening (mutual TLS)");

  return {
    address: bound,
    port,
    close(graceMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
