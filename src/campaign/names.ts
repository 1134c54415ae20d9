/**
 * Rules for ProductKey, DeviceName and topics.
 *
 * - DeviceName: 4–32 characters from `A-Z a-z 0-9 - _ @ . :` (RegisterDevice documentation).
 * - ProductKey: the format is not documented; every example is 11 letters and digits (`a1Q5XoY****`).
 *   fleetcast accepts 1–32 letters and digits, which admits every known key and rejects typos such as
 *   spaces, slashes or a pasted topic.
 * - Topic levels after the device (or after `/broadcast/${ProductKey}`): letters, digits and underscore
 *   only, as the topic-category documentation says. A hyphen is rejected: the platform does not accept it
 *   in a topic category, so such a message could never reach a device.
 * - A topic is at most 128 bytes of UTF-8 and holds at most 7 slashes (platform limits).
 */
export const DEVICE_NAME_PATTERN = /^[A-Za-z0-9_\-@.:]{4,32}$/;
export const PRODUCT_KEY_PATTERN = /^[A-Za-z0-9]{1,32}$/;
export const TOPIC_LEVEL_PATTERN = /^[A-Za-z0-9_]+$/;
export const MAX_TOPIC_BYTES = 128;
export const MAX_TOPIC_SLASHES = 7;
export const BROADCAST_LEVEL = 'broadcast';
export const SYSTEM_LEVEL = 'sys';

export function isValidDeviceName(name: string): boolean {
  return DEVICE_NAME_PATTERN.test(name);
}

export function isValidProductKey(key: string): boolean {
  return PRODUCT_KEY_PATTERN.test(key);
}
