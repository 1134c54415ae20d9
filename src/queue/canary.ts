import { FleetcastError } from '../errors/fleetcast-error.js';

/** `--canary N` or `--canary P%`: how many of the first rows go out before the campaign holds. */
export type CanarySize = { readonly rows: number } | { readonly percent: number };

/** A canary as submitted: its size, and how long to hold before going on alone (undefined: until resumed). */
export interface CanarySpec {
  readonly size: CanarySize;
  readonly soakMs: number | undefined;
}

export function parseCanarySize(text: string): CanarySize {
  const trimmed = text.trim();
  const bad = (): FleetcastError =>
    new FleetcastError('FC_BAD_USAGE', `--canary must be a number of rows (100) or a share of them (5%), more than 0 (got "${text}")`);
  if (trimmed.endsWith('%')) {
    const percent = Number(trimmed.slice(0, -1));
    if (trimmed.length === 1 || !Number.isFinite(percent) || percent <= 0 || percent > 100) throw bad();
    return { percent };
  }
  const rows = Number(trimmed);
  if (trimmed === '' || !Number.isSafeInteger(rows) || rows < 1) throw bad();
  return { rows };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `10m`, `1h`, `500ms`: a soak time in ms. */
export function parseSoak(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  const value = match === null ? Number.NaN : Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  if (!Number.isFinite(value) || value <= 0) {
    throw new FleetcastError('FC_BAD_USAGE', `--canary-soak must be a duration such as 90s, 10m or 1h (got "${text}")`);
  }
  return Math.round(value);
}

/** Rows in the canary of a campaign of `total` rows: N (at most all), or P% rounded up, at least 1. */
export function canaryRows(size: CanarySize, total: number): number {
  const wanted = 'rows' in size ? size.rows : Math.ceil((size.percent * total) / 100);
  return Math.max(1, Math.min(total, wanted));
}

/** `100` or `5%`, as written on the command line (and carried by a `--cron` schedule). */
export function formatCanarySize(size: CanarySize): string {
  return 'rows' in size ? String(size.rows) : `${size.percent}%`;
}
