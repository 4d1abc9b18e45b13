/**
 * Applies a state to the tunnel interface and removes what it applied:
 * keys and peers (`wg syncconf`), address, MTU, routes to the routers' LANs,
 * and the MSS clamp rules.
 */
import { planApply, type AppliedLink } from "./apply-plan.js";
import {
  addInputFilter,
  addMssClamp,
  deleteAddress,
  deleteLink,
  deleteRoute,
  removeInputFilter,
  removeMssClamp,
  replaceAddress,
  replaceRoute,
  setLinkUp,
  syncConf,
  type TunnelLink,
} from "./link.js";
import type { WireGuardState } from "./state.js";

export interface TunnelOptions {
  clampMss: boolean;
  /** Overrides the state's listen port. */
  listenPort?: number;
  /** TCP ports reachable through the tunnel (plus ICMP); unset: everything. */
  allowTcpPorts?: number[];
}

export class Tunnel {
  private applied: AppliedLink | null = null;
  private clampMtu: number | null = null;
  private filtered = false;

  constructor(
    readonly link: TunnelLink,
    private readonly options: TunnelOptions,
  ) {}

  async apply(loaded: WireGuardState): Promise<void> {
    const name = this.link.name;
    const { listenPort } = this.options;
    const state = listenPort === undefined ? loaded : { ...loaded, server: { ...loaded.server, listenPort } };
    const plan = planApply(this.applied, state);
    // Before the first peer can send anything: nothing but the allowed ports ever arrives unfiltered.
    if (this.options.allowTcpPorts && !this.filtered) {
      await addInputFilter(name, this.options.allowTcpPorts);
      this.filtered = true;
    }
    await syncConf(name, plan.setconf);
    await setLinkUp(name, plan.link.mtu);
    await replaceAddress(name, plan.link.address);
    if (plan.removeAddress) await deleteAddress(name, plan.removeAddress);
    for (const route of plan.removeRoutes) await deleteRoute(name, route);
    // replace every route, not only new ones: a changed address flushes routes through the old one.
    for (const route of plan.link.routes) await replaceRoute(name, route);
    if (this.options.clampMss && this.clampMtu !== plan.link.mtu) {
      if (this.clampMtu !== null) await removeMssClamp(name, this.clampMtu);
      await addMssClamp(name, plan.link.mtu);
      this.clampMtu = plan.link.mtu;
    }
    this.applied = plan.link;
  }

  async remove(): Promise<void> {
    if (this.clampMtu !== null) await removeMssClamp(this.link.name, this.clampMtu);
    await deleteLink(this.link);
    if (this.filtered) await removeInputFilter(this.link.name);
  }
}
