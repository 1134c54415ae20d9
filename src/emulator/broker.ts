import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type PublishPacket } from 'aedes';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';

/** One message to put on the broker, with its MQTT 5 PUBLISH properties. */
export interface Delivery {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
}

/** Where accepted messages go. `publish` resolves once the broker has taken the message. */
export interface MessageBroker {
  /** URL devices connect to, when there is one. */
  readonly url: string | undefined;
  publish(delivery: Delivery): Promise<void>;
  close(): Promise<void>;
}

type PublishProperties = Pick<Delivery, 'responseTopic' | 'correlationData' | 'userProperties'>;

function publishProperties(delivery: Delivery): PublishProperties | undefined {
  const { responseTopic, correlationData, userProperties } = delivery;
  if (responseTopic === undefined && correlationData === undefined && userProperties === undefined) return undefined;
  const properties: PublishProperties = {};
  if (responseTopic !== undefined) properties.responseTopic = responseTopic;
  if (correlationData !== undefined) properties.correlationData = correlationData;
  if (userProperties !== undefined) properties.userProperties = userProperties;
  return properties;
}

function toPacket(delivery: Delivery): PublishPacket {
  const packet: PublishPacket = {
    cmd: 'publish',
    topic: delivery.topic,
    payload: delivery.payload,
    qos: delivery.qos,
    retain: false,
    dup: false,
  };
  const properties = publishProperties(delivery);
  if (properties) packet.properties = properties;
  return packet;
}

/** Discards every message. */
export function createNullBroker(): MessageBroker {
  return { url: undefined, publish: () => Promise.resolve(), close: () => Promise.resolve() };
}

/**
 * An aedes broker in this process, listening on its own TCP port. Devices connect with MQTT 5 or
 * 3.1.1; MQTT 5 subscribers get the PUBLISH properties (Response Topic, Correlation Data, User
 * Properties), 3.1.1 subscribers get topic, payload and QoS only. Delivered QoS is the lower of the
 * message's and the subscription's.
 */
export async function createEmbeddedBroker(port: number, host: string): Promise<MessageBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const url = `mqtt://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    publish: (delivery) =>
      new Promise<void>((resolve, reject) => {
        aedes.publish(toPacket(delivery), (error) => (error ? reject(error) : resolve()));
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A connection to an external broker (for example Mosquitto) with MQTT 5, so the properties are carried. */
export async function createExternalBroker(url: string): Promise<MessageBroker> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId: `fleetcast-emulator-${process.pid}-${Date.now().toString(36)}`,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
  });
  return {
    url,
    publish: async (delivery) => {
      const properties = publishProperties(delivery);
      // For QoS 1 this resolves on the broker's PUBACK.
      await client.publishAsync(delivery.topic, delivery.payload, {
        qos: delivery.qos,
        ...(properties ? { properties } : {}),
      });
    },
    close: async () => {
      await client.endAsync();
    },
  };
}
