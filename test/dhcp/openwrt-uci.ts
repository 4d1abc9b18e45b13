/**
 * A model of what OpenWrt does with the `uci` commands netboot prints: apply
 * them to an empty `dhcp` config, then translate the sections the way
 * OpenWrt's /etc/init.d/dnsmasq does (dhcp_vendorclass_add, dhcp_userclass_add,
 * dhcp_tag_add, dhcp_boot_add), so the result can be checked by dnsmasq itself.
 */
interface UciSection {
  type: string;
  options: Map<string, string[]>;
}

const QUOTED = /^'([^']*)'$/;

function unquote(text: string): string {
  const match = QUOTED.exec(text);
  if (!match) throw new Error(`unquoted uci value: ${text}`);
  return match[1]!;
}

/** Applies `uci set|add_list|-q delete|commit` lines (others are ignored) to a `dhcp` config. */
export function applyUciCommands(script: string): Map<string, UciSection> {
  const sections = new Map<string, UciSection>();
  for (const line of script.split("\n")) {
    const command = /^uci (?:-q )?(set|add_list|delete|commit) ?(\S*?)(?:=(.*))?$/.exec(line);
    if (!command) continue;
    const [, verb, path = "", value] = command;
    if (verb === "commit") continue;
    const [config, name, option] = path.split(".");
    if (config !== "dhcp" || !name) throw new Error(`unexpected uci path: ${path}`);
    if (verb === "set" && option === undefined) {
      if (sections.has(name)) throw new Error(`section ${name} defined twice`);
      sections.set(name, { type: unquote(value!), options: new Map() });
      continue;
    }
    const section = sections.get(name);
    if (!section || !option) throw new Error(`uci ${verb} on undefined section: ${path}`);
    if (verb === "delete") section.options.delete(option);
    else if (verb === "set") section.options.set(option, [unquote(value!)]);
    else section.options.set(option, [...(section.options.get(option) ?? []), unquote(value!)]);
  }
  return sections;
}

/** The dnsmasq lines OpenWrt's init script writes for these sections. */
export function openwrtDnsmasqLines(sections: Map<string, UciSection>): string[] {
  const lines: string[] = [];
  const get = (section: UciSection, option: string) => section.options.get(option)?.join(" ") ?? "";
  for (const [name, section] of sections) {
    const networkid = get(section, "networkid");
    if (section.type === "vendorclass" && networkid) lines.push(`dhcp-vendorclass=set:${networkid},${get(section, "vendorclass")}`);
    if (section.type === "userclass" && networkid) lines.push(`dhcp-userclass=set:${networkid},${get(section, "userclass")}`);
    if (section.type === "tag") {
      const force = get(section, "force") === "1" ? "-force" : "";
      for (const option of get(section, "dhcp_option").split(/\s+/).filter(Boolean)) {
        lines.push(`dhcp-option${force}=tag:${name},${option}`);
      }
    }
    if (section.type === "boot" && get(section, "filename")) {
      lines.push(`dhcp-boot=${networkid ? `tag:${networkid},` : ""}${get(section, "filename")}`);
    }
  }
  return lines;
}
