import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";

/**
 * The .proto files of the API (storagepb, serverpb, rpcpb): next to this
 * module in the source tree, or in the package's server/rpc/proto when this
 * runs from dist/ (compiled: dist/server/rpc/; bundled: dist/server/cli/chunks/).
 */
export function protoRoot(): string {
  for (const candidate of ["./proto/", "../../../server/rpc/proto/", "../../../../server/rpc/proto/"]) {
    const directory = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(directory + "rpcpb/rpc.proto")) return directory;
  }
  throw new Error("the gRPC API's .proto files (server/rpc/proto) are missing from this installation");
}

/** The five services of Matchbox's API. */
export const SERVICE_NAMES = ["Groups", "Profiles", "Ignition", "Generic", "Select"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

let loaded: PackageDefinition | undefined;

/**
 * Messages as plain objects with proto field names (`ignition_id`), every
 * field present (absent messages as null), bytes as Buffers.
 */
export function packageDefinition(): PackageDefinition {
  loaded ??= loadSync("rpcpb/rpc.proto", { includeDirs: [protoRoot()], keepCase: true, defaults: true, longs: String, enums: String, oneofs: true });
  return loaded;
}

export function serviceDefinition(name: ServiceName): ServiceDefinition {
  return packageDefinition()[`rpcpb.${name}`] as ServiceDefinition;
}
