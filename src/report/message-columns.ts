import { USER_PROP_PREFIX } from '../campaign/fields.js';
import type { PubMessage } from '../types/pub-message.js';

/**
 * The campaign columns a report carries after its outcome columns: the row as it was sent, so that the
 * report can be submitted again. The payload travels as MessageContentBase64, byte for byte; the
 * correlation data as the text it was given as.
 */
export const MESSAGE_COLUMNS = ['ProductKey', 'TopicFullName', 'Qos', 'MessageContentBase64', 'IotInstanceId', 'ResponseTopic', 'CorrelationData'] as const;

/** The message columns of a report whose rows carry the given user property keys. */
export function messageHeader(userPropKeys: readonly string[]): string[] {
  return [...MESSAGE_COLUMNS, ...userPropKeys.map((key) => USER_PROP_PREFIX + key)];
}

/** A message's cells under `messageHeader(userPropKeys)`; absent values are empty cells. */
export function messageCells(message: PubMessage, userPropKeys: readonly string[]): string[] {
  const props = new Map(message.userProps ?? []);
  return [
    message.productKey,
    message.topicFullName,
    String(message.qos),
    message.messageContent,
    message.iotInstanceId ?? '',
    message.responseTopic ?? '',
    message.correlationData === undefined ? '' : Buffer.from(message.correlationData, 'base64').toString('utf8'),
    ...userPropKeys.map((key) => props.get(key) ?? ''),
  ];
}

/** User property keys of the messages, in order of first appearance. */
export class UserPropKeys {
  readonly #keys = new Set<string>();

  add(message: PubMessage): void {
    for (const [key] of message.userProps ?? []) this.#keys.add(key);
  }

  list(): string[] {
    return [...this.#keys];
  }
}
