import { basename, extname } from 'node:path';

/** A campaign's id: its name made safe for Redis keys and queue names. Same name, same id. */
export function campaignIdOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return slug === '' ? 'campaign' : slug;
}

/** The name a campaign gets when none is given: the JSON file's own name, else the file name without extension. */
export function defaultCampaignName(file: string, nameInFile: string | undefined): string {
  return nameInFile ?? basename(file, extname(file));
}
