import type { PubMessage } from '../types/pub-message.js';
import { MAX_PAYLOAD_BYTES, MAX_USER_PROPS, USER_PROP_OBJECT, USER_PROP_PREFIX, isCampaignField, isUserPropColumn } from './fields.js';
import { isValidDeviceName, isValidProductKey } from './names.js';
import { base64Problem, decodedLength } from './payload.js';
import type { RowContext } from './row-context.js';
import { makeRowError, type RowError, type RowErrorCode, type RowErrorParticulars } from './row-errors.js';
import type { SourceRecord } from './source-record.js';
import { renderTemplate, type PlaceholderValues, type Template } from './template.js';
import { buildDeviceTopic, checkFullTopic, shortNameProblem, topicSizeProblem, type TopicProblem } from './topic.js';

/** The outcome of one data row: the message to send, or every problem the row has. */
export type RowResult =
  | { readonly ok: true; readonly message: PubMessage }
  | { readonly ok: false; readonly row: number; readonly line: number; readonly errors: readonly RowError[] };

const PAYLOAD_FIELDS = ['MessageContent', 'MessageContentBase64'] as const;

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== '';
}

function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

interface Payload {
  readonly base64?: string;
  readonly template?: Template;
}

/**
 * Turns source records into Pub messages. Each value is looked up in the row, then in the defaults;
 * an empty value counts as absent. The payload pair (MessageContent / MessageContentBase64) is taken
 * from the row when the row gives either, else from the defaults, so a row can override a default
 * template with a binary payload; giving both at the same level is a conflict. Topic fields fall back
 * one by one and must agree (TopicFullName against DeviceName / TopicShortName).
 *
 * Unknown columns are judged per row: a row's value under a column that is not a field or
 * `UserProp.<key>` is an error unless a placeholder of this row's MessageContent or of the defaults'
 * MessageContent names that column. (A header column never used anywhere is reported once, at the end
 * of validateCampaign.)
 */
export class RowValidator implements PlaceholderValues {
  #values: ReadonlyMap<string, unknown> = new Map();
  #errors: RowError[] = [];
  #line = 0;
  #row = 0;

  readonly #context: RowContext;

  constructor(context: RowContext) {
    this.#context = context;
  }

  validate(record: SourceRecord): RowResult {
    this.#values = record.values;
    this.#line = record.line;
    this.#row = record.row;
    this.#errors = [];
    if (record.malformed !== undefined) {
      this.#fail('MALFORMED_RECORD', { detail: record.malformed });
      return this.#failure();
    }
    const message = this.#resolve();
    return this.#errors.length === 0 ? { ok: true, message } : this.#failure();
  }

  /** A placeholder's value: the row's (or default) value of that name, as text. */
  placeholderValue(name: string): string | undefined {
    if (name === PAYLOAD_FIELDS[0] || name === PAYLOAD_FIELDS[1]) return undefined;
    const value = this.#raw(name);
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return undefined;
  }

  #resolve(): PubMessage {
    const productKey = this.#productKey();
    const topicFullName = this.#topic(productKey);
    const payload = this.#payload();
    const qos = this.#qos();
    const iotInstanceId = this.#text('IotInstanceId');
    const responseTopic = this.#responseTopic();
    const correlationText = this.#text('CorrelationData');
    const userProps = this.#userProps();
    this.#checkColumns(payload.template);
    const message: { -readonly [K in keyof PubMessage]: PubMessage[K] } = {
      row: this.#row,
      line: this.#line,
      productKey: productKey ?? '',
      topicFullName: topicFullName ?? '',
      messageContent: payload.base64 ?? '',
      qos,
    };
    if (iotInstanceId !== undefined) message.iotInstanceId = iotInstanceId;
    if (responseTopic !== undefined) message.responseTopic = responseTopic;
    if (correlationText !== undefined) message.correlationData = Buffer.from(correlationText, 'utf8').toString('base64');
    if (userProps !== undefined) message.userProps = userProps;
    return message;
  }

  #failure(): RowResult {
    return { ok: false, row: this.#row, line: this.#line, errors: this.#errors };
  }

  #fail(code: RowErrorCode, particulars: RowErrorParticulars = {}): void {
    this.#errors.push(makeRowError(code, this.#line, this.#row, particulars));
  }

  #raw(name: string): unknown {
    const value = this.#values.get(name);
    return isPresent(value) ? value : this.#context.defaults.get(name);
  }

  /** A text field's value, or undefined when absent (or not a string, which is reported). */
  #text(field: string): string | undefined {
    const value = this.#raw(field);
    if (value === undefined || typeof value === 'string') return value;
    this.#fail('INVALID_TYPE', { field, detail: 'a string' });
    return undefined;
  }

  #productKey(): string | undefined {
    const productKey = this.#text('ProductKey');
    if (productKey === undefined) this.#fail('MISSING_FIELD', { field: 'ProductKey' });
    else if (!isValidProductKey(productKey)) this.#fail('INVALID_PRODUCT_KEY', { field: 'ProductKey', value: productKey });
    else return productKey;
    return undefined;
  }

  #topicProblem(field: string, value: string, problem: TopicProblem): void {
    this.#fail(problem.code, { field, value, detail: problem.detail });
  }

  #topic(productKey: string | undefined): string | undefined {
    const fullName = this.#text('TopicFullName');
    const deviceName = this.#text('DeviceName');
    const shortName = this.#text('TopicShortName');
    let partsValid = true;
    if (deviceName !== undefined && !isValidDeviceName(deviceName)) {
      this.#fail('INVALID_DEVICE_NAME', { field: 'DeviceName', value: deviceName });
      partsValid = false;
    }
    const shortProblem = shortName === undefined ? undefined : shortNameProblem(shortName);
    if (shortProblem !== undefined && shortName !== undefined) {
      this.#topicProblem('TopicShortName', shortName, shortProblem);
      partsValid = false;
    }
    if (fullName !== undefined) return this.#fullTopic(fullName, productKey, deviceName, shortName);
    if (deviceName === undefined) this.#fail('MISSING_FIELD', { field: 'DeviceName', detail: ' (or TopicFullName)' });
    if (shortName === undefined) this.#fail('MISSING_FIELD', { field: 'TopicShortName', detail: ' (or TopicFullName)' });
    if (productKey === undefined || deviceName === undefined || shortName === undefined || !partsValid) return undefined;
    const topic = buildDeviceTopic(productKey, deviceName, shortName);
    const sizeProblem = topicSizeProblem(topic);
    if (sizeProblem !== undefined) this.#topicProblem('topic', topic, sizeProblem);
    return topic;
  }

  #fullTopic(topic: string, productKey: string | undefined, deviceName?: string, shortName?: string): string {
    const { problems, parsed } = checkFullTopic(topic, productKey);
    for (const problem of problems) this.#topicProblem('TopicFullName', topic, problem);
    if (parsed === undefined) return topic;
    if (deviceName !== undefined && parsed.deviceName !== deviceName) {
      this.#fail('CONFLICTING_FIELDS', { field: 'TopicFullName', detail: `${JSON.stringify(topic)} is not a topic of DeviceName ${JSON.stringify(deviceName)}` });
    }
    if (shortName !== undefined && (parsed.deviceName === undefined || parsed.levels.join('/') !== `user/${shortName}`)) {
      this.#fail('CONFLICTING_FIELDS', { field: 'TopicFullName', detail: `${JSON.stringify(topic)} does not end in /user/${shortName}` });
    }
    return topic;
  }

  #payload(): Payload {
    const rowGivesPayload = isPresent(this.#values.get(PAYLOAD_FIELDS[0])) || isPresent(this.#values.get(PAYLOAD_FIELDS[1]));
    const level = rowGivesPayload ? this.#values : this.#context.defaults;
    const content = level.get(PAYLOAD_FIELDS[0]);
    const base64 = level.get(PAYLOAD_FIELDS[1]);
    if (isPresent(content) && isPresent(base64)) {
      this.#fail('CONFLICTING_FIELDS', { field: 'MessageContent', detail: 'give MessageContent or MessageContentBase64, not both' });
      return {};
    }
    if (isPresent(base64)) return this.#binaryPayload(base64);
    if (isPresent(content)) return this.#textPayload(content);
    this.#fail('MISSING_FIELD', { field: 'MessageContent', detail: ' (or MessageContentBase64)' });
    return {};
  }

  #binaryPayload(base64: unknown): Payload {
    if (typeof base64 !== 'string') {
      this.#fail('INVALID_TYPE', { field: PAYLOAD_FIELDS[1], detail: 'a string' });
      return {};
    }
    const problem = base64Problem(base64);
    if (problem !== undefined) this.#fail('INVALID_BASE64', { field: PAYLOAD_FIELDS[1], detail: problem });
    else if (decodedLength(base64) > MAX_PAYLOAD_BYTES) this.#fail('PAYLOAD_TOO_LARGE', { detail: String(decodedLength(base64)) });
    return { base64 };
  }

  #textPayload(content: unknown): Payload {
    if (typeof content !== 'string') {
      this.#fail('INVALID_TYPE', { field: PAYLOAD_FIELDS[0], detail: 'a string' });
      return {};
    }
    const template = this.#context.templates.get(content);
    let text = content;
    if (template !== undefined) {
      const rendered = renderTemplate(template, this);
      if (typeof rendered !== 'string') {
        for (const name of rendered.missing) this.#fail('UNRESOLVED_PLACEHOLDER', { field: name });
        return { template };
      }
      text = rendered;
    }
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > MAX_PAYLOAD_BYTES) this.#fail('PAYLOAD_TOO_LARGE', { detail: String(bytes.length) });
    return { base64: bytes.toString('base64'), template };
  }

  #qos(): 0 | 1 {
    const value = this.#raw('Qos');
    if (value === undefined || value === 0 || value === '0') return 0;
    if (value === 1 || value === '1') return 1;
    this.#fail('INVALID_QOS', { field: 'Qos', value: typeof value === 'string' ? value : JSON.stringify(value) });
    return 0;
  }

  #responseTopic(): string | undefined {
    const topic = this.#text('ResponseTopic');
    if (topic !== undefined && hasWildcard(topic)) {
      this.#fail('INVALID_TOPIC', { field: 'ResponseTopic', value: topic, detail: 'wildcards + and # are not allowed' });
    }
    return topic;
  }

  #userProps(): Array<[string, string]> | undefined {
    const rowKeys: string[] = [];
    for (const key of this.#values.keys()) if (isUserPropColumn(key)) rowKeys.push(key);
    if (rowKeys.length === 0 && this.#context.defaultUserProps.length === 0) return undefined;
    const props = new Map<string, unknown>(this.#context.defaultUserProps);
    for (const key of rowKeys) props.set(key.slice(USER_PROP_PREFIX.length), this.#values.get(key));
    const result: Array<[string, string]> = [];
    for (const [key, value] of props) {
      const field = USER_PROP_PREFIX + key;
      if (key === '') this.#fail('INVALID_USER_PROP', { field, detail: 'the key is empty' });
      else if (typeof value !== 'string') this.#fail('INVALID_TYPE', { field, detail: 'a string' });
      else result.push([key, value]);
    }
    if (props.size > MAX_USER_PROPS) {
      this.#fail('INVALID_USER_PROP', { field: USER_PROP_OBJECT, detail: `${props.size} user properties; the limit is ${MAX_USER_PROPS}` });
    }
    return result;
  }

  #checkColumns(template: Template | undefined): void {
    for (const [key, value] of this.#values) {
      if (isCampaignField(key) || isUserPropColumn(key) || !isPresent(value)) continue;
      if (key === USER_PROP_OBJECT) this.#fail('INVALID_TYPE', { field: key, detail: 'an object of string values' });
      else if (template?.names.includes(key) !== true && !this.#context.defaultPlaceholders.has(key)) this.#fail('UNKNOWN_COLUMN', { field: key });
    }
  }
}
