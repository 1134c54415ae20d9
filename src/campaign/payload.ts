/** Strict base64: canonical alphabet, `=` padding only at the end, length a multiple of 4. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function paddingOf(base64: string): number {
  if (base64.endsWith('==')) return 2;
  return base64.endsWith('=') ? 1 : 0;
}

/**
 * Why `base64` is not strict, canonical base64, or undefined. Canonical means the bits left over
 * before the padding are zero, so the text is the one encoding of its bytes (`QQ==`, never `QR==`).
 */
export function base64Problem(base64: string): string | undefined {
  if (base64.length % 4 !== 0) return `length ${base64.length} is not a multiple of 4`;
  if (!BASE64_PATTERN.test(base64)) return 'only A-Z a-z 0-9 + / are allowed, with = padding at the end';
  const padding = paddingOf(base64);
  if (padding === 0) return undefined;
  const lastDataChar = base64.charAt(base64.length - padding - 1);
  const unusedBits = padding === 2 ? 0b1111 : 0b11;
  if ((BASE64_ALPHABET.indexOf(lastDataChar) & unusedBits) !== 0) return 'it is not canonical (non-zero bits before the padding)';
  return undefined;
}

/** Number of bytes a valid base64 text decodes to. */
export function decodedLength(base64: string): number {
  return (base64.length / 4) * 3 - paddingOf(base64);
}

export function textToBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
