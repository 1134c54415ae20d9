import type { RowErrorCode } from './row-errors.js';
import {
  BROADCAST_LEVEL,
  MAX_TOPIC_BYTES,
  MAX_TOPIC_SLASHES,
  SYSTEM_LEVEL,
  TOPIC_LEVEL_PATTERN,
  isValidDeviceName,
} from './names.js';

/** One reason a topic is not acceptable, in the shape of a row error. */
export interface TopicProblem {
  readonly code: RowErrorCode;
  readonly detail: string;
}

/** The parts of a TopicFullName: `/${productKey}/${deviceName}/…levels` or `/broadcast/${productKey}/…levels`. */
export interface ParsedTopic {
  readonly productKey: string;
  /** Absent for broadcast topics. */
  readonly deviceName?: string;
  readonly levels: readonly string[];
}

const SHORT_NAME_PATTERN = /^[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*$/;
/** Below this many UTF-16 units a topic cannot exceed 128 bytes, so the byte count is skipped. */
const SURELY_SHORT_ENOUGH = Math.floor(MAX_TOPIC_BYTES / 3);

function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

function levelProblem(level: string): TopicProblem | undefined {
  if (level === '') return { code: 'INVALID_TOPIC', detail: 'it has an empty level' };
  if (!TOPIC_LEVEL_PATTERN.test(level)) {
    return { code: 'INVALID_TOPIC', detail: `level ${JSON.stringify(level)} may hold only letters, digits and underscore` };
  }
  return undefined;
}

/** Why a TopicShortName (the levels after `/user/`) is not acceptable, or undefined. */
export function shortNameProblem(shortName: string): TopicProblem | undefined {
  if (SHORT_NAME_PATTERN.test(shortName)) return undefined;
  if (hasWildcard(shortName)) return { code: 'INVALID_TOPIC', detail: 'wildcards + and # are not allowed' };
  if (shortName.startsWith('/')) return { code: 'INVALID_TOPIC', detail: "it must not start with '/' (it follows /user/)" };
  for (const level of shortName.split('/')) {
    const problem = levelProblem(level);
    if (problem !== undefined) return problem;
  }
  return { code: 'INVALID_TOPIC', detail: 'it is not a valid topic' };
}

/** Why a complete topic is too long (bytes or levels), or undefined. */
export function topicSizeProblem(topic: string): TopicProblem | undefined {
  if (topic.length > SURELY_SHORT_ENOUGH) {
    const bytes = Buffer.byteLength(topic, 'utf8');
    if (bytes > MAX_TOPIC_BYTES) return { code: 'TOPIC_TOO_LONG', detail: String(bytes) };
  }
  let slashes = 0;
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) slashes++;
  if (slashes > MAX_TOPIC_SLASHES) return { code: 'INVALID_TOPIC', detail: `it has ${slashes} slashes; the limit is ${MAX_TOPIC_SLASHES}` };
  return undefined;
}

function splitFullTopic(levels: readonly string[]): ParsedTopic {
  if (levels[0] === BROADCAST_LEVEL) return { productKey: levels[1] ?? '', levels: levels.slice(2) };
  return { productKey: levels[0] ?? '', deviceName: levels[1] ?? '', levels: levels.slice(2) };
}

function partsProblem(parsed: ParsedTopic): TopicProblem | undefined {
  if (parsed.deviceName !== undefined && !isValidDeviceName(parsed.deviceName)) {
    return { code: 'INVALID_TOPIC', detail: `device level ${JSON.stringify(parsed.deviceName)} is not a valid DeviceName` };
  }
  if (parsed.levels.length === 0) return { code: 'INVALID_TOPIC', detail: 'it needs at least one level after the device' };
  for (const level of parsed.levels) {
    const problem = levelProblem(level);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Checks a TopicFullName and splits it. `productKey` (when known) must own the topic.
 * Every problem found is returned; `parsed` is set when the topic has the shape to compare with other fields.
 */
export function checkFullTopic(
  topic: string,
  productKey: string | undefined,
): { readonly problems: TopicProblem[]; readonly parsed?: ParsedTopic } {
  if (hasWildcard(topic)) return { problems: [{ code: 'INVALID_TOPIC', detail: 'wildcards + and # are not allowed' }] };
  if (!topic.startsWith('/')) return { problems: [{ code: 'INVALID_TOPIC', detail: "it must start with '/'" }] };
  const levels = topic.slice(1).split('/');
  if (levels.includes('')) return { problems: [{ code: 'INVALID_TOPIC', detail: 'it has an empty level' }] };
  if (levels[0] === SYSTEM_LEVEL) {
    return { problems: [{ code: 'INVALID_TOPIC', detail: 'system topics (/sys/…) cannot be published with Pub' }] };
  }
  const problems: TopicProblem[] = [];
  const sizeProblem = topicSizeProblem(topic);
  if (sizeProblem !== undefined) problems.push(sizeProblem);
  const parsed = splitFullTopic(levels);
  if (productKey !== undefined && parsed.productKey !== productKey) problems.push({ code: 'FOREIGN_TOPIC', detail: productKey });
  const shapeProblem = partsProblem(parsed);
  if (shapeProblem !== undefined) problems.push(shapeProblem);
  return { problems, parsed };
}

/** The topic of a device's custom topic category. */
export function buildDeviceTopic(productKey: string, deviceName: string, shortName: string): string {
  return `/${productKey}/${deviceName}/user/${shortName}`;
}
