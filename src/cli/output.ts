import { FleetcastError, coerceError } from '../errors/fleetcast-error.js';

/** Prints a table of rows (objects) with aligned columns. */
export function printTable(rows: ReadonlyArray<Readonly<Record<string, string | number>>>, columns: readonly string[]): void {
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  console.log(line(columns.map((column) => column.toUpperCase())));
  for (const row of rows) console.log(line(columns.map((column) => String(row[column] ?? ''))));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value));
}

const MAX_DETAILS = 1000;

/** Prints an error with its details and leaves with the exit code of its kind. */
export function exitWithError(error: unknown, json: boolean): never {
  const err = coerceError(error);
  const fleetcastError = err instanceof FleetcastError ? err : undefined;
  const exitCode = fleetcastError?.exitCode ?? 1;
  if (json) {
    printJson({ error: { code: fleetcastError?.code ?? 'FC_INTERNAL', message: err.message, details: fleetcastError?.details ?? [] } });
  } else {
    console.error(`fleetcast: ${err.message}`);
    const details = fleetcastError?.details ?? [];
    for (const detail of details.slice(0, MAX_DETAILS)) console.error(`  ${detail}`);
    if (details.length > MAX_DETAILS) console.error(`  … and ${details.length - MAX_DETAILS} more`);
    if (fleetcastError === undefined && process.env.FLEETCAST_DEBUG === '1') console.error(err.stack);
  }
  process.exit(exitCode);
}
