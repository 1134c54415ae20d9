import type { FaultKind } from './faults.js';

/** One Pub / BatchPub / PubBroadcast call as the emulator saw it. */
export interface CallRecord {
  /** Milliseconds since the emulator started (monotonic clock), taken when the call was decided. */
  t: number;
  action: string;
  accountId: string;
  /** `OK` on success, else the error code; `ConnectionReset` / `NoAnswer` for reset and hung calls. */
  code: string;
  /** The injected fault, when there was one. */
  fault?: FaultKind;
  /** Decimal digits of the MessageId issued (Pub, PubBroadcast). */
  messageId?: string;
  /** The message's topic (Pub, PubBroadcast); for a refused Pub, the TopicFullName it asked for. */
  topic?: string;
  qos?: number;
  /** Messages the call put on the broker (a BatchPub one per device); absent when it put none. */
  deliveries?: number;
}

/** Totals since start or the last reset. */
export interface EmulatorSummary {
  /** Calls to Pub, BatchPub and PubBroadcast (not counting the emulator's own endpoints). */
  total: number;
  /** Calls answered with Success true. */
  accepted: number;
  /** Messages put on the broker (a BatchPub call puts one per device). */
  delivered: number;
  /** Messages put on the broker, by action. */
  deliveredByAction: Record<string, number>;
  /** Calls by action, then by code. */
  byAction: Record<string, Record<string, number>>;
  /** Calls by code over all actions. */
  byCode: Record<string, number>;
  /** Calls held in the call record. */
  recordedCalls: number;
  /** Calls not recorded because the record was full or recording is off. */
  unrecordedCalls: number;
  /** Milliseconds since the emulator started. */
  uptimeMs: number;
}

/** Read access to what the emulator has seen. */
export interface EmulatorStats {
  summary(): EmulatorSummary;
  /** Recorded calls in arrival order, from index `from` (default 0), at most `limit`. */
  calls(from?: number, limit?: number): CallRecord[];
  /** Number of recorded calls. */
  readonly recordedCount: number;
  /** Request counts by action and code, for metrics. */
  requestCounts(): { action: string; code: string; count: number }[];
  /** Messages put on the broker by action, for metrics. */
  deliveryCounts(): { action: string; count: number }[];
  /** Forgets calls and counters. */
  reset(): void;
}

const CHUNK = 65_536;
const FAULTS: readonly (FaultKind | undefined)[] = [undefined, 'throttle', 'unavailable', 'system', 'reset', 'hang'];

interface Chunk {
  t: Float64Array;
  action: Uint8Array;
  account: Uint16Array;
  code: Uint16Array;
  fault: Uint8Array;
  qos: Int8Array;
  deliveries: Uint32Array;
  messageId: BigUint64Array;
  topic: (string | undefined)[];
}

function newChunk(): Chunk {
  return {
    t: new Float64Array(CHUNK),
    action: new Uint8Array(CHUNK),
    account: new Uint16Array(CHUNK),
    code: new Uint16Array(CHUNK),
    fault: new Uint8Array(CHUNK),
    qos: new Int8Array(CHUNK),
    deliveries: new Uint32Array(CHUNK),
    messageId: new BigUint64Array(CHUNK),
    topic: [],
  };
}

/** Interns strings as small numbers so records stay in typed arrays. */
class Interner {
  readonly #ids = new Map<string, number>();
  readonly values: string[] = [];

  id(value: string): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.#ids.set(value, id);
      this.values.push(value);
    }
    return id;
  }
}

/** What is known of a call when it is decided. */
export interface CallEntry {
  t: number;
  action: string;
  accountId: string;
  code: string;
  fault?: FaultKind | undefined;
  messageId?: bigint | undefined;
  topic?: string | undefined;
  qos?: number | undefined;
}

/** Column-wise record of calls (typed arrays in chunks) plus counters; cheap enough for millions of calls. */
export class CallLog implements EmulatorStats {
  #chunks: Chunk[] = [];
  #size = 0;
  #unrecorded = 0;
  #accepted = 0;
  #delivered = 0;
  readonly #deliveredByAction = new Map<string, number>();
  readonly #counts = new Map<string, Map<string, number>>();
  readonly #actions = new Interner();
  readonly #accounts = new Interner();
  readonly #codes = new Interner();

  readonly #recordCalls: boolean;
  readonly #maxRecorded: number;
  readonly #clock: () => number;

  constructor(recordCalls: boolean, maxRecorded: number, clock: () => number) {
    this.#recordCalls = recordCalls;
    this.#maxRecorded = maxRecorded;
    this.#clock = clock;
  }

  /** Adds a call; returns its index in the record, or -1 when it was not recorded. */
  add(entry: CallEntry): number {
    this.#count(entry.action, entry.code, 1);
    if (!this.#recordCalls || this.#size >= this.#maxRecorded) {
      this.#unrecorded += 1;
      return -1;
    }
    const index = this.#size++;
    const chunk = this.#chunkFor(index);
    const at = index % CHUNK;
    chunk.t[at] = entry.t;
    chunk.action[at] = this.#actions.id(entry.action);
    chunk.account[at] = this.#accounts.id(entry.accountId);
    chunk.code[at] = this.#codes.id(entry.code);
    chunk.fault[at] = entry.fault === undefined ? 0 : FAULTS.indexOf(entry.fault);
    chunk.qos[at] = entry.qos ?? -1;
    chunk.messageId[at] = entry.messageId ?? 0n;
    if (entry.topic !== undefined) chunk.topic[at] = entry.topic;
    return index;
  }

  /** Counts a call that is not recorded (an unknown action). */
  countOnly(action: string, code: string): void {
    this.#count(action, code, 1);
  }

  /** Changes the code of a call already added (for example when delivery failed after the call was accepted). */
  changeCode(index: number, action: string, from: string, to: string): void {
    this.#count(action, from, -1);
    this.#count(action, to, 1);
    if (index < 0 || index >= this.#size) return;
    const chunk = this.#chunks[Math.floor(index / CHUNK)];
    if (chunk) chunk.code[index % CHUNK] = this.#codes.id(to);
  }

  markAccepted(): void {
    this.#accepted += 1;
  }

  /** Counts the messages a call put on the broker and keeps their number in its record (`index` from `add`). */
  markDelivered(index: number, action: string, messages: number): void {
    this.#delivered += messages;
    this.#deliveredByAction.set(action, (this.#deliveredByAction.get(action) ?? 0) + messages);
    if (index < 0 || index >= this.#size) return;
    const chunk = this.#chunks[Math.floor(index / CHUNK)];
    if (chunk) chunk.deliveries[index % CHUNK] = messages;
  }

  get recordedCount(): number {
    return this.#size;
  }

  summary(): EmulatorSummary {
    const byAction: Record<string, Record<string, number>> = {};
    const byCode: Record<string, number> = {};
    let total = 0;
    for (const [action, codes] of this.#counts) {
      const perCode: Record<string, number> = {};
      for (const [code, n] of codes) {
        if (n === 0) continue;
        perCode[code] = n;
        byCode[code] = (byCode[code] ?? 0) + n;
        total += n;
      }
      byAction[action] = perCode;
    }
    return {
      total,
      accepted: this.#accepted,
      delivered: this.#delivered,
      deliveredByAction: Object.fromEntries(this.#deliveredByAction),
      byAction,
      byCode,
      recordedCalls: this.#size,
      unrecordedCalls: this.#unrecorded,
      uptimeMs: this.#clock(),
    };
  }

  calls(from = 0, limit = Number.POSITIVE_INFINITY): CallRecord[] {
    const end = Math.min(this.#size, from + limit);
    const out: CallRecord[] = [];
    for (let index = Math.max(0, from); index < end; index++) out.push(this.#recordAt(index));
    return out;
  }

  requestCounts(): { action: string; code: string; count: number }[] {
    const out: { action: string; code: string; count: number }[] = [];
    for (const [action, codes] of this.#counts) {
      for (const [code, count] of codes) if (count > 0) out.push({ action, code, count });
    }
    return out;
  }

  deliveryCounts(): { action: string; count: number }[] {
    return [...this.#deliveredByAction].map(([action, count]) => ({ action, count }));
  }

  reset(): void {
    this.#chunks = [];
    this.#size = 0;
    this.#unrecorded = 0;
    this.#accepted = 0;
    this.#delivered = 0;
    this.#deliveredByAction.clear();
    this.#counts.clear();
  }

  #recordAt(index: number): CallRecord {
    const chunk = this.#chunks[Math.floor(index / CHUNK)];
    if (!chunk) throw new RangeError(`no call record ${index}`);
    const at = index % CHUNK;
    const record: CallRecord = {
      t: chunk.t[at] ?? 0,
      action: this.#actions.values[chunk.action[at] ?? 0] ?? '',
      accountId: this.#accounts.values[chunk.account[at] ?? 0] ?? '',
      code: this.#codes.values[chunk.code[at] ?? 0] ?? '',
    };
    const fault = FAULTS[chunk.fault[at] ?? 0];
    if (fault !== undefined) record.fault = fault;
    const messageId = chunk.messageId[at] ?? 0n;
    if (messageId !== 0n) record.messageId = messageId.toString();
    const topic = chunk.topic[at];
    if (topic !== undefined) record.topic = topic;
    const qos = chunk.qos[at] ?? -1;
    if (qos >= 0) record.qos = qos;
    const deliveries = chunk.deliveries[at] ?? 0;
    if (deliveries > 0) record.deliveries = deliveries;
    return record;
  }

  #chunkFor(index: number): Chunk {
    const chunkIndex = Math.floor(index / CHUNK);
    let chunk = this.#chunks[chunkIndex];
    if (!chunk) {
      chunk = newChunk();
      this.#chunks[chunkIndex] = chunk;
    }
    return chunk;
  }

  #count(action: string, code: string, delta: number): void {
    let codes = this.#counts.get(action);
    if (!codes) this.#counts.set(action, (codes = new Map<string, number>()));
    codes.set(code, (codes.get(code) ?? 0) + delta);
  }
}
