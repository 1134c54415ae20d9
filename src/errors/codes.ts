/**
 * Stable error codes of fleetcast itself (not of the cloud API), with the process exit code each maps to.
 * Exit codes: 0 success, 1 campaign finished with failures, 2 bad usage or bad input, 3 component unreachable.
 */
export const ERROR_CODES = {
  FC_BAD_USAGE: { exit: 2, summary: 'the command line is not valid' },
  FC_BAD_CONFIG: { exit: 2, summary: 'configuration values are not valid' },
  FC_BAD_INPUT: { exit: 2, summary: 'the campaign file has invalid rows' },
  FC_FILE_UNREADABLE: { exit: 2, summary: 'the campaign file cannot be read' },
  FC_CAMPAIGN_CONFLICT: { exit: 2, summary: 'a campaign of that name exists with other content' },
  FC_CAMPAIGN_NOT_FOUND: { exit: 2, summary: 'no campaign of that id' },
  FC_REDIS_UNREACHABLE: { exit: 3, summary: 'Redis does not answer' },
  FC_OLD_KEY_LAYOUT: { exit: 2, summary: 'Redis holds keys of the layout before hash tags: run fleetcast migrate-keys' },
  FC_TEMP_UNWRITABLE: { exit: 3, summary: "the temp folder cannot hold the campaign's rows" },
  FC_MQTT_UNREACHABLE: { exit: 3, summary: 'the MQTT broker does not answer or refuses the subscriptions' },
  FC_MACHINE_LIMIT: { exit: 3, summary: 'the machine has no more memory or open files for the demo' },
  FC_INTERNAL: { exit: 1, summary: 'an internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
