import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { failFile } from './row-errors.js';
import { Utf8Checker } from './utf8.js';

const CHUNK_BYTES = 256 * 1024;
const LF = 0x0a;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** Byte counters of a file being read, for progress reports. */
export interface ReadProgress {
  readonly totalBytes: number;
  bytesRead: number;
}

/** Size of a readable regular file; FC_FILE_UNREADABLE otherwise. */
export async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new FleetcastError('FC_FILE_UNREADABLE', `${path}: not a regular file`);
    return info.size;
  } catch (error) {
    if (error instanceof FleetcastError) throw error;
    throw unreadable(path, error);
  }
}

function unreadable(path: string, cause: unknown): FleetcastError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FleetcastError('FC_FILE_UNREADABLE', `${path}: cannot read the campaign file (${reason})`, { cause });
}

/** 1-based line of the byte at `offset`: counts line feeds before it (re-reads the file; error path only). */
export async function lineAtOffset(path: string, offset: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let line = 1;
    for (let position = 0; position < offset; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, offset - position), position);
      if (bytesRead === 0) break;
      for (let i = buffer.indexOf(LF, 0); i !== -1 && i < bytesRead; i = buffer.indexOf(LF, i + 1)) line++;
      position += bytesRead;
    }
    return line;
  } finally {
    await handle.close();
  }
}

function withoutBom(chunk: Buffer): Buffer {
  const hasBom = chunk[0] === UTF8_BOM[0] && chunk[1] === UTF8_BOM[1] && chunk[2] === UTF8_BOM[2];
  return hasBom ? chunk.subarray(3) : chunk;
}

async function failNotUtf8(path: string, offset: number): Promise<never> {
  return failFile(path, 'NOT_UTF8', await lineAtOffset(path, offset), { detail: String(offset) });
}

/**
 * The file's bytes in chunks, each holding only whole, valid UTF-8 characters, without a leading BOM.
 * Invalid UTF-8 throws NOT_UTF8 naming its line. `progress.bytesRead` follows the reading.
 */
export async function* readUtf8Chunks(path: string, progress: ReadProgress): AsyncGenerator<Buffer> {
  const checker = new Utf8Checker();
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let bomBytes = -1;
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      progress.bytesRead += raw.length;
      let chunk = raw;
      if (bomBytes === -1) {
        chunk = withoutBom(raw);
        bomBytes = raw.length - chunk.length;
      }
      const checked = checker.push(chunk);
      if (!Buffer.isBuffer(checked)) return await failNotUtf8(path, bomBytes + checked.invalidAt);
      if (checked.length > 0) yield checked;
    }
  } catch (error) {
    if (error instanceof FleetcastError) throw error;
    throw unreadable(path, error);
  } finally {
    stream.destroy();
  }
  const cutAt = checker.end();
  if (cutAt !== undefined) await failNotUtf8(path, Math.max(bomBytes, 0) + cutAt);
}
