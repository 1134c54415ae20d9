import { describe, expect, it } from 'vitest';
import { packChunks } from '../../src/queue/pack-chunks.js';
import { toWire, type ChunkJobData } from '../../src/queue/wire-message.js';
import type { PubMessage } from '../../src/types/pub-message.js';

function row(index: number, content = 'aGk='): PubMessage {
  return { row: index + 1, line: index + 2, productKey: 'a1P', topicFullName: `/a1P/dev-${String(index).padStart(4, '0')}/user/n`, messageContent: content, qos: 0 };
}

function* spool(rows: readonly PubMessage[], chunkSize: number): Generator<ChunkJobData> {
  for (let start = 0; start < rows.length; start += chunkSize) yield { m: rows.slice(start, start + chunkSize).map(toWire) };
}

async function collect(rows: readonly PubMessage[], unpackedRows = 0): Promise<ChunkJobData[]> {
  const chunks: ChunkJobData[] = [];
  for await (const chunk of packChunks(spool(rows, 100), { chunkSize: 100, unpackedRows })) chunks.push(chunk);
  return chunks;
}

describe('chunks of a packed campaign', () => {
  it('hold each row once: packs first in their chunk with their sizes in p, Pub rows in chunks of their own', async () => {
    const rows = Array.from({ length: 450 }, (_, index) => row(index, index % 3 === 0 ? `b3duLSR7${index}` : 'aGk='));

    const chunks = await collect(rows);

    const rowsOut = chunks.flatMap((chunk) => chunk.m.map((wire) => wire[0]));
    expect([...rowsOut].sort((a, b) => a - b)).toEqual(rows.map((message) => message.row));
    for (const chunk of chunks) {
      const packed = (chunk.p ?? []).reduce((sum, size) => sum + size, 0);
      expect(packed === 0 || packed === chunk.m.length).toBe(true);
      expect(chunk.m.length).toBeLessThanOrEqual(100);
    }
    const packedRows = chunks.flatMap((chunk) => (chunk.p === undefined ? [] : chunk.m));
    expect(packedRows).toHaveLength(300);
    expect(new Set(packedRows.map((wire) => wire[3]))).toEqual(new Set(['aGk=']));
    expect(chunks.filter((chunk) => chunk.p === undefined).flatMap((chunk) => chunk.m)).toHaveLength(150);
  });

  it('queue the unpacked first rows (a canary) first, in file order, before any pack', async () => {
    const rows = Array.from({ length: 350 }, (_, index) => row(index));

    const chunks = await collect(rows, 30);

    expect(chunks[0]?.p).toBeUndefined();
    expect(chunks[0]?.m.map((wire) => wire[0])).toEqual(rows.slice(0, 30).map((message) => message.row));
    expect(chunks.slice(1).map((chunk) => chunk.p)).toEqual([[100], [100], [100], [20]]);
  });

  it('are the same chunks every time, so a repeated submit queues each chunk once', async () => {
    const rows = Array.from({ length: 777 }, (_, index) => row(index, index % 7 === 0 ? 'eA==' : 'aGk='));

    expect(await collect(rows, 5)).toEqual(await collect(rows, 5));
  });
});
