import { json } from "../../support/data-dir.js";

export const GOOD_MAC = "52:54:00:aa:bb:01";

/** A data directory with one machine group and its profile, the smallest that boots. */
export function bootableFiles(): Record<string, string> {
  return {
    "profiles/worker.json": json({
      id: "worker",
      name: "Worker",
      boot: { kernel: "/assets/vmlinuz", initrd: ["/assets/initrd.img"], args: ["console=ttyS0"] },
    }),
    "groups/worker.json": json({ id: "worker", name: "Worker", profile: "worker", selector: { mac: GOOD_MAC } }),
  };
}

export function expectBootScript(body: string): void {
  if (!body.startsWith("#!ipxe") || !body.includes("kernel /assets/vmlinuz")) {
    throw new Error(`not the worker's iPXE script: ${JSON.stringify(body.slice(0, 200))}`);
  }
}
