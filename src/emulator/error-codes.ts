/**
 * The codes the emulator answers with. Gateway errors carry an HTTP error status and the
 * `{RequestId, HostId, Code, Message, Recommend}` shape; business errors are HTTP 200 with
 * `{RequestId, Success: false, Code, ErrorMessage}`.
 */
export const GATEWAY_ERRORS = {
  'Throttling.User': { status: 400, message: 'Request was denied due to user flow control.' },
  ServiceUnavailable: { status: 503, message: 'The request has failed due to a temporary failure of the server.' },
  InternalError: { status: 500, message: 'The request processing has failed due to some unknown error.' },
  SignatureDoesNotMatch: { status: 400, message: 'Specified signature is not matched with our calculation.' },
  IncompleteSignature: { status: 400, message: 'The request signature does not conform to Aliyun standards.' },
  InvalidSignatureMethod: { status: 400, message: 'Specified signature method is not supported.' },
  'InvalidAccessKeyId.NotFound': { status: 404, message: 'Specified access key is not found.' },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'InvalidTimeStamp.Expired': { status: 400, message: 'Specified time stamp or date value is expired.' },
  'InvalidTimeStamp.Format': { status: 400, message: 'Specified time stamp or date value is not well formatted.' },
  'InvalidApi.NotFound': { status: 404, message: 'Specified api is not found, please check your url and method.' },
  MissingParameter: { status: 400, message: 'A mandatory parameter is not supplied.' },
  InvalidParameter: { status: 400, message: 'A parameter is not valid.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export const BUSINESS_ERRORS = {
  'iot.system.SystemException': 'A system exception occurred.',
  'iot.system.InstanceNotFound': 'The instance is not found.',
  'iot.prod.NotExistedProduct': 'The product does not exist.',
  'iot.device.NotExistedDevice': 'The device does not exist.',
  'iot.device.InvalidFormattedDeviceName': 'The device name format is invalid.',
  'iot.common.InvalidFormattedParameter': 'The parameter format is invalid.',
  'iot.messagebroker.InvalidFormattedTopicName': 'The topic name format is invalid.',
  'iot.messagebroker.NullTopicName': 'The topic name is empty.',
  'iot.messagebroker.NullMessageContent': 'The message content is empty.',
  'iot.messagebroker.MessageContentIsNotBase64Encode': 'The message content is not base64 encoded.',
  'iot.messagebroker.MessageContentTooLarge': 'The message content exceeds the size limit.',
  'iot.messagebroker.RateLimit': 'The message rate limit of the device is exceeded.',
  'iot.messagebroker.OFFLINE': 'The device is offline.',
  'iot.messagebroker.PublishMessageException': 'An exception occurred while publishing the message.',
} as const satisfies Record<string, string>;

export type BusinessErrorCode = keyof typeof BUSINESS_ERRORS;

/** An error answer decided while handling a call. */
export type ErrorAnswer =
  | { layer: 'gateway'; code: GatewayErrorCode; message?: string }
  | { layer: 'business'; code: BusinessErrorCode; message?: string };

export function gatewayError(code: GatewayErrorCode, message?: string): ErrorAnswer {
  return message === undefined ? { layer: 'gateway', code } : { layer: 'gateway', code, message };
}

export function businessError(code: BusinessErrorCode, message?: string): ErrorAnswer {
  return message === undefined ? { layer: 'business', code } : { layer: 'business', code, message };
}

/** Thrown inside request handling to stop with an error answer. */
export class EmulatorAnswerError extends Error {
  constructor(readonly answer: ErrorAnswer) {
    super(answer.code);
  }
}
