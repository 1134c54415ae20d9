import { detectFormat } from './format.js';
import { readJsonCampaignName } from './json-source.js';
import { CampaignFileError } from './row-errors.js';

/**
 * The JSON campaign's top-level "name" if any, else undefined (also for CSV, NDJSON, a bare array, or a
 * file too malformed to tell). Reading stops as soon as the name has been read.
 */
export async function readCampaignName(path: string): Promise<string | undefined> {
  if ((await detectFormat(path)) !== 'json') return undefined;
  try {
    return await readJsonCampaignName(path);
  } catch (error) {
    if (error instanceof CampaignFileError) return undefined;
    throw error;
  }
}
