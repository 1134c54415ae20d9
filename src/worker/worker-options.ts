/** Options of one `fleetcast worker` process. */
export interface WorkerOptions {
  /** Chunks (of up to 100 rows) held at once, per campaign; their rows start as row slots allow. Minimum 1. @defaultValue 8 */
  readonly concurrency: number;
  /** Port of `/metrics`; none when undefined. */
  readonly metricsPort: number | undefined;
  /** Address `/metrics` and the queue UI (`/queues`) bind to; other than loopback, the UI needs FLEETCAST_UI_USER and FLEETCAST_UI_PASSWORD. @defaultValue `127.0.0.1` */
  readonly metricsHost: string;
  /** Work to do between this process's grants of tokens (a young-generation collection, in a worker process of its own). */
  readonly onIdleGap?: () => void;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { concurrency: 8, metricsPort: undefined, metricsHost: '127.0.0.1' };
