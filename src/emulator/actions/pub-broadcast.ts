import { businessError } from '../error-codes.js';
import {
  checkInstance,
  checkProduct,
  checkTopicShape,
  decodeMessageContent,
  fail,
  requireParam,
  type ActionContext,
  type ActionHandler,
  type ActionPlan,
} from './common.js';

export const PUB_BROADCAST_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * `PubBroadcast`: with `TopicFullName` (`/broadcast/${pk}/…`) one message on that topic for its
 * subscribers; without it, one message per registered device of the product on
 * `/sys/${pk}/${dn}/broadcast/request/${MessageId}` (none when no device registry is given).
 */
export const pubBroadcastAction: ActionHandler = {
  quotaName: (params) => (params.get('TopicFullName') ? 'PubBroadcast' : 'PubBroadcastAll'),
  plan(context: ActionContext): ActionPlan {
    const { params } = context;
    const productKey = requireParam(params, 'ProductKey');
    const payload = decodeMessageContent(params, PUB_BROADCAST_MAX_PAYLOAD_BYTES);
    checkInstance(params, context.instanceId);
    checkProduct(productKey, context.registry);
    const topic = params.get('TopicFullName');
    const messageId = context.messageIds.next();
    if (topic) {
      checkTopicShape(topic);
      if (!topic.startsWith(`/broadcast/${productKey}/`)) {
        fail(businessError('iot.messagebroker.InvalidFormattedTopicName', `A broadcast topic must start with /broadcast/${productKey}/.`));
      }
      return { deliveries: [{ topic, payload, qos: 0 }], messageId, topic, qos: 0, devices: [] };
    }
    const devices = context.registry?.devicesOf(productKey) ?? [];
    return {
      deliveries: devices.map((deviceName) => ({
        topic: `/sys/${productKey}/${deviceName}/broadcast/request/${messageId}`,
        payload,
        qos: 0,
      })),
      messageId,
      qos: 0,
      devices: [],
    };
  },
};
