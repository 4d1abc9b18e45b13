/** Prints rows as an aligned text table (also usable as Markdown). */
export function printTable(title, columns, rows) {
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values) => "| " + values.map((v, i) => v.padEnd(widths[i])).join(" | ") + " |";
  console.log(`\n${title}\n`);
  console.log(line(columns));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of cells) console.log(line(r));
}

export const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
export const ratio = (ours, reference) => (Number.isFinite(ours) && Number.isFinite(reference) && reference !== 0 ? `${(ours / reference).toFixed(2)}×` : "n/a");
export const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
