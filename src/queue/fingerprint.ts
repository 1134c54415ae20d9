import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** SHA-256 of the file's bytes and of the options that change which rows are sent. */
export async function fingerprintOf(file: string, variant: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  hash.update(`\0${variant}`);
  return hash.digest('hex');
}
