import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { validateCampaign } from '../../src/campaign/index.js';

/** Rows read in one timed pass over a file, by wall time and by this process's CPU time. */
export interface PassRate {
  readonly rows: number;
  readonly rowsPerSec: number;
  readonly rowsPerCpuSec: number;
}

async function timed(pass: () => Promise<number>): Promise<PassRate> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const rows = await pass();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { rows, rowsPerSec: rows / seconds, rowsPerCpuSec: rows / cpuSeconds };
}

/** csv-parse alone, default options, streaming the file and counting its data rows: the floor any CSV ingest pays here. */
export function csvParseAlone(file: string): Promise<PassRate> {
  return timed(async () => {
    let records = 0;
    for await (const _ of createReadStream(file).pipe(parse())) records++;
    return records - 1;
  });
}

/** `fleetcast validate`'s pass (validateCampaign: parsing, line numbers, every rule, each row resolved into its message). */
export function fleetcastValidate(file: string): Promise<PassRate> {
  return timed(async () => {
    const summary = await validateCampaign(file);
    if (summary.errors.length > 0) throw new Error(`the generated file has errors: ${summary.errors[0]?.message ?? ''}`);
    return summary.rows;
  });
}
