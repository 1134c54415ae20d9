/**
 * Process entry of a worker, for supervisors and containers: `node dist/workers/worker.js [--concurrency N] [--metrics-port P]`.
 * Same as `fleetcast worker`.
 */
process.argv.splice(2, 0, 'worker');
await import('../src/cli/main.js');
