import type { Delivery } from '../broker.js';
import type { DeviceRegistry } from '../device-registry.js';
import { EmulatorAnswerError, businessError, gatewayError } from '../error-codes.js';
import type { MessageIdGenerator } from '../message-id.js';
import { repeatRecords } from '../params.js';

/** What an action handler needs to know about the emulator. */
export interface ActionContext {
  params: ReadonlyMap<string, string>;
  registry: DeviceRegistry | undefined;
  instanceId: string | undefined;
  messageIds: MessageIdGenerator;
}

/** A validated call: what to put on the broker and what to answer. */
export interface ActionPlan {
  deliveries: Delivery[];
  /** Issued MessageId, for the actions that answer one. */
  messageId?: bigint;
  /** Topic and QoS kept in the call record. */
  topic?: string;
  qos: 0 | 1;
  /** `ProductKey/DeviceName` of each addressed device, for the per-device rate. */
  devices: string[];
}

/** One API action. */
export interface ActionHandler {
  /** Name of the quota this call counts toward (several actions or variants may have their own). */
  quotaName(params: ReadonlyMap<string, string>): QuotaName;
  plan(context: ActionContext): ActionPlan;
}

export type QuotaName = 'Pub' | 'BatchPub' | 'PubBroadcast' | 'PubBroadcastAll';

export const MAX_TOPIC_BYTES = 128;
export const MAX_USER_PROPERTIES = 20;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

export function fail(answer: ReturnType<typeof gatewayError>): never {
  throw new EmulatorAnswerError(answer);
}

export function requireParam(params: ReadonlyMap<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined) {
    fail(gatewayError('MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`));
  }
  return value;
}

export function readQos(params: ReadonlyMap<string, string>): 0 | 1 {
  const raw = params.get('Qos');
  if (raw === undefined || raw === '') return 0;
  if (raw === '0' || raw === '1') return Number(raw) as 0 | 1;
  return fail(gatewayError('InvalidParameter', `The specified parameter "Qos" is not valid: ${raw}. Allowed values: 0, 1.`));
}

export function checkInstance(params: ReadonlyMap<string, string>, instanceId: string | undefined): void {
  if (instanceId === undefined) return;
  const given = params.get('IotInstanceId');
  if (given !== instanceId) {
    fail(businessError('iot.system.InstanceNotFound', given ? `The instance ${given} is not found.` : 'The instance is not found: IotInstanceId is required.'));
  }
}

export function checkProduct(productKey: string, registry: DeviceRegistry | undefined): void {
  if (productKey === '') fail(businessError('iot.prod.NotExistedProduct', 'ProductKey is empty.'));
  if (registry && !registry.hasProduct(productKey)) {
    fail(businessError('iot.prod.NotExistedProduct', `The product ${productKey} does not exist.`));
  }
}

export function checkDevice(productKey: string, deviceName: string, registry: DeviceRegistry | undefined): void {
  if (registry && !registry.hasDevice(productKey, deviceName)) {
    fail(businessError('iot.device.NotExistedDevice', `The device ${productKey}/${deviceName} does not exist.`));
  }
}

export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64_PATTERN.test(text);
}

/** Decodes MessageContent, refusing empty, non-base64 and oversize content. */
export function decodeMessageContent(params: ReadonlyMap<string, string>, maxBytes: number): Buffer {
  const content = requireParam(params, 'MessageContent');
  if (content === '') fail(businessError('iot.messagebroker.NullMessageContent'));
  if (!isBase64(content)) fail(businessError('iot.messagebroker.MessageContentIsNotBase64Encode'));
  const payload = Buffer.from(content, 'base64');
  if (payload.length > maxBytes) {
    fail(
      businessError(
        'iot.messagebroker.MessageContentTooLarge',
        `The message is ${payload.length} bytes, more than the limit of ${maxBytes} bytes.`,
      ),
    );
  }
  return payload;
}

/** `/` then levels of at least one character, none holding `/`, `+`, `#` or NUL. */
const TOPIC_PATTERN = /^(?:\/[^/+#\0]+)+$/;

/** A topic must be non-empty, at most 128 bytes, start with `/`, have no empty level and no wildcard. */
export function checkTopicShape(topic: string): void {
  if (topic === '') fail(businessError('iot.messagebroker.NullTopicName'));
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short topics need no byte count.
  const tooLong = topic.length > MAX_TOPIC_BYTES || (topic.length * 3 > MAX_TOPIC_BYTES && Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES);
  if (tooLong || !TOPIC_PATTERN.test(topic)) {
    fail(businessError('iot.messagebroker.InvalidFormattedTopicName', `The topic ${topic} is not valid.`));
  }
}

/** ResponseTopic, CorrelationData (base64, delivered decoded) and UserProp.N.Key/Value as PUBLISH properties. */
export function readMqtt5Properties(
  params: ReadonlyMap<string, string>,
): Pick<Delivery, 'responseTopic' | 'correlationData' | 'userProperties'> {
  const properties: Pick<Delivery, 'responseTopic' | 'correlationData' | 'userProperties'> = {};
  const responseTopic = params.get('ResponseTopic');
  if (responseTopic !== undefined && responseTopic !== '') properties.responseTopic = responseTopic;
  const correlation = params.get('CorrelationData');
  if (correlation !== undefined && correlation !== '') {
    if (!isBase64(correlation)) {
      fail(businessError('iot.common.InvalidFormattedParameter', 'CorrelationData must be base64 encoded.'));
    }
    properties.correlationData = Buffer.from(correlation, 'base64');
  }
  const userProperties = readUserProperties(params);
  if (userProperties) properties.userProperties = userProperties;
  return properties;
}

function readUserProperties(params: ReadonlyMap<string, string>): Record<string, string | string[]> | undefined {
  const records = repeatRecords(params, 'UserProp');
  if (records.length === 0) return undefined;
  if (records.length > MAX_USER_PROPERTIES) {
    fail(businessError('iot.common.InvalidFormattedParameter', `At most ${MAX_USER_PROPERTIES} user properties are allowed.`));
  }
  const properties: Record<string, string | string[]> = {};
  for (const record of records) {
    const key = record.get('Key');
    const value = record.get('Value');
    if (!key || value === undefined) {
      fail(businessError('iot.common.InvalidFormattedParameter', 'UserProp.N.Key and UserProp.N.Value must be given together.'));
    }
    const existing = properties[key];
    properties[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return properties;
}
