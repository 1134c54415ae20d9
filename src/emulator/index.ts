export { createEmulator, startEmulator, type Emulator, type RunningEmulator } from './app.js';
export type { CallRecord, EmulatorStats, EmulatorSummary } from './call-log.js';
export {
  resolveEmulatorOptions,
  DEFAULT_ACCESS_KEY,
  type DeviceIdentity,
  type EmulatorAccessKey,
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
} from './options.js';
export { loadDeviceFile } from './device-registry.js';
export type { Delivery, MessageBroker } from './broker.js';
export { BUSINESS_ERRORS, GATEWAY_ERRORS, type BusinessErrorCode, type GatewayErrorCode } from './error-codes.js';
export { signV1, stringToSignV1, canonicalizeV1 } from './signature-v1.js';
export {
  signV3,
  stringToSignV3,
  canonicalRequestV3,
  parseAuthorizationV3,
  sha256Hex,
  EMPTY_BODY_SHA256,
  type V3RequestParts,
  type V3Authorization,
} from './signature-v3.js';
export { percentEncode } from './percent-encode.js';
export { SlidingWindow } from './quota.js';
export { createPrng, deviceFaultOf, FaultPlan, type DeviceFaultKind, type DeviceFaultShares, type FaultKind, type FaultShares } from './faults.js';
