import { businessError, gatewayError } from '../error-codes.js';
import { repeatList } from '../params.js';
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

export const BATCH_PUB_MAX_DEVICES = 100;
export const BATCH_PUB_MAX_PAYLOAD_BYTES = 256 * 1024;
const DEVICE_NAME_PATTERN = /^[A-Za-z0-9_\-@.:]{4,32}$/;
const DEVICE_PLACEHOLDER = '${deviceName}';

/**
 * `BatchPub`: one message to 1–100 distinct devices of one product, on
 * `/${pk}/${dn}/user/${TopicShortName}` or on `TopicTemplateName` with `${deviceName}` filled in
 * (the template wins when both are given). Answers no MessageId.
 */
export const batchPubAction: ActionHandler = {
  quotaName: () => 'BatchPub',
  plan(context: ActionContext): ActionPlan {
    const { params } = context;
    const productKey = requireParam(params, 'ProductKey');
    const deviceNames = readDeviceNames(params);
    const topicFor = topicBuilder(productKey, params);
    const payload = decodeMessageContent(params, BATCH_PUB_MAX_PAYLOAD_BYTES);
    const qos = readQos(params);
    checkInstance(params, context.instanceId);
    checkProduct(productKey, context.registry);
    const properties = readMqtt5Properties(params);
    const deliveries = deviceNames.map((deviceName) => {
      checkDevice(productKey, deviceName, context.registry);
      const topic = topicFor(deviceName);
      checkTopicShape(topic);
      return { topic, payload, qos, ...properties };
    });
    return {
      deliveries,
      topic: topicFor(DEVICE_PLACEHOLDER),
      qos,
      devices: deviceNames.map((deviceName) => `${productKey}/${deviceName}`),
    };
  },
};

function readDeviceNames(params: ReadonlyMap<string, string>): string[] {
  const names = repeatList(params, 'DeviceName');
  if (names.length === 0) {
    fail(gatewayError('MissingParameter', 'The input parameter "DeviceName.1" that is mandatory for processing this request is not supplied.'));
  }
  if (names.length > BATCH_PUB_MAX_DEVICES) {
    fail(businessError('iot.common.InvalidFormattedParameter', `At most ${BATCH_PUB_MAX_DEVICES} devices per call (got ${names.length}).`));
  }
  if (new Set(names).size !== names.length) {
    fail(businessError('iot.common.InvalidFormattedParameter', 'DeviceName.N values must be unique.'));
  }
  const bad = names.find((name) => !DEVICE_NAME_PATTERN.test(name));
  if (bad !== undefined) fail(businessError('iot.device.InvalidFormattedDeviceName', `The device name ${bad} is not valid.`));
  return names;
}

function topicBuilder(productKey: string, params: ReadonlyMap<string, string>): (deviceName: string) => string {
  const template = params.get('TopicTemplateName');
  if (template !== undefined && template !== '') {
    if (!template.startsWith(`/${productKey}/${DEVICE_PLACEHOLDER}/`)) {
      fail(
        businessError(
          'iot.messagebroker.InvalidFormattedTopicName',
          `TopicTemplateName must start with /${productKey}/${DEVICE_PLACEHOLDER}/.`,
        ),
      );
    }
    return (deviceName) => template.split(DEVICE_PLACEHOLDER).join(deviceName);
  }
  const shortName = requireParam(params, 'TopicShortName');
  return (deviceName) => `/${productKey}/${deviceName}/user/${shortName}`;
}
