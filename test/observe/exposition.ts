/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = pattern.exec(text)) !== null) {
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    consumed = pattern.lastIndex;
  }
  if (consumed !== text.length) throw new Error(`bad label set {${text}}`);
  return labels;
}

/** Parses the text format (version 0.0.4), refusing anything it does not understand. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === "HELP" ? help : types).set(meta[2]!, meta[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: \d+)?$/.exec(line);
    if (!sample) throw new Error(`unparsable exposition line: ${line}`);
    const text = sample[3]!;
    // Prometheus reads values as Go's ParseFloat does: NaN and Inf in any case.
    const value = /^nan$/i.test(text) ? NaN : /^\+?inf$/i.test(text) ? Infinity : /^-inf$/i.test(text) ? -Infinity : Number(text);
    if (Number.isNaN(value) && !/^nan$/i.test(text)) throw new Error(`bad value in: ${line}`);
    samples.push({ name: sample[1]!, labels: sample[2] ? parseLabels(sample[2]) : {}, value });
  }
  return { samples, types, help };
}

/** The value of the one sample with this name whose labels include `labels`; undefined when there is none. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
