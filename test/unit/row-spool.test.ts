import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RowSpool } from '../../src/queue/row-spool.js';
import { toWire, type ChunkJobData } from '../../src/queue/wire-message.js';
import type { PubMessage } from '../../src/types/pub-message.js';

function message(row: number, payloadBytes: number): PubMessage {
  return {
    row,
    line: row + 1,
    productKey: 'a1Spool',
    topicFullName: `/a1Spool/dev-${row}/user/notice`,
    messageContent: randomBytes(payloadBytes).toString('base64'),
    qos: row % 2 === 0 ? 0 : 1,
    ...(row % 3 === 0 ? { userProps: [['région', `ü-${row}\n"quoted"`]] as const, correlationData: 'AAEC' } : {}),
  };
}

async function readAll(spool: RowSpool): Promise<ChunkJobData[]> {
  const chunks: ChunkJobData[] = [];
  for await (const chunk of spool.read()) chunks.push(chunk);
  return chunks;
}

describe('the row spool', () => {
  it('gives back every row in order, in chunks of the chunk size, also when one chunk is larger than a read block', async () => {
    const messages = Array.from({ length: 1_050 }, (_, index) => message(index + 1, index < 100 ? 2_000 : 20));
    const spool = new RowSpool(100);
    try {
      for (const each of messages) await spool.add(each);
      await spool.finish();

      const chunks = await readAll(spool);

      expect(spool.chunks).toBe(11);
      expect(chunks.map((chunk) => chunk.m.length)).toEqual([...Array<number>(10).fill(100), 50]);
      expect(chunks.flatMap((chunk) => chunk.m)).toEqual(messages.map(toWire));
    } finally {
      spool.remove();
    }
  });

  it('leaves nothing in the temp folder once removed, finished or not', async () => {
    const spools = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('fleetcast-spool-'));
    const before = new Set(spools());
    const finished = new RowSpool(10);
    const abandoned = new RowSpool(10);
    await finished.add(message(1, 10));
    await finished.finish();
    await abandoned.add(message(1, 10));
    const created = spools().filter((name) => !before.has(name));
    expect(created).toHaveLength(2);

    finished.remove();
    abandoned.remove();

    for (const name of created) expect(existsSync(join(tmpdir(), name))).toBe(false);
  });
});
