import { describe, expect, it } from 'vitest';
import { Packer, packKeyOf, packTargetOf, type PackerOptions, type PackerOutput } from '../../src/queue/packing.js';
import type { PubMessage } from '../../src/types/pub-message.js';
import { createPrng } from '../../src/emulator/faults.js';

const PRODUCT = 'a1Pack';
const NOTICE = Buffer.from('{"notice":"maintenance at 02:00"}').toString('base64');

interface RowSpec {
  readonly device?: string;
  readonly productKey?: string;
  readonly shortName?: string;
  readonly topicFullName?: string;
  readonly content?: string;
  readonly qos?: 0 | 1;
  readonly iotInstanceId?: string;
  readonly extra?: Partial<PubMessage>;
}

function row(number: number, spec: RowSpec = {}): PubMessage {
  const productKey = spec.productKey ?? PRODUCT;
  return {
    row: number,
    line: number + 1,
    productKey,
    topicFullName: spec.topicFullName ?? `/${productKey}/${spec.device ?? `dev-${number}`}/user/${spec.shortName ?? 'notice'}`,
    messageContent: spec.content ?? NOTICE,
    qos: spec.qos ?? 0,
    ...(spec.iotInstanceId === undefined ? {} : { iotInstanceId: spec.iotInstanceId }),
    ...spec.extra,
  };
}

function deviceOf(message: PubMessage): string {
  const target = packTargetOf(message);
  if (target === undefined) throw new Error(`row ${message.row} is not packable`);
  return target.deviceName;
}

/** Feeds every row, then flushes; keeps the outputs in the order they came. */
function runPacker(rows: readonly PubMessage[], options?: PackerOptions): { outputs: PackerOutput[]; packer: Packer } {
  const packer = new Packer(options);
  const outputs = rows.map((message) => packer.add(message));
  outputs.push(packer.flush());
  return { outputs, packer };
}

function packsOf(outputs: readonly PackerOutput[]): PubMessage[][] {
  return outputs.flatMap((output) => output.packs);
}

function singlesOf(outputs: readonly PackerOutput[]): PubMessage[] {
  return outputs.flatMap((output) => output.singles);
}

function sortedRowNumbers(outputs: readonly PackerOutput[]): number[] {
  return [...packsOf(outputs).flat(), ...singlesOf(outputs)].map((message) => message.row).sort((a, b) => a - b);
}

/** Every pack: one key, distinct devices, rows in file order, at least two rows. */
function expectWellFormedPacks(packs: readonly PubMessage[][], packSize = 100): void {
  for (const pack of packs) {
    expect(pack.length).toBeGreaterThanOrEqual(2);
    expect(pack.length).toBeLessThanOrEqual(packSize);
    expect(new Set(pack.map(packKeyOf)).size).toBe(1);
    const devices = pack.map(deviceOf);
    expect(new Set(devices).size).toBe(devices.length);
    const numbers = pack.map((message) => message.row);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  }
}

describe('packing rows into BatchPub calls', () => {
  it('packs 5,000 rows of one product, topic and payload into 50 calls of 100 devices, each row in exactly one', () => {
    const rows = Array.from({ length: 5_000 }, (_, index) => row(index + 1));

    const { outputs, packer } = runPacker(rows);

    const packs = packsOf(outputs);
    expect(packs).toHaveLength(50);
    expect(packs.every((pack) => pack.length === 100)).toBe(true);
    expect(singlesOf(outputs)).toEqual([]);
    expect(packs.flat().map((message) => message.row)).toEqual(rows.map((message) => message.row));
    expect(outputs.at(-1)).toEqual({ packs: [], singles: [] });
    expect(packer.openPacks).toBe(0);
    expectWellFormedPacks(packs);
  });

  it('never puts rows that differ in payload, product, Qos, instance id or short name into one call', () => {
    const variants: RowSpec[] = [
      {},
      { content: Buffer.from('{"notice":"maintenance at 03:00"}').toString('base64') },
      { productKey: 'a1Other' },
      { qos: 1 },
      { iotInstanceId: 'iot-cn-one' },
      { iotInstanceId: 'iot-cn-two' },
      { iotInstanceId: '' },
      { shortName: 'notice/urgent' },
      { shortName: 'update' },
    ];
    const rows = Array.from({ length: 20 * variants.length }, (_, index) =>
      row(index + 1, { ...variants[index % variants.length], device: `dev-${Math.floor(index / variants.length)}` }),
    );

    const { outputs } = runPacker(rows);

    const packs = packsOf(outputs);
    expect(packs).toHaveLength(variants.length);
    expect(singlesOf(outputs)).toEqual([]);
    for (const pack of packs) {
      expect(pack).toHaveLength(20);
      const first = pack[0];
      for (const message of pack) {
        expect(message.productKey).toBe(first?.productKey);
        expect(message.messageContent).toBe(first?.messageContent);
        expect(message.qos).toBe(first?.qos);
        expect(message.iotInstanceId).toBe(first?.iotInstanceId);
        expect(packTargetOf(message)?.topicShortName).toBe(first === undefined ? undefined : packTargetOf(first)?.topicShortName);
      }
    }
    expect(new Set(packs.map((pack) => packKeyOf(pack[0] ?? row(0)))).size).toBe(variants.length);
    expectWellFormedPacks(packs);
  });

  it('packs a full topic of the own device\'s user category like its short name', () => {
    const fromShortName = row(1, { device: 'dev-0001', shortName: 'notice/urgent' });
    const fromFullName = row(2, { topicFullName: `/${PRODUCT}/dev-0002/user/notice/urgent` });

    expect(packTargetOf(fromFullName)).toEqual({ key: packKeyOf(fromShortName), deviceName: 'dev-0002', topicShortName: 'notice/urgent' });
    const { outputs } = runPacker([fromShortName, fromFullName]);
    expect(packsOf(outputs)).toEqual([[fromShortName, fromFullName]]);
  });

  it('sends other full topics alone, unchanged', () => {
    const topics = [
      `/broadcast/${PRODUCT}/notice`,
      `/${PRODUCT}/dev-0001/thing/notice`,
      `/${PRODUCT}/dev-0001/user`,
      `/${PRODUCT}/dev-0001/user/`,
      `/${PRODUCT}/dev-0001/user/bad-level`,
      `/${PRODUCT}/dev-0001/userx/notice`,
      `/${PRODUCT}/x/user/notice`,
      `/a1Foreign/dev-0001/user/notice`,
      `${PRODUCT}/dev-0001/user/notice`,
      `/${PRODUCT}`,
    ];
    const rows = topics.map((topicFullName, index) => row(index + 1, { topicFullName }));
    const broadcastProduct = row(topics.length + 1, { productKey: 'broadcast', device: 'dev-0001' });

    for (const message of [...rows, broadcastProduct]) expect(packKeyOf(message)).toBeUndefined();
    const packer = new Packer();
    for (const message of rows) {
      const output = packer.add(message);
      expect(output.packs).toEqual([]);
      expect(output.singles).toHaveLength(1);
      expect(output.singles[0]).toBe(message);
    }
    expect(packer.openPacks).toBe(0);
    expect(packer.flush()).toEqual({ packs: [], singles: [] });
  });

  it('sends rows with any MQTT 5 property alone, also a property fleetcast does not know yet', () => {
    const properties: Array<Record<string, unknown>> = [
      { responseTopic: `/${PRODUCT}/dev-0001/user/reply` },
      { correlationData: 'AAEC' },
      { userProps: [['source', 'fleetcast']] },
      { contentType: 'application/json' },
      { messageExpiryInterval: 3_600 },
      { payloadFormatIndicator: 1 },
      { retained: false },
    ];
    const withProperty = properties.map((extra, index) => row(index + 1, { device: 'dev-0001', extra }));
    const plain = row(100, { device: 'dev-0002' });
    const emptyUserProps = row(101, { device: 'dev-0003', extra: { userProps: [] } });
    const absentProperty = row(102, { device: 'dev-0004', extra: { responseTopic: undefined } });

    for (const message of withProperty) expect(packKeyOf(message)).toBeUndefined();
    const { outputs } = runPacker([...withProperty, plain, emptyUserProps, absentProperty]);

    expect(singlesOf(outputs)).toEqual(withProperty);
    expect(packsOf(outputs)).toEqual([[plain, emptyUserProps, absentProperty]]);
  });

  it('keys by a digest of the payload, not the payload itself', () => {
    const large = Buffer.alloc(200_000, 7).toString('base64');

    const key = packKeyOf(row(1, { content: large }));

    expect(key).toBeDefined();
    expect(key?.length).toBeLessThan(200);
    expect(key).not.toBe(packKeyOf(row(2, { content: `${large.slice(0, -4)}BwcH` })));
  });

  it('never names a device twice in one call: a repeated DeviceName goes into the next pack of its key', () => {
    const rows = [
      row(1, { device: 'dev-a' }),
      row(2, { device: 'dev-a' }),
      row(3, { device: 'dev-b' }),
      row(4, { device: 'dev-a' }),
      row(5, { device: 'dev-b' }),
      row(6, { device: 'dev-c' }),
    ];

    const { outputs } = runPacker(rows, { packSize: 3 });

    expect(packsOf(outputs).map((pack) => pack.map((message) => message.row))).toEqual([
      [1, 3, 6],
      [2, 5],
    ]);
    expect(singlesOf(outputs).map((message) => message.row)).toEqual([4]);
  });

  it('keeps every call free of repeated devices over a long run of random repeats, each device\'s rows in file order', () => {
    const random = createPrng(7);
    const rows = Array.from({ length: 20_000 }, (_, index) => row(index + 1, { device: `dev-${Math.floor(random() * 150)}` }));

    const { outputs } = runPacker(rows);

    const packs = packsOf(outputs);
    expectWellFormedPacks(packs);
    expect(sortedRowNumbers(outputs)).toEqual(rows.map((message) => message.row));
    const seenPerDevice = new Map<string, number>();
    for (const message of packs.flat()) {
      const device = deviceOf(message);
      expect(message.row).toBeGreaterThan(seenPerDevice.get(device) ?? 0);
      seenPerDevice.set(device, message.row);
    }
  });

  it('sends a pack unfilled once the bound is passed, the one whose key waited longest first', () => {
    const payloads = ['b25l', 'dHdv', 'dGhyZWU=', 'Zm91cg==', 'Zml2ZQ=='];
    const rows = payloads.flatMap((content, index) => [
      row(index * 2 + 1, { content, device: 'dev-a' }),
      row(index * 2 + 2, { content, device: 'dev-b' }),
    ]);
    const packer = new Packer({ maxOpenPacks: 3 });

    const emitted = rows.map((message) => packer.add(message).packs.map((pack) => pack.map((each) => each.row)));

    expect(emitted).toEqual([[], [], [], [], [], [], [[1, 2]], [], [[3, 4]], []]);
    expect(packer.openPacks).toBe(3);
    expect(packer.flush().packs.map((pack) => pack.map((each) => each.row))).toEqual([
      [5, 6],
      [7, 8],
      [9, 10],
    ]);
  });

  it('keeps packing a payload many rows share while rows with payloads of their own stream past it', () => {
    const rows = Array.from({ length: 2_000 }, (_, index) =>
      index % 2 === 0
        ? row(index + 1, { device: `dev-${index}` })
        : row(index + 1, { device: `dev-${index}`, content: Buffer.from(`for dev-${index} only`).toString('base64') }),
    );

    const { outputs } = runPacker(rows, { maxOpenPacks: 10 });

    const packs = packsOf(outputs);
    expect(packs).toHaveLength(10);
    expect(packs.every((pack) => pack.length === 100 && pack.every((message) => message.messageContent === NOTICE))).toBe(true);
    expect(singlesOf(outputs)).toHaveLength(1_000);
    expect(sortedRowNumbers(outputs)).toEqual(rows.map((message) => message.row));
  });

  it('loses no row and holds at most the bound of open packs over a seeded random mix', () => {
    for (const seed of [1, 2, 3]) {
      const random = createPrng(seed);
      const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
      const payloads = Array.from({ length: 40 }, (_, index) => Buffer.from(`payload ${index}`).toString('base64'));
      const rows = Array.from({ length: 6_000 }, (_, index): PubMessage => {
        const number = index + 1;
        const device = `dev-${Math.floor(random() * 300)}`;
        const draw = random();
        if (draw < 0.05) return row(number, { device, extra: { correlationData: 'AAEC' } });
        if (draw < 0.08) return row(number, { topicFullName: `/broadcast/${PRODUCT}/notice` });
        return row(number, { device, content: random() < 0.5 ? NOTICE : pick(payloads), qos: pick([0, 1] as const), shortName: pick(['notice', 'update']) });
      });
      const options = { maxOpenPacks: 25, packSize: 20 };
      const packer = new Packer(options);
      const outputs: PackerOutput[] = [];
      for (const message of rows) {
        outputs.push(packer.add(message));
        expect(packer.openPacks).toBeLessThanOrEqual(options.maxOpenPacks);
      }
      outputs.push(packer.flush());

      expect(sortedRowNumbers(outputs)).toEqual(rows.map((message) => message.row));
      const packs = packsOf(outputs);
      expectWellFormedPacks(packs, options.packSize);
      expect(packs.some((pack) => pack.length < options.packSize)).toBe(true);
      expect(packs.some((pack) => pack.length === options.packSize)).toBe(true);
      // The packs of one key leave in the order they were opened, so one device's rows of one key stay in file order.
      const lastFirstRowPerKey = new Map<string | undefined, number>();
      for (const pack of packs) {
        const key = packKeyOf(pack[0] ?? row(0));
        const firstRow = pack[0]?.row ?? 0;
        expect(firstRow).toBeGreaterThan(lastFirstRowPerKey.get(key) ?? 0);
        lastFirstRowPerKey.set(key, firstRow);
      }
      for (const message of singlesOf(outputs)) {
        if (packKeyOf(message) === undefined) expect(rows[message.row - 1]).toBe(message);
      }
    }
  });

  it('sends a lone packable row as a single row, not as a call for one device', () => {
    const lone = row(1, { device: 'dev-0001' });
    const packer = new Packer();

    expect(packer.add(lone)).toEqual({ packs: [], singles: [] });
    expect(packer.flush()).toEqual({ packs: [], singles: [lone] });

    const { outputs } = runPacker([row(1, { device: 'dev-a' }), row(2, { device: 'dev-b', content: 'b3RoZXI=' }), row(3, { device: 'dev-c' })]);
    expect(packsOf(outputs).map((pack) => pack.map((message) => message.row))).toEqual([[1, 3]]);
    expect(singlesOf(outputs).map((message) => message.row)).toEqual([2]);
  });

  it('refuses a pack size BatchPub cannot take and a bound below one', () => {
    expect(() => new Packer({ packSize: 101 })).toThrow(RangeError);
    expect(() => new Packer({ packSize: 1 })).toThrow(RangeError);
    expect(() => new Packer({ maxOpenPacks: 0 })).toThrow(RangeError);
  });
});
