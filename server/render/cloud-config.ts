import yaml from "js-yaml";
import { NetbootError } from "../errors.js";

/**
 * A rendered cloud template must be a cloud-config (first line `#cloud-config`,
 * and YAML that parses) or a script (`#!`), as coreos-cloudinit required.
 */
export function checkCloudConfig(text: string, file: string): void {
  const firstLine = text.split("\n", 1)[0]!.trimEnd();
  if (firstLine === "#cloud-config") {
    try {
      yaml.load(text, { schema: yaml.CORE_SCHEMA });
    } catch (err) {
      throw new NetbootError("NB_CLOUD_CONFIG", `${file}: rendered cloud-config is not valid YAML: ${(err as Error).message}`);
    }
    return;
  }
  if (text.startsWith("#!")) return;
  throw new NetbootError("NB_CLOUD_CONFIG", `${file}: rendered text is neither a #cloud-config nor a #! script`);
}
