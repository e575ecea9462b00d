/** Starts Herald and the provider fakes as child processes, for the end-to-end benchmarks. */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HERALD_NODE_FLAGS } from '../src/config/node-flags.js';
import { childPids, envOf, freePortRange } from '../test/support/process.js';

export interface Fakes {
  env: Record<string, string>;
  pid: number;
  counts(): Promise<Record<string, number>>;
  stop(): void;
}

export async function startFakes(): Promise<Fakes> {
  const child = fork(fileURLToPath(new URL('./fakes-server.js', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const env = await new Promise<Record<string, string>>((resolve) => child.stdout!.once('data', (d) => resolve(JSON.parse(String(d)))));
  return {
    env,
    pid: child.pid!,
    counts: () =>
      new Promise((resolve) => {
        const onMessage = (m: { type: string; counts: Record<string, number> }) => {
          if (m.type !== 'counts') return;
          child.off('message', onMessage);
          resolve(m.counts);
        };
        child.on('message', onMessage);
        child.send({ type: 'counts' });
      }),
    stop: () => child.disconnect(),
  };
}

export interface RunningHerald {
  child: ChildProcess;
  url: string;
  auth: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * HERALD_BENCH_CPU_PROF=dir: every Herald process (split children and worker threads too, through
 * NODE_OPTIONS) writes a V8 CPU profile into dir when it exits; bench/cpu-profile.ts sums them up.
 */
function cpuProfileEnv(): Record<string, string> {
  const dir = process.env.HERALD_BENCH_CPU_PROF;
  if (!dir) return {};
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${resolve(dir)}`.trim() };
}

export async function startHerald(env: Record<string, string>, dataDir = mkdtempSync(join(tmpdir(), 'bench-herald-'))): Promise<RunningHerald> {
  // Room for the children of HERALD_PROCESSES=split on the ports after PORT.
  const port = await freePortRange(4);
  // Started as `npm start` starts it.
  const child = spawn(process.execPath, [...HERALD_NODE_FLAGS, fileURLToPath(new URL('../src/main.js', import.meta.url))], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'error', ...cpuProfileEnv(), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const creds = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
  return {
    child,
    url,
    dataDir,
    auth: `Basic ${Buffer.from(`${creds.appKey}:${creds.appSecret}`).toString('base64')}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The Herald process and, with HERALD_PROCESSES=split, its children once they serve /health/ready; each with the roles it runs. */
export async function heraldProcesses(herald: RunningHerald): Promise<{ pid: number; roles: string }[]> {
  const parent = herald.child.pid!;
  const env = envOf(parent);
  if (env.HERALD_PROCESSES !== 'split') return [{ pid: parent, roles: env.HERALD_ROLES ?? 'all' }];
  const port = Number(new URL(herald.url).port);
  const childPorts = Array.from({ length: 1 + Number(env.HERALD_WORKER_PROCESSES ?? 1) }, (_, k) => port + 1 + k);
  for (let i = 0; i < 300; i++) {
    const ready = await Promise.all(childPorts.map((p) => fetch(`http://127.0.0.1:${p}/health/ready`).then((r) => r.ok, () => false)));
    if (ready.every(Boolean)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [{ pid: parent, roles: 'api' }, ...childPids(parent).map((pid) => ({ pid, roles: envOf(pid).HERALD_ROLES ?? '?' }))];
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
