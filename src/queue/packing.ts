import { createHash } from 'node:crypto';
import { BROADCAST_LEVEL, isValidDeviceName } from '../campaign/names.js';
import { shortNameProblem } from '../campaign/topic.js';
import type { BatchPubMessage } from '../pub/batch-pub.js';
import type { PubMessage } from '../types/pub-message.js';

/**
 * Grouping of campaign rows into `BatchPub` calls: one payload to up to 100 devices of one product on
 * `/${ProductKey}/${DeviceName}/user/${TopicShortName}`.
 *
 * A row can share a call when its topic has exactly that form for its own ProductKey (the device is the topic's
 * device level) and it carries nothing that a `BatchPub` call would have to give per device: no MQTT 5 property.
 * Rows that share a call share ProductKey, TopicShortName, the exact MessageContent, Qos and IotInstanceId.
 */

/** Most devices one `BatchPub` call names. */
export const MAX_PACK_SIZE = 100;
/** Open packs a `Packer` keeps before it sends one out unfilled. */
export const DEFAULT_MAX_OPEN_PACKS = 1_000;

/**
 * What each field of a row means for packing. `shared`: the same in every row of a pack (part of the key or the
 * topic). `own`: the row's own bookkeeping, never sent. `perRow`: sent with the row and not carried by `BatchPub`,
 * so a row that gives it is sent alone. A field added to PubMessage does not compile until it is placed here.
 */
const FIELD_ROLES: Readonly<Record<keyof PubMessage, 'shared' | 'own' | 'perRow'>> = {
  row: 'own',
  line: 'own',
  productKey: 'shared',
  topicFullName: 'shared',
  messageContent: 'shared',
  qos: 'shared',
  iotInstanceId: 'shared',
  responseTopic: 'perRow',
  correlationData: 'perRow',
  userProps: 'perRow',
};

/** Where a packable row goes in a `BatchPub` call. */
export interface PackTarget {
  /** Equal for rows that can share one call. */
  readonly key: string;
  readonly deviceName: string;
  readonly topicShortName: string;
}

/** The row's place in a `BatchPub` call, or undefined when it must be sent by `Pub` on its own. */
export function packTargetOf(message: PubMessage): PackTarget | undefined {
  if (hasPerRowField(message)) return undefined;
  const topic = deviceUserTopicOf(message.productKey, message.topicFullName);
  if (topic === undefined) return undefined;
  const payloadHash = createHash('sha256').update(message.messageContent).digest('base64');
  const key = JSON.stringify([message.productKey, topic.topicShortName, message.qos, message.iotInstanceId ?? null, payloadHash]);
  return { key, ...topic };
}

/** The key rows that can share one `BatchPub` call have in common, or undefined when the row cannot be packed. */
export function packKeyOf(message: PubMessage): string | undefined {
  return packTargetOf(message)?.key;
}

/**
 * The `BatchPub` call of a pack made by a Packer: the rows' common fields and their devices in pack order.
 * Throws a RangeError for rows that are not one pack.
 */
export function batchPubMessageOf(rows: readonly PubMessage[]): BatchPubMessage {
  const [first] = rows;
  const topic = first === undefined ? undefined : deviceUserTopicOf(first.productKey, first.topicFullName);
  if (first === undefined || topic === undefined) throw new RangeError('a pack holds rows with /${ProductKey}/${DeviceName}/user/… topics');
  const deviceNames = rows.map((row) => {
    const own = deviceUserTopicOf(row.productKey, row.topicFullName);
    if (own === undefined || row.productKey !== first.productKey || own.topicShortName !== topic.topicShortName || row.messageContent !== first.messageContent) {
      throw new RangeError(`row ${row.row} does not belong to the pack of row ${first.row}`);
    }
    return own.deviceName;
  });
  return {
    productKey: first.productKey,
    deviceNames,
    topicShortName: topic.topicShortName,
    payload: Buffer.from(first.messageContent, 'base64'),
    qos: first.qos,
    ...(first.iotInstanceId === undefined ? {} : { iotInstanceId: first.iotInstanceId }),
  };
}

/** True when the row gives a field that is not known to be the same for every device of a call. */
function hasPerRowField(message: PubMessage): boolean {
  for (const [field, value] of Object.entries(message)) {
    if (value === undefined) continue;
    const role: string | undefined = Object.hasOwn(FIELD_ROLES, field) ? FIELD_ROLES[field as keyof PubMessage] : undefined;
    if (role === 'shared' || role === 'own') continue;
    // An empty user-property list sends nothing (queued chunks drop it too).
    if (field === 'userProps' && Array.isArray(value) && value.length === 0) continue;
    return true;
  }
  return false;
}

/** DeviceName and TopicShortName of `/${productKey}/${deviceName}/user/${shortName}`, else undefined. */
function deviceUserTopicOf(productKey: string, topic: string): Omit<PackTarget, 'key'> | undefined {
  // A product named "broadcast" would make its topics read as broadcast topics: those stay with Pub.
  if (productKey === BROADCAST_LEVEL) return undefined;
  const productPrefix = `/${productKey}/`;
  if (!topic.startsWith(productPrefix)) return undefined;
  const deviceEnd = topic.indexOf('/', productPrefix.length);
  if (deviceEnd === -1) return undefined;
  const deviceName = topic.slice(productPrefix.length, deviceEnd);
  const userLevel = '/user/';
  if (!topic.startsWith(userLevel, deviceEnd)) return undefined;
  const topicShortName = topic.slice(deviceEnd + userLevel.length);
  if (!isValidDeviceName(deviceName) || shortNameProblem(topicShortName) !== undefined) return undefined;
  return { deviceName, topicShortName };
}

/** What a `Packer` hands out: calls to make with `BatchPub`, and rows to send alone with `Pub`. */
export interface PackerOutput {
  /** Each of 2 to `packSize` rows with one key and distinct DeviceNames, rows in file order. */
  readonly packs: PubMessage[][];
  /** Rows that cannot be packed (unchanged), and packs that went out holding a single row. */
  readonly singles: PubMessage[];
}

export interface PackerOptions {
  /** Rows of a full pack. @defaultValue 100 (the `BatchPub` limit) */
  readonly packSize?: number;
  /** Open packs kept at most; past this one goes out unfilled. @defaultValue 1,000 */
  readonly maxOpenPacks?: number;
}

interface OpenPack {
  readonly rows: PubMessage[];
  readonly deviceNames: string[];
}

/** The open packs of one key, oldest first, and in how many of them each device already is. */
interface KeyPacks {
  readonly packs: OpenPack[];
  readonly depth: Map<string, number>;
}

/**
 * Groups a stream of rows into packs, holding at most `maxOpenPacks` packs (so at most that many times `packSize`
 * rows) whatever the length of the file.
 *
 * A row goes into the oldest open pack of its key that does not yet name its device, or opens a new one: a device
 * is never twice in one call. The packs of a key then hold nested sets of devices (each one's devices are in every
 * older one), so the oldest fills first and packs of a key go out in the order they were opened.
 *
 * When a new pack passes the bound, the oldest pack of the key that has waited longest for a row goes out unfilled.
 * Counting age by the key's last row rather than by when the pack was opened keeps a payload shared by many rows
 * packing into full calls while rows with payloads of their own stream past it.
 *
 * Order: rows of a pack keep file order; a pack goes out when it is full, when the bound is passed, or at `flush`
 * (keys in the order of their last row). Rows that cannot be packed go out at once. So the rows of one device with
 * one key go out in file order, but nothing else keeps file order: a single row may leave before an earlier row that
 * waits in a pack. A pack that goes out with one row is handed out as a single row, since a `BatchPub` call for one
 * device is only a `Pub` call that returns no MessageId.
 */
export class Packer {
  readonly #packSize: number;
  readonly #maxOpenPacks: number;
  /** The open packs by key, the key whose last row came longest ago first. */
  readonly #byKey = new Map<string, KeyPacks>();
  #openPacks = 0;

  constructor(options: PackerOptions = {}) {
    this.#packSize = options.packSize ?? MAX_PACK_SIZE;
    this.#maxOpenPacks = options.maxOpenPacks ?? DEFAULT_MAX_OPEN_PACKS;
    if (!Number.isInteger(this.#packSize) || this.#packSize < 2 || this.#packSize > MAX_PACK_SIZE) {
      throw new RangeError(`packSize must be a whole number from 2 to ${MAX_PACK_SIZE}, not ${this.#packSize}`);
    }
    if (!Number.isInteger(this.#maxOpenPacks) || this.#maxOpenPacks < 1) {
      throw new RangeError(`maxOpenPacks must be a whole number of at least 1, not ${this.#maxOpenPacks}`);
    }
  }

  /** Packs open now. */
  get openPacks(): number {
    return this.#openPacks;
  }

  /** Takes the next row of the file (with its packTargetOf, when the caller has it already); returns what is ready to send. */
  add(message: PubMessage, target = packTargetOf(message)): PackerOutput {
    if (target === undefined) return { packs: [], singles: [message] };
    const keyPacks = this.#touch(target.key);
    const depth = keyPacks.depth.get(target.deviceName) ?? 0;
    let pack = keyPacks.packs[depth];
    if (pack === undefined) {
      pack = { rows: [], deviceNames: [] };
      keyPacks.packs.push(pack);
      this.#openPacks++;
    }
    pack.rows.push(message);
    pack.deviceNames.push(target.deviceName);
    keyPacks.depth.set(target.deviceName, depth + 1);
    const output: PackerOutput = { packs: [], singles: [] };
    if (pack.rows.length >= this.#packSize) this.#emitOldestOf(target.key, keyPacks, output);
    else if (this.#openPacks > this.#maxOpenPacks) this.#emitLongestWaiting(output);
    return output;
  }

  /** Hands out every open pack; the packer is empty afterwards. */
  flush(): PackerOutput {
    const output: PackerOutput = { packs: [], singles: [] };
    while (this.#openPacks > 0) this.#emitLongestWaiting(output);
    return output;
  }

  /** The packs of `key`, moved to the end of the waiting order. */
  #touch(key: string): KeyPacks {
    const keyPacks = this.#byKey.get(key) ?? { packs: [], depth: new Map<string, number>() };
    this.#byKey.delete(key);
    this.#byKey.set(key, keyPacks);
    return keyPacks;
  }

  #emitLongestWaiting(output: PackerOutput): void {
    const first = this.#byKey.entries().next();
    if (first.done !== true) this.#emitOldestOf(first.value[0], first.value[1], output);
  }

  /** Removes the oldest open pack of a key (the only one that can be full) and adds it to `output`. */
  #emitOldestOf(key: string, keyPacks: KeyPacks, output: PackerOutput): void {
    const pack = keyPacks.packs.shift();
    if (pack === undefined) return;
    this.#openPacks--;
    for (const deviceName of pack.deviceNames) {
      const depth = (keyPacks.depth.get(deviceName) ?? 1) - 1;
      if (depth === 0) keyPacks.depth.delete(deviceName);
      else keyPacks.depth.set(deviceName, depth);
    }
    if (keyPacks.packs.length === 0) this.#byKey.delete(key);
    const [only] = pack.rows;
    if (pack.rows.length === 1 && only !== undefined) output.singles.push(only);
    else output.packs.push(pack.rows);
  }
}
