import type { RouterConfigInput, RouterFormat } from "./input.js";
import { openwrtConfig } from "./openwrt.js";
import { routerosConfig } from "./routeros.js";
import { unifiConfig } from "./unifi.js";
import { wgQuickConfig } from "./wg-quick.js";

export { ROUTER_FORMATS, isRouterFormat, type RouterConfigInput, type RouterFormat } from "./input.js";

export function routerConfig(format: RouterFormat, input: RouterConfigInput): string {
  switch (format) {
    case "wg-quick":
      return wgQuickConfig(input);
    case "openwrt":
      return openwrtConfig(input);
    case "routeros":
      return routerosConfig(input);
    case "unifi":
      return unifiConfig(input);
  }
}
