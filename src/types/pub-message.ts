/**
 * One campaign row, validated and resolved into the parameters of one `Pub` call.
 * Field names follow the API so that they map one to one onto the request.
 */
export interface PubMessage {
  /** 1-based ordinal of the row among the campaign's data rows (the header is not a row). */
  readonly row: number;
  /** Line of the source file where the row starts (CSV header is line 1). */
  readonly line: number;
  readonly productKey: string;
  readonly topicFullName: string;
  /** Base64 of the payload bytes, exactly as sent in `MessageContent`. */
  readonly messageContent: string;
  readonly qos: 0 | 1;
  readonly iotInstanceId?: string;
  readonly responseTopic?: string;
  /** Base64 of the correlation data bytes, as sent in `CorrelationData`. */
  readonly correlationData?: string;
  /** MQTT 5 user properties in file order. */
  readonly userProps?: ReadonlyArray<readonly [key: string, value: string]>;
}
