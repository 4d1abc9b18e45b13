/**
 * Butane's "did you mean octal?" warning: a mode that is unusual as written
 * but typical when its decimal digits are read as octal (644 → 0644).
 */

function isTypicalMode(mode: number, directory: boolean): boolean {
  if (mode === 0) return true;
  const perms = [mode & 0o7, (mode & 0o70) >> 3, (mode & 0o700) >> 6];
  let hadR = false;
  let hadW = false;
  let hadX = false;
  for (const perm of perms) {
    const r = (perm & 4) !== 0;
    const w = (perm & 2) !== 0;
    const x = (perm & 1) !== 0;
    if ((!r && hadR) || (!w && hadW) || (!x && hadX)) return false;
    if (x && hadR && !hadX) return false;
    if ((w || x) && !r) return false;
    hadR ||= r;
    hadW ||= w;
    hadX ||= x;
  }
  if (!hadR) return false;
  if (directory) {
    if (!hadX) return false;
    if ((mode & 0o4000) !== 0) return false;
    if ((mode & 0o3000) !== 0 && !hadW) return false;
  } else {
    if ((mode & 0o6000) !== 0 && (!hadX || (mode & 2) !== 0)) return false;
    if ((mode & 0o1000) !== 0) return false;
  }
  return true;
}

function decimalDigitsAsOctal(mode: number): number | undefined {
  if (mode < 0 || mode > 7777) return undefined;
  let out = 0;
  for (let divisor = 1000; divisor > 0; divisor = Math.floor(divisor / 10)) {
    const digit = Math.floor(mode / divisor) % 10;
    if (digit > 7) return undefined;
    out = (out << 3) | digit;
  }
  return out;
}

export function looksLikeDecimalMode(mode: number, directory: boolean): boolean {
  const corrected = decimalDigitsAsOctal(mode);
  return corrected !== undefined && !isTypicalMode(mode, directory) && isTypicalMode(corrected, directory);
}
