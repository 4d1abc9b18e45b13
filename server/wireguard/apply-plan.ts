/**
 * What the sidecar must change on the interface to go from what it applied
 * last to a new state: pure, so reloads are tested without a kernel.
 */
import { serverSetconf, serverRoutes } from "./server-config.js";
import { serverInterfaceAddress, type WireGuardState } from "./state.js";

export interface AppliedLink {
  address: string;
  mtu: number;
  routes: string[];
}

export interface ApplyPlan {
  /** For `wg syncconf`: holds the private key. */
  setconf: string;
  link: AppliedLink;
  /** The previous address, when it changed. */
  removeAddress: string | null;
  addRoutes: string[];
  removeRoutes: string[];
}

export function desiredLink(state: WireGuardState): AppliedLink {
  return { address: serverInterfaceAddress(state.server), mtu: state.server.mtu, routes: serverRoutes(state) };
}

export function planApply(current: AppliedLink | null, state: WireGuardState): ApplyPlan {
  const link = desiredLink(state);
  const before = new Set(current?.routes ?? []);
  const after = new Set(link.routes);
  return {
    setconf: serverSetconf(state),
    link,
    removeAddress: current && current.address !== link.address ? current.address : null,
    addRoutes: link.routes.filter((r) => !before.has(r)),
    removeRoutes: [...before].filter((r) => !after.has(r)),
  };
}
