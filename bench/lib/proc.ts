import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs as dist/bench/lib/proc.js in the bench, as bench/lib/proc.ts in the tests. */
export const ROOT = fileURLToPath(new URL('.', import.meta.url)).replace(/(?:dist\/)?bench\/lib\/$/, '');
export const CLI = `${ROOT}bin/fleetcast.js`;
export const BASELINES = `${ROOT}dist/bench/baselines/`;

/** A child process whose output is kept, so that it can be waited on and stopped. */
export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout or stderr matches, rejects when the child exits first or the time is up. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null after a signal). */
  exited(): Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every child still running (used when the bench itself is interrupted or fails). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export function spawnNode(script: string, args: readonly string[], env: Readonly<Record<string, string>>): Child {
  return spawnChild(process.execPath, [script, ...args], env);
}

export function spawnChild(command: string, args: readonly string[], env: Readonly<Record<string, string>>): Child {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const pid = child.pid;
  return {
    pid,
    process: child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, timeoutMs) => waitForOutput(child, () => `${out}\n${err}`, exit, pattern, timeoutMs),
    exited: () => exit,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}

function waitForOutput(
  child: ChildProcess,
  output: () => string,
  exit: Promise<number | null>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = pattern.exec(output());
      if (match === null) return;
      done();
      resolve(match);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms: ${output().slice(-800)}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exit.then((code) => {
      done();
      reject(new Error(`exited with ${code} before ${String(pattern)}: ${output().slice(-800)}`));
    });
    check();
  });
}

let ticks: number | undefined;

function clockTicks(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticks;
}

/** CPU time (user + system) a process has used so far, in µs, from /proc/<pid>/stat. */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / clockTicks();
}

/** Sum of `cpuUs` over several processes. */
export function totalCpuUs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuUs(pid), 0);
}

/** Peak and current resident memory of a process in kB (VmHWM, VmRSS), or undefined once it is gone. */
export function memoryKb(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { hwm: field('VmHWM'), rss: field('VmRSS') };
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `everyMs` until it returns true (resolves true) or `timeoutMs` has passed (resolves false). */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Like `waitUntil`, but throws when the time is up. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 250): Promise<void> {
  if (!(await waitUntil(check, timeoutMs, everyMs))) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
}
