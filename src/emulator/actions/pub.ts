import { businessError } from '../error-codes.js';
import {
  checkDevice,
  checkInstance,
  checkProduct,
  checkTopicShape,
  decodeMessageContent,
  fail,
  readMqtt5Properties,
  readQos,
  requireParam,
  type ActionContext,
  type ActionHandler,
  type ActionPlan,
} from './common.js';

export const PUB_MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * `Pub`: one message on `TopicFullName`, which must be a topic of `ProductKey`: `/${pk}/${dn}/…` or
 * `/broadcast/${pk}/…`. With `DeviceName` (an MQTT cloud gateway) any well-formed topic is allowed.
 */
export const pubAction: ActionHandler = {
  quotaName: () => 'Pub',
  plan(context: ActionContext): ActionPlan {
    const { params } = context;
    const productKey = requireParam(params, 'ProductKey');
    const topic = requireParam(params, 'TopicFullName');
    const payload = decodeMessageContent(params, PUB_MAX_PAYLOAD_BYTES);
    const qos = readQos(params);
    checkInstance(params, context.instanceId);
    checkProduct(productKey, context.registry);
    checkTopicShape(topic);
    const device = topicDevice(productKey, topic, params.get('DeviceName'));
    if (device !== undefined) checkDevice(productKey, device, context.registry);
    const messageId = context.messageIds.next();
    return {
      deliveries: [{ topic, payload, qos, ...readMqtt5Properties(params) }],
      messageId,
      topic,
      qos,
      devices: device === undefined ? [] : [`${productKey}/${device}`],
    };
  },
};

/** The device a topic addresses (undefined for a broadcast topic); refuses topics of other products. */
function topicDevice(productKey: string, topic: string, gatewayDevice: string | undefined): string | undefined {
  if (gatewayDevice !== undefined && gatewayDevice !== '') return gatewayDevice;
  const levels = topic.split('/');
  if (levels[1] === 'broadcast' && levels[2] === productKey && levels.length >= 4) return undefined;
  if (levels[1] === productKey && levels.length >= 4 && levels[1] !== 'sys') return levels[2];
  return fail(
    businessError(
      'iot.messagebroker.InvalidFormattedTopicName',
      `The topic ${topic} does not belong to the product ${productKey}.`,
    ),
  );
}
