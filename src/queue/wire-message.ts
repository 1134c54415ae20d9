import type { PubMessage } from '../types/pub-message.js';

/**
 * A row as stored in a queued chunk: a tuple rather than an object, so that a pending row costs Redis as few
 * bytes as possible. `line` is not kept: reports name rows, and validation already reported lines.
 */
export type WireMessage = readonly [row: number, productKey: string, topic: string, content: string, qos: 0 | 1, extra?: WireExtra];

interface WireExtra {
  readonly i?: string;
  readonly r?: string;
  readonly d?: string;
  readonly u?: ReadonlyArray<readonly [string, string]>;
}

export interface ChunkJobData {
  readonly m: readonly WireMessage[];
  /**
   * With `--pack`: the sizes of the `BatchPub` packs the chunk starts with (the first `p[0]` rows of `m` are one
   * call, the next `p[1]` the next); the rows after them go by `Pub`. Absent: every row goes by `Pub`.
   */
  readonly p?: readonly number[];
  /** Attempts already made for rows handed back unsent by earlier runs of the chunk, by row number. */
  readonly a?: Readonly<Record<number, number>>;
}

export function toWire(message: PubMessage): WireMessage {
  const extra: { i?: string; r?: string; d?: string; u?: ReadonlyArray<readonly [string, string]> } = {};
  if (message.iotInstanceId !== undefined) extra.i = message.iotInstanceId;
  if (message.responseTopic !== undefined) extra.r = message.responseTopic;
  if (message.correlationData !== undefined) extra.d = message.correlationData;
  if (message.userProps !== undefined && message.userProps.length > 0) extra.u = message.userProps;
  const base = [message.row, message.productKey, message.topicFullName, message.messageContent, message.qos] as const;
  return Object.keys(extra).length === 0 ? base : [...base, extra];
}

export function fromWire(wire: WireMessage, defaultInstanceId: string | undefined): PubMessage {
  const [row, productKey, topicFullName, messageContent, qos, extra] = wire;
  const iotInstanceId = extra?.i ?? defaultInstanceId;
  return {
    row,
    line: 0,
    productKey,
    topicFullName,
    messageContent,
    qos,
    ...(iotInstanceId === undefined ? {} : { iotInstanceId }),
    ...(extra?.r === undefined ? {} : { responseTopic: extra.r }),
    ...(extra?.d === undefined ? {} : { correlationData: extra.d }),
    ...(extra?.u === undefined ? {} : { userProps: extra.u }),
  };
}
