import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { ROOT } from './grafana-files.js';

interface Service {
  image?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  build?: string | { context: string };
  command?: string[] | string;
  volumes?: Array<string | { type: string; source: string }>;
}

const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** `fleetcast [command] --help` of the root and of every command the built services run, by command ('' for the root). */
const helps = new Map<string, string>();

async function loadHelps(): Promise<void> {
  const verbs = ['', ...Object.values(services).flatMap((service) => (Array.isArray(service.command) && service.build !== undefined ? [service.command[0] ?? ''] : []))];
  const texts = await Promise.all(verbs.map(async (verb) => (await promisify(execFile)(process.execPath, [CLI, ...(verb === '' ? [] : [verb]), '--help'])).stdout));
  verbs.forEach((verb, index) => helps.set(verb, texts[index] ?? ''));
}

function help(verb = ''): string {
  return helps.get(verb) ?? '';
}

/** Command names listed by `fleetcast --help`. */
function commands(): Set<string> {
  const section = help().split(/^Commands:$/m)[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((match) => match[1] ?? ''));
}

function bindSources(service: Service): string[] {
  return (service.volumes ?? []).flatMap((volume) => {
    const source = typeof volume === 'string' ? volume.split(':')[0] ?? '' : volume.type === 'bind' ? volume.source : '';
    return source.startsWith('.') || isAbsolute(source) ? [source] : [];
  });
}

describe('docker-compose.yml', () => {
  beforeAll(loadHelps);

  it('has the whole pipeline with its observability', () => {
    expect(Object.keys(services).filter((name) => services[name]?.profiles === undefined).sort()).toEqual(['demo', 'emulator', 'grafana', 'prometheus', 'redis', 'worker']);
    expect(services.redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('mounts only files and folders that exist', () => {
    const sources = Object.values(services).flatMap(bindSources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(resolve(ROOT, source)), source).toBe(true);
  });

  it('runs only real fleetcast commands and options', () => {
    const known = commands();
    const built = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(built.map(([name]) => name).sort()).toEqual(['demo', 'emulator', 'worker', 'worker-cluster']);
    for (const [name, service] of built) {
      const command = Array.isArray(service.command) ? service.command : (service.command ?? '').split(/\s+/);
      const [verb = '', ...args] = command;
      expect(known, name).toContain(verb);
      const options = help(verb);
      for (const flag of args.filter((arg) => arg.startsWith('--'))) expect(options, `${name}: ${flag}`).toContain(`${flag} `);
      for (const file of args.filter((arg) => arg.startsWith('samples/'))) expect(existsSync(resolve(ROOT, file)), file).toBe(true);
    }
  });

  it('builds from a Dockerfile that copies existing paths and runs the fleetcast command line', () => {
    const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/fleetcast.js"]');
    for (const match of dockerfile.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const path of (match[1] ?? '').split(/\s+/)) expect(existsSync(resolve(ROOT, path)), path).toBe(true);
    }
  });

  it('has Prometheus find every worker replica at the port the workers serve', () => {
    const config = parse(readFileSync(`${ROOT}grafana/prometheus/prometheus.yml`, 'utf8')) as {
      scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; type: string; port: number }> }>;
    };
    const job = config.scrape_configs.find((scrape) => scrape.job_name === 'fleetcast-worker');
    expect(job?.dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker', 'worker-cluster'], type: 'A' })]);
    for (const name of ['worker', 'worker-cluster']) {
      const command = services[name]?.command ?? [];
      const port = Array.isArray(command) ? command[command.indexOf('--metrics-port') + 1] : undefined;
      expect(String(job?.dns_sd_configs?.[0]?.port), name).toBe(port);
      expect(command, name).toEqual(expect.arrayContaining(['--metrics-host', '0.0.0.0']));
    }
  });

  it('provisions Grafana with the datasource the dashboard names, from where the dashboards are mounted', () => {
    const grafana = services.grafana?.volumes?.map(String) ?? [];
    const provider = parse(readFileSync(`${ROOT}grafana/provisioning/dashboards/fleetcast.yml`, 'utf8')) as { providers: Array<{ options: { path: string } }> };
    const datasource = parse(readFileSync(`${ROOT}grafana/provisioning/datasources/prometheus.yml`, 'utf8')) as { datasources: Array<{ uid: string; url: string }> };
    expect(grafana).toContain(`./grafana/dashboards:${provider.providers[0]?.options.path}:ro`);
    expect(datasource.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
  });
});
