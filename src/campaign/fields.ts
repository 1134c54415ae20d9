/**
 * The campaign fields: the `Pub` API's own parameter names, so an Alibaba Cloud user recognises them.
 * Besides these, a campaign may carry `UserProp.<key>` columns (JSON: a `UserProp` object) and data
 * columns whose only purpose is to fill `{{Name}}` placeholders in MessageContent.
 */
export const CAMPAIGN_FIELDS = {
  ProductKey: { kind: 'text', meaning: 'product of the device; required in the row or as a default' },
  DeviceName: { kind: 'text', meaning: 'with TopicShortName, builds /${ProductKey}/${DeviceName}/user/${TopicShortName}' },
  TopicShortName: { kind: 'text', meaning: 'the topic levels after /user/' },
  TopicFullName: { kind: 'text', meaning: 'the whole topic, instead of DeviceName and TopicShortName' },
  MessageContent: { kind: 'text', meaning: 'payload text (UTF-8), base64-encoded by fleetcast; may hold {{Name}} placeholders' },
  MessageContentBase64: { kind: 'text', meaning: 'binary payload, already base64' },
  Qos: { kind: 'qos', meaning: '0 (default) or 1' },
  IotInstanceId: { kind: 'text', meaning: 'instance of the product; else the configured default' },
  ResponseTopic: { kind: 'text', meaning: 'MQTT 5 response topic' },
  CorrelationData: { kind: 'text', meaning: 'MQTT 5 correlation data as text, base64-encoded by fleetcast' },
} as const;

export type CampaignField = keyof typeof CAMPAIGN_FIELDS;

/** Prefix of the columns that each carry one MQTT 5 user property. */
export const USER_PROP_PREFIX = 'UserProp.';
/** The JSON key of the object that carries user properties. */
export const USER_PROP_OBJECT = 'UserProp';

/** MQTT 5 user properties the platform processes per message. */
export const MAX_USER_PROPS = 20;
/** Largest payload the platform delivers, counted on the decoded bytes. */
export const MAX_PAYLOAD_BYTES = 262_144;

export function isCampaignField(name: string): name is CampaignField {
  return Object.hasOwn(CAMPAIGN_FIELDS, name);
}

export function isUserPropColumn(name: string): boolean {
  return name.startsWith(USER_PROP_PREFIX);
}

/** A column that is neither a field nor a user property: it exists only to fill placeholders. */
export function isDataColumn(name: string): boolean {
  return !isCampaignField(name) && !isUserPropColumn(name);
}
