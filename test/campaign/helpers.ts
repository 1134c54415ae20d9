import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { readCampaign, type ReadCampaignOptions, type RowResult } from '../../src/campaign/index.js';
import type { PubMessage } from '../../src/types/pub-message.js';

const directory = mkdtempSync(join(tmpdir(), 'fleetcast-campaign-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let counter = 0;

/** Writes a campaign file into a temporary directory and returns its path. */
export function campaignFile(extension: string, content: string | Buffer): string {
  const path = join(directory, `campaign-${++counter}.${extension}`);
  writeFileSync(path, content);
  return path;
}

export async function readAll(path: string, options?: ReadCampaignOptions): Promise<RowResult[]> {
  const results: RowResult[] = [];
  for await (const result of readCampaign(path, options)) results.push(result);
  return results;
}

export function messages(results: readonly RowResult[]): PubMessage[] {
  return results.map((result) => {
    if (!result.ok) throw new Error(`row ${result.row} failed: ${result.errors.map((e) => e.message).join('; ')}`);
    return result.message;
  });
}

export function decode(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** `line:CODE` of every error of the failed rows. */
export function errorLines(results: readonly RowResult[]): string[] {
  return results.flatMap((result) => (result.ok ? [] : result.errors.map((error) => `${error.line}:${error.code}`)));
}

export const HEADER = 'ProductKey,DeviceName,TopicShortName,Qos,MessageContent';
export const ROW = 'a1FleetDemo,dev-00001,firmware,1,hello';
