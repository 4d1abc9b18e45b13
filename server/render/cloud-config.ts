import yaml from "js-yaml";
import { NetbootError } from "../errors.js";
import { MAX_BUTANE_BYTES, MAX_BUTANE_NODES } from "./butane/yaml.js";

/** A cloud-config is checked within the limits a Butane document has. */
const MAX_CLOUD_CONFIG_BYTES = MAX_BUTANE_BYTES;
const MAX_CLOUD_CONFIG_NODES = MAX_BUTANE_NODES;

/**
 * A rendered cloud template must be a cloud-config (first line `#cloud-config`,
 * and YAML that parses) or a script (`#!`), as coreos-cloudinit required.
 */
export function checkCloudConfig(text: string, file: string): void {
  const firstLine = text.split("\n", 1)[0]!.trimEnd();
  if (firstLine === "#cloud-config") {
    if (Buffer.byteLength(text, "utf8") > MAX_CLOUD_CONFIG_BYTES) {
      throw new NetbootError("NB_CLOUD_CONFIG", `${file}: rendered cloud-config is larger than ${MAX_CLOUD_CONFIG_BYTES} bytes`);
    }
    let nodes = 0;
    const listener = (event: string): void => {
      if (event === "open" && ++nodes > MAX_CLOUD_CONFIG_NODES) throw new TooManyNodes();
    };
    try {
      yaml.load(text, { schema: yaml.CORE_SCHEMA, listener } as yaml.LoadOptions);
    } catch (err) {
      if (err instanceof TooManyNodes) {
        throw new NetbootError("NB_CLOUD_CONFIG", `${file}: rendered cloud-config has more than ${MAX_CLOUD_CONFIG_NODES} YAML nodes`);
      }
      throw new NetbootError("NB_CLOUD_CONFIG", `${file}: rendered cloud-config is not valid YAML: ${(err as Error).message}`);
    }
    return;
  }
  if (text.startsWith("#!")) return;
  throw new NetbootError("NB_CLOUD_CONFIG", `${file}: rendered text is neither a #cloud-config nor a #! script`);
}

class TooManyNodes extends Error {}
