import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';

/** A real MQTT 5 device that subscribed to its topic and keeps every PUBLISH it receives. */
export interface Subscriber {
  readonly client: MqttClient;
  readonly messages: Array<{ topic: string; payload: Buffer; packet: IPublishPacket }>;
}

export async function subscribe(url: string, clientId: string, topic: string): Promise<Subscriber> {
  const client = await mqtt.connectAsync(url, { clientId, protocolVersion: 5, reconnectPeriod: 0 });
  const messages: Subscriber['messages'] = [];
  client.on('message', (messageTopic, payload, packet) => messages.push({ topic: messageTopic, payload, packet }));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages };
}

export async function closeAll(subscribers: readonly Subscriber[]): Promise<void> {
  await Promise.all(subscribers.map((subscriber) => subscriber.client.endAsync(true).catch(() => undefined)));
}

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
