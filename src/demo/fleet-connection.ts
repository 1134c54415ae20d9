import mqtt, { type MqttClient } from 'mqtt';

/** One simulated device: a subscription to its own topic. */
export interface FleetDevice {
  readonly deviceName: string;
  readonly topic: string;
}

/** What every connection of a fleet adds to. */
export interface FleetCounters {
  /** Devices whose own message arrived: on their topic, with a payload addressed to them (counted once each). */
  received: number;
  /** Messages a device had already received (delivery is at least once: a call repeated after a lost lease). */
  duplicates: number;
  /** Messages on a topic of the connection whose payload named another device (or none). */
  misaddressed: number;
  /** Devices whose subscription the broker confirmed (SUBACK) on the current session of their connection. */
  subscribed: number;
  /** Times a connection was opened again after it closed or failed to open. */
  reconnects: number;
}

/** Topics per SUBSCRIBE packet: one packet of 2,000 topics is ~90 KB, smaller packets keep the broker responsive. */
const TOPICS_PER_SUBSCRIBE = 500;
/** Wait before opening a closed connection again; resets come in bursts when a broker is busy accepting. */
const RECONNECT_PERIOD_MS = 500;

/**
 * One MQTT connection carrying the subscriptions of many devices, each on its own topic, so the broker still routes
 * each message to its device. It opens again after a reset and subscribes every device again on each new session.
 */
export class FleetConnection {
  readonly #client: MqttClient;
  readonly #devices: ReadonlyMap<string, FleetDevice>;
  readonly #counters: FleetCounters;
  /** Topics whose device already received its message. */
  readonly #reached = new Set<string>();
  /** Devices subscribed on the current session, counted into `counters.subscribed`. */
  #subscribedHere = 0;
  #session = 0;
  #ready = false;
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #lastError: Error | undefined;
  #fatal: Error | undefined;
  #stopped = false;

  /** The payload every device gets (a `--pack` demo), instead of a notice naming each device. */
  readonly #sharedNotice: string | undefined;

  constructor(url: string, clientId: string, devices: readonly FleetDevice[], counters: FleetCounters, protocolVersion: 4 | 5 = 5, sharedNotice?: string) {
    this.#sharedNotice = sharedNotice;
    this.#devices = new Map(devices.map((device) => [device.topic, device]));
    this.#counters = counters;
    this.#client = mqtt.connect(url, {
      clientId,
      protocolVersion,
      clean: true,
      // This class subscribes again itself, in large packets, and knows when the broker confirmed them.
      resubscribe: false,
      reconnectPeriod: RECONNECT_PERIOD_MS,
      connectTimeout: 10_000,
      keepalive: 60,
    });
    this.#client.on('connect', () => void this.#subscribeAll());
    this.#client.on('close', () => this.#sessionLost());
    this.#client.on('reconnect', () => this.#counters.reconnects++);
    this.#client.on('error', (error) => this.#failed(error));
    this.#client.on('message', (topic, payload) => this.#deliver(topic, payload));
  }

  get devices(): number {
    return this.#devices.size;
  }

  /** The last error of the connection, for messages. */
  get lastError(): Error | undefined {
    return this.#fatal ?? this.#lastError;
  }

  /** Resolves once every device of the connection is subscribed; rejects on an error that a new attempt cannot fix. */
  ready(): Promise<void> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.#stopped = true;
    this.#rejectWaiters(new Error('the fleet was closed'));
    await this.#client.endAsync(true).catch(() => undefined);
  }

  async #subscribeAll(): Promise<void> {
    const session = ++this.#session;
    const topics = [...this.#devices.keys()];
    try {
      for (let start = 0; start < topics.length; start += TOPICS_PER_SUBSCRIBE) {
        const chunk = topics.slice(start, start + TOPICS_PER_SUBSCRIBE);
        const granted = await this.#client.subscribeAsync(Object.fromEntries(chunk.map((topic) => [topic, { qos: 1 as const }])));
        if (session !== this.#session) return;
        const refused = granted.find((grant) => grant.qos >= 0x80);
        if (refused) throw new Error(`the broker refused the subscription to ${refused.topic} (reason ${refused.qos})`);
        this.#subscribedHere += chunk.length;
        this.#counters.subscribed += chunk.length;
      }
    } catch (error) {
      // A session that closed mid-way is subscribed again on the next one; a refusal is final.
      if (session === this.#session && this.#client.connected) this.#fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#ready = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  #sessionLost(): void {
    this.#session++;
    this.#counters.subscribed -= this.#subscribedHere;
    this.#subscribedHere = 0;
  }

  #failed(error: Error): void {
    this.#lastError = error;
    // Out of file descriptors: another attempt only makes it worse.
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EMFILE' || code === 'ENFILE') this.#fail(error);
  }

  #fail(error: Error): void {
    if (this.#fatal || this.#stopped) return;
    this.#fatal = error;
    this.#rejectWaiters(error);
    this.#client.end(true);
  }

  #rejectWaiters(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #deliver(topic: string, payload: Buffer): void {
    const device = this.#devices.get(topic);
    if (device === undefined) return;
    const addressed = this.#sharedNotice === undefined ? addressedTo(payload) === device.deviceName : payload.toString('utf8') === this.#sharedNotice;
    if (!addressed) this.#counters.misaddressed++;
    else if (this.#reached.has(topic)) this.#counters.duplicates++;
    else {
      this.#reached.add(topic);
      this.#counters.received++;
    }
  }
}

/** The `device` field of a demo notice, if the payload is one. */
function addressedTo(payload: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(payload.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'device' in parsed && typeof parsed.device === 'string') return parsed.device;
  } catch {
    // Not a notice of the demo.
  }
  return undefined;
}
