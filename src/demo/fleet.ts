import mqtt, { type MqttClient } from 'mqtt';

/** One simulated device: an MQTT client subscribed to its own topic. */
export interface FleetDevice {
  readonly deviceName: string;
  readonly topic: string;
}

/** A fleet of simulated devices connected to a broker, counting what they receive. */
export interface Fleet {
  /** Messages received by all devices together. */
  readonly received: number;
  /** Messages received per topic. */
  readonly receivedByTopic: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const CONNECT_BATCH = 200;

/** Connects every device (MQTT 5 where the broker speaks it), subscribes it to its topic at QoS 1. */
export async function connectFleet(url: string, devices: readonly FleetDevice[], protocolVersion: 4 | 5 = 5): Promise<Fleet> {
  const clients: MqttClient[] = [];
  const receivedByTopic = new Map<string, number>();
  let received = 0;
  const fleet: Fleet = {
    get received() {
      return received;
    },
    receivedByTopic,
    close: async () => {
      await Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined)));
    },
  };
  try {
    for (let start = 0; start < devices.length; start += CONNECT_BATCH) {
      const batch = devices.slice(start, start + CONNECT_BATCH);
      await Promise.all(
        batch.map(async (device) => {
          const client = await mqtt.connectAsync(url, { clientId: device.deviceName, protocolVersion, reconnectPeriod: 0, connectTimeout: 10_000 });
          clients.push(client);
          client.on('message', (topic) => {
            received++;
            receivedByTopic.set(topic, (receivedByTopic.get(topic) ?? 0) + 1);
          });
          await client.subscribeAsync(device.topic, { qos: 1 });
        }),
      );
    }
  } catch (error) {
    await fleet.close();
    throw error;
  }
  return fleet;
}

/** Waits until `done()` holds or `timeoutMs` passes. */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
