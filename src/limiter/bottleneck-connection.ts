import { createRequire } from 'node:module';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { RedisClient } from '../redis/client.js';
import { Script } from '../redis/script.js';

const require = createRequire(import.meta.url);
const bottleneckScripts = require('bottleneck/lib/Scripts.js') as { payload(name: string): string };

type ScriptCallback = (error: Error | null, reply?: unknown) => void;

/**
 * Told when Bottleneck registers a job, with the job's slot in the shared schedule (`Date.now()` ms). Bottleneck's
 * scripts reckon time from the caller's `Date.now()` (their first argument), and `register` answers how long to
 * wait from there: their sum is when the job is due, whenever this process gets round to running it.
 */
export type RegisteredListener = (slotEpochMs: number) => void;

/**
 * Bottleneck's ioredis connection, calling its Lua scripts by SHA1. Through ioredis 6's script commands every
 * call went out as a full EVAL (several KB of Lua per call, hashed again by Redis each time).
 */
export class ShaScriptConnection extends Bottleneck.IORedisConnection {
  readonly #client: RedisClient;
  readonly #scripts = new Map<string, Script>();
  readonly #onRegistered: RegisteredListener | undefined;

  constructor(client: RedisClient, onRegistered?: RegisteredListener) {
    super({ client, Redis });
    this.#client = client;
    this.#onRegistered = onRegistered;
  }

  __scriptFn__(name: string): (...args: unknown[]) => void {
    const script = this.#script(name);
    return (...args: unknown[]) => {
      const callback = args.pop() as ScriptCallback;
      const keyCount = Number(args[0]);
      const keys = args.slice(1, 1 + keyCount).map(String);
      const values = args.slice(1 + keyCount).map((value) => (typeof value === 'number' ? value : String(value)));
      script.run(this.#client, keys, values).then(
        (reply) => {
          if (name === 'register') this.#registered(values, reply);
          callback(null, reply);
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    };
  }

  /** `register`'s arguments begin with `now` and its answer is [success, wait, reservoir]. */
  #registered(values: ReadonlyArray<string | number>, reply: unknown): void {
    if (this.#onRegistered === undefined || !Array.isArray(reply) || (reply[0] !== 1 && reply[0] !== true)) return;
    this.#onRegistered(Number(values[0]) + Number(reply[1]));
  }

  #script(name: string): Script {
    let script = this.#scripts.get(name);
    if (script === undefined) {
      script = new Script(bottleneckScripts.payload(name));
      this.#scripts.set(name, script);
    }
    return script;
  }
}
