/**
 * Bottleneck 2.19.5 recovers from lost Redis state only when a script error message starts with
 * `SETTINGS_KEY_NOT_FOUND` or `UNKNOWN_CLIENT`; Redis 7 prefixes script errors with `ERR `, so after a Redis
 * restart, a flush of its keys, or a client dropped while stalled, every later job is rejected for good.
 */
const WEDGE_MARKERS = ['SETTINGS_KEY_NOT_FOUND', 'UNKNOWN_CLIENT'] as const;

export function isWedgedLimiterError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return WEDGE_MARKERS.some((marker) => message.includes(marker));
}
