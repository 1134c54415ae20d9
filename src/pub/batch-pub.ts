import { BatchPubRequest } from '@alicloud/iot20180120';
import type { PubRefused } from './pub-result.js';

/** Most devices one `BatchPub` call may name. */
export const BATCH_PUB_MAX_DEVICES = 100;

/** One message to 1–100 devices of one product, each on `/${productKey}/${deviceName}/user/${topicShortName}`. */
export interface BatchPubMessage {
  readonly productKey: string;
  /** 1–100 distinct device names of the product. */
  readonly deviceNames: readonly string[];
  readonly topicShortName: string;
  /** The bytes each device receives (sent base64-encoded in `MessageContent`). */
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  readonly iotInstanceId?: string;
}

/** What one BatchPub attempt came to: the service answers no MessageId, and no result per device. */
export type BatchPubResult = BatchPubAccepted | PubRefused;

export interface BatchPubAccepted {
  readonly ok: true;
  readonly requestId: string;
}

/** The SDK's own request model for the message; throws a RangeError for a device list the API cannot take. */
export function batchPubRequest(message: BatchPubMessage): BatchPubRequest {
  const count = message.deviceNames.length;
  if (count < 1 || count > BATCH_PUB_MAX_DEVICES) {
    throw new RangeError(`BatchPub takes 1 to ${BATCH_PUB_MAX_DEVICES} devices (got ${count})`);
  }
  return new BatchPubRequest({
    productKey: message.productKey,
    deviceName: [...message.deviceNames],
    topicShortName: message.topicShortName,
    messageContent: message.payload.toString('base64'),
    qos: message.qos,
    ...(message.iotInstanceId === undefined ? {} : { iotInstanceId: message.iotInstanceId }),
  });
}

/**
 * The parameters the SDK's `batchPubWithOptions` would send, with `DeviceName` flattened the same way (`DeviceName.1`…),
 * except that `MessageContent` goes in the form body as for Pub: in the query, a payload above about 11 KB makes a
 * request line longer than a Node HTTP server (the emulator) reads, where the API takes up to 256 KB.
 */
export function batchPubCall(request: BatchPubRequest): { query: Record<string, string>; body: { MessageContent: string } } {
  const query: Record<string, string> = {
    ProductKey: request.productKey ?? '',
    TopicShortName: request.topicShortName ?? '',
    Qos: String(request.qos ?? 0),
  };
  if (request.iotInstanceId !== undefined) query.IotInstanceId = request.iotInstanceId;
  request.deviceName?.forEach((deviceName, index) => {
    query[`DeviceName.${index + 1}`] = deviceName;
  });
  return { query, body: { MessageContent: request.messageContent ?? '' } };
}
