import { open } from 'node:fs/promises';
import { extname } from 'node:path';

/** The three campaign file formats. */
export type CampaignFormat = 'csv' | 'json' | 'ndjson';

const FORMAT_BY_EXTENSION: Readonly<Record<string, CampaignFormat>> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};
const SNIFF_BYTES = 64 * 1024;

export function formatFromExtension(path: string): CampaignFormat | undefined {
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Guesses the format from the first bytes: `[` is JSON; `{` is NDJSON when the first line is a whole
 * object that is not a campaign wrapper (no "messages" key), else JSON; anything else is CSV.
 */
export function formatFromContent(head: string): CampaignFormat {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[')) return 'json';
  if (!text.startsWith('{')) return 'csv';
  const firstLine = text.split('\n', 1)[0] ?? '';
  try {
    const value: unknown = JSON.parse(firstLine);
    return typeof value === 'object' && value !== null && !('messages' in value) ? 'ndjson' : 'json';
  } catch {
    return 'json';
  }
}

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The format of a campaign file: by extension (.csv, .json, .ndjson, .jsonl), else by its content. */
export async function detectFormat(path: string): Promise<CampaignFormat> {
  return formatFromExtension(path) ?? formatFromContent(await readHead(path));
}
