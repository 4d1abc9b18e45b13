import { Counter, Gauge, type Registry } from "prom-client";

/** Prometheus metrics of the OS image cache, registered in the server's registry. */
export class ImageMetrics {
  private readonly requests: Counter<"result">;
  private readonly bytes: Counter;
  private readonly fetches: Counter<"result">;
  private readonly verification: Counter<"kind">;
  private readonly inflight: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: "netboot_images_requests_total",
      help: "GET and HEAD requests for declared OS image files, by result: hit (on disk), miss (fetched or joined a fetch), failed (the fetch failed or is backing off).",
      labelNames: ["result"],
      registers,
    });
    this.bytes = new Counter({ name: "netboot_images_fetched_bytes_total", help: "Bytes received from upstreams for declared OS image files.", registers });
    this.fetches = new Counter({
      name: "netboot_images_fetches_total",
      help: "Upstream fetches of declared files, by result: ok, digest, size, signature, checksum-list (verification failed), upstream, timeout, budget, error.",
      labelNames: ["result"],
      registers,
    });
    this.verification = new Counter({
      name: "netboot_images_verification_failures_total",
      help: "Fetched files refused because they did not verify, by kind: digest, size, signature, checksum-list.",
      labelNames: ["kind"],
      registers,
    });
    this.inflight = new Gauge({ name: "netboot_images_fetches_in_flight", help: "Upstream fetches running now.", registers });
  }

  request(result: "hit" | "miss" | "failed"): void {
    this.requests.inc({ result });
  }

  fetchedBytes(n: number): void {
    this.bytes.inc(n);
  }

  fetchStarted(): void {
    this.inflight.inc();
  }

  fetchEnded(result: string): void {
    this.inflight.dec();
    this.fetches.inc({ result });
  }

  verificationFailed(kind: string): void {
    this.verification.inc({ kind });
  }
}
