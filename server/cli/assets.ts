import { promises as fs, statSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import type { Command } from "./command.js";
import { flagUsage, parseFlags, UsageError, type FlagSpecs, type FlagValues } from "../config/flags.js";
import { parseByteSize } from "../config/serve-config.js";
import { addSource, DISTROS, pinnedKeys, renderDeclaration, type Distro } from "../images/add.js";
import { declaredFor, ImageCache } from "../images/cache.js";
import { collectGarbage, fileStatus, pullAll, type FileStatus } from "../images/operations.js";
import { FileCache, loadSnapshot } from "../store/loader.js";
import type { Snapshot } from "../store/snapshot.js";
import { writeFileAtomic } from "../util/atomic-write.js";

const PATHS: FlagSpecs = {
  "data-path": { type: "string", default: "/var/lib/matchbox", env: true, description: "Data directory whose sources/ declare the OS image files" },
  "assets-path": { type: "string", default: "/var/lib/matchbox/assets", env: true, description: "Assets folder the files are cached in" },
};
const HELP: FlagSpecs = { help: { type: "boolean", default: false, description: "Print usage and exit" } };

const SUBCOMMANDS: Record<string, { flags: FlagSpecs; usage: string; run: (values: FlagValues) => Promise<number> }> = {
  pull: {
    flags: { ...PATHS, "assets-cache-max-bytes": { type: "string", default: "", env: true, description: "Budget of the cache (e.g. 20GiB); unset: none" }, ...HELP },
    usage: `Usage: netboot assets pull [-data-path DIR] [-assets-path DIR] [-assets-cache-max-bytes SIZE]

Fetches every declared file that is not in the assets folder (or does not
match its declaration), verifies it and stores it, as the server does on
first use. Exits 1 naming every file that failed.`,
    run: pull,
  },
  status: {
    flags: { ...PATHS, json: { type: "boolean", default: false, description: "Print the report as JSON" }, ...HELP },
    usage: `Usage: netboot assets status [-data-path DIR] [-assets-path DIR] [--json]

Lists every declared file as cached (on disk and matching its digests),
missing (fetched on first use) or corrupt (on disk, but not the declared
file). Reads each cached file whole. Exits 1 when a file is corrupt.`,
    run: status,
  },
  add: {
    flags: {
      distro: { type: "string", default: "", description: "fedora-coreos, flatcar or debian" },
      channel: { type: "string", default: "", description: "Stream, channel or suite (default: stable)" },
      arch: { type: "string", default: "", description: "Architecture as the distribution names it (default: x86_64 for fedora-coreos, amd64 otherwise)" },
      "metadata-url": { type: "string", default: "", description: "Where to read the release metadata: the stream JSON (fedora-coreos), the <arch>-usr/ folder (flatcar), the mirror (debian)" },
      key: { type: "string", default: "", description: "OpenPGP public key file (armored, or a binary keyring) to pin: signatures are then checked, now and on every fetch" },
      fingerprint: { type: "string", default: "", description: "Only the key(s) with these fingerprints (comma-separated) may sign" },
      "data-path": PATHS["data-path"]!,
      name: { type: "string", default: "", description: "File name in sources/ (default: <distro>-<channel>-<arch>.yaml)" },
      output: { type: "string", default: "", description: "Write the declaration here instead ('-': standard output)" },
      ...HELP,
    },
    usage: `Usage: netboot assets add -distro fedora-coreos|flatcar|debian [-channel C] [-arch A] [-metadata-url URL] [-key FILE [-fingerprint FP]] [-data-path DIR] [-name NAME | -output FILE|-]

Reads a distribution's release metadata (Fedora CoreOS stream metadata,
Flatcar's version.txt and DIGESTS, Debian's Release and the installer's
SHA256SUMS) and writes a source declaration for its network boot files to
DATA/sources/NAME (atomically), or to -output.`,
    run: add,
  },
  gc: {
    flags: { ...PATHS, "dry-run": { type: "boolean", default: false, description: "Only list what would be removed" }, ...HELP },
    usage: `Usage: netboot assets gc [-data-path DIR] [-assets-path DIR] [--dry-run]

Removes the files the cache stored that no declaration names any more. Files
put in the assets folder by hand are never removed.`,
    run: gc,
  },
};

const USAGE = `Usage: netboot assets <pull|status|add|gc> [flags]

OS images declared in the data directory's sources/ (see docs/os-images.md).
  pull     fetch, verify and store every declared file now
  status   list declared files as cached, missing or corrupt
  add      write a declaration from a distribution's release metadata
  gc       remove cached files no declaration names

Run \`netboot assets <command> --help\` for its flags.
`;

const out = (line: string) => process.stdout.write(line + "\n");
const err = (line: string) => process.stderr.write(line + "\n");

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The data directory's snapshot, after printing the problems of its sources (true when there were errors). */
async function loadSources(values: FlagValues, needAssets: boolean): Promise<{ snapshot: Snapshot; assetsPath: string; broken: boolean } | number> {
  const dataPath = values["data-path"] as string;
  const assetsPath = path.resolve((values["assets-path"] as string | undefined) ?? "");
  for (const [flag, dir] of [["-data-path", dataPath], ...(needAssets ? [["-assets-path", assetsPath]] : [])] as [string, string][]) {
    if (!isDirectory(dir)) {
      err(`netboot assets: ${flag} ${dir} is not a directory`);
      return 2;
    }
  }
  const snapshot = await loadSnapshot(dataPath, new FileCache(), 1);
  const problems = snapshot.problems.filter((p) => p.file.startsWith("sources/") && p.severity === "error");
  for (const p of problems) err(`${p.file}${p.pointer ? `:${p.pointer}` : ""}: error: ${p.message}`);
  return { snapshot, assetsPath, broken: problems.length > 0 };
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function pull(values: FlagValues): Promise<number> {
  const loaded = await loadSources(values, true);
  if (typeof loaded === "number") return loaded;
  const budget = values["assets-cache-max-bytes"] ? parseByteSize(values["assets-cache-max-bytes"] as string, "-assets-cache-max-bytes") : undefined;
  const cache = new ImageCache({ assetsRoot: loaded.assetsPath, logger: pino({ level: "silent" }), ...(budget !== undefined ? { maxBytes: budget } : {}), backoff: { firstMs: 0, maxMs: 0 } });
  await cache.start();
  const declared = [...declaredFor(loaded.snapshot).values()];
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  const result = await pullAll(cache, declared, (file, written, total) => {
    const now = Date.now();
    if (!tty || now - lastDraw < 100) return;
    lastDraw = now;
    process.stderr.write(`\r\x1b[K${file.relative}  ${mib(written)}${total ? ` of ${mib(total)} (${Math.floor((100 * written) / total)}%)` : ""}`);
  });
  if (tty) process.stderr.write("\r\x1b[K");
  for (const f of result.fetched) out(`fetched  ${f.relative}`);
  for (const f of result.present) out(`present  ${f.relative}`);
  for (const { file, reason } of result.failed) err(`failed   ${file.relative}: ${reason}`);
  out(`${result.fetched.length} fetched, ${result.present.length} already present, ${result.failed.length} failed, of ${declared.length} declared files`);
  return result.failed.length > 0 || loaded.broken ? 1 : 0;
}

async function status(values: FlagValues): Promise<number> {
  const loaded = await loadSources(values, true);
  if (typeof loaded === "number") return loaded;
  const statuses: FileStatus[] = [];
  for (const file of declaredFor(loaded.snapshot).values()) statuses.push(await fileStatus(loaded.assetsPath, file));
  if (values.json) {
    out(JSON.stringify(statuses.map((s) => ({ path: s.file.relative, source: s.file.source.file, url: s.file.url, state: s.state, ...(s.size !== undefined ? { size: s.size } : {}), ...(s.reason ? { reason: s.reason } : {}) })), null, 2));
  } else {
    for (const s of statuses) out(`${s.state.padEnd(8)} ${s.file.relative}${s.reason ? `  (${s.reason})` : ""}`);
    const count = (state: string) => statuses.filter((s) => s.state === state).length;
    out(`${count("cached")} cached, ${count("missing")} missing, ${count("corrupt")} corrupt`);
  }
  return statuses.some((s) => s.state === "corrupt") || loaded.broken ? 1 : 0;
}

async function add(values: FlagValues): Promise<number> {
  const distro = values.distro as string;
  if (!(distro in DISTROS)) throw new UsageError(`-distro must be one of ${Object.keys(DISTROS).join(", ")}`);
  const defaults = DISTROS[distro as Distro];
  const channel = (values.channel as string) || defaults.channel;
  const arch = (values.arch as string) || defaults.arch;
  for (const [flag, value] of [["-channel", channel], ["-arch", arch]]) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value!)) throw new UsageError(`invalid ${flag} "${value}"`);
  }
  const fingerprints = (values.fingerprint as string).split(",").map((s) => s.trim()).filter(Boolean);
  if (fingerprints.length > 0 && !values.key) throw new UsageError("-fingerprint needs -key: netboot never fetches keys");
  const keys = values.key ? await pinnedKeys(await fs.readFile(values.key as string), fingerprints) : undefined;
  const metadataUrl = (values["metadata-url"] as string) || defaults.metadata(channel, arch);
  const result = await addSource({ distro: distro as Distro, channel, arch, metadataUrl, ...(keys ? { keys } : {}) });
  const text = renderDeclaration(result, distro, channel, arch);
  for (const note of result.notes) err(`note: ${note}`);
  const output = values.output as string;
  if (output === "-") {
    process.stdout.write(text);
    return 0;
  }
  const target = output || path.join(values["data-path"] as string, "sources", (values.name as string) || `${distro}-${channel}-${arch}.yaml`);
  await fs.mkdir(path.dirname(target), { recursive: true });
  // A server watching sources/ never reads half a file.
  await writeFileAtomic(target, text);
  out(`wrote ${target}: ${result.release.path} (${result.release.files.map((f) => f.name).join(", ")})`);
  return 0;
}

async function gc(values: FlagValues): Promise<number> {
  const loaded = await loadSources(values, true);
  if (typeof loaded === "number") return loaded;
  if (loaded.broken) {
    err("netboot assets gc: not removing anything while a declaration does not load");
    return 1;
  }
  const dryRun = values["dry-run"] as boolean;
  const { removed, bytes } = await collectGarbage(loaded.assetsPath, declaredFor(loaded.snapshot), dryRun);
  for (const relative of removed) out(`${dryRun ? "would remove" : "removed"}  ${relative}`);
  out(`${removed.length} file${removed.length === 1 ? "" : "s"}, ${mib(bytes)}${dryRun ? " (dry run)" : " freed"}`);
  return 0;
}

export const assetsCommand: Command = {
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-help" || name === "-h" || name === "help") {
      process.stdout.write(USAGE);
      return name === undefined ? 2 : 0;
    }
    const sub = SUBCOMMANDS[name];
    if (!sub) {
      err(`netboot assets: unknown command "${name}"\n\n${USAGE}`);
      return 2;
    }
    const usage = `${sub.usage}\n\nFlags:\n${flagUsage(sub.flags)}\n`;
    try {
      const parsed = parseFlags(rest, sub.flags, process.env);
      if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
      if (parsed.values.help) {
        process.stdout.write(usage);
        return 0;
      }
      return await sub.run(parsed.values);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      err(`netboot assets ${name}: ${e.message}\n\n${usage}`);
      return 2;
    }
  },
};
