import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { serviceDefinition, type ServiceName } from "./definitions.js";
import type { TlsMaterial } from "./tls.js";

/** A client of the gRPC API over mutual TLS (what bootcmd and Terraform's provider do, in Node). */
export class RpcClient {
  private readonly client: Client;

  /** `endpoint` is host:port; the server's certificate must name that host and chain to `tls.ca`. */
  constructor(
    endpoint: string,
    tls: TlsMaterial,
    private readonly timeoutMs = 25_000,
  ) {
    this.client = new Client(endpoint, credentials.createSsl(tls.ca, tls.key, tls.cert));
  }

  /** One unary call; rejects with the server's status (a grpc-js ServiceError). */
  call<Response = Record<string, unknown>>(service: ServiceName, method: string, request: Record<string, unknown>): Promise<Response> {
    const definition = serviceDefinition(service)[method];
    if (!definition) return Promise.reject(new Error(`rpcpb.${service} has no method ${method}`));
    return new Promise<Response>((resolve, reject) => {
      this.client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        new Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err: ServiceError | null, response?: unknown) => (err ? reject(err) : resolve(response as Response)),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
