import type { EnvReader } from './env-reader.js';
import type { Role } from './roles.js';

/** A process the API process starts and keeps running beside itself (HERALD_PROCESSES=split). */
export interface ChildProcessSpec {
  /** dispatcher,projector or worker-N: how logs and metrics name it. */
  name: string;
  roles: Role[];
  /** Added to the child's niceness: below the API, which answers callers while the rest is queued, durable work. */
  nice: number;
  /** Its /health and /metrics. */
  port: number;
}

/**
 * The CPU goes first to the API (a caller waits on it), then to the log consumers that turn
 * accepted notifications into jobs and read models, and last to the provider calls. What waits
 * is already durable, so a lower priority delays it and loses nothing; measured on two cores,
 * the API keeps its latency under a load that would otherwise have the workers crowd it out.
 */
const CONSUMERS_NICE = 5;
const WORKERS_NICE = 10;

/**
 * HERALD_PROCESSES=single (the default): this process runs every role in HERALD_ROLES.
 * split: it keeps the api role and starts the others as child processes on the same
 * configuration: one for the dispatcher and projector, and HERALD_WORKER_PROCESSES (default 1)
 * for the channel workers, on the ports after PORT.
 */
export function processPlan(read: EnvReader, roles: Set<Role>, port: number): { roles: Set<Role>; children: ChildProcessSpec[] } {
  const single = { roles, children: [] };
  const mode = read.oneOf('HERALD_PROCESSES', ['single', 'split'], 'single');
  if (mode === 'single') return single;
  if (!roles.has('api')) {
    read.report('HERALD_ROLES', `"${read.string('HERALD_ROLES')}" must include api when HERALD_PROCESSES=split (the api role stays in this process)`);
    return single;
  }
  const workers = read.int('HERALD_WORKER_PROCESSES', 1, { min: 1 });
  const consumers = (['dispatcher', 'projector'] as const).filter((r) => roles.has(r));
  const groups: Omit<ChildProcessSpec, 'port'>[] = [
    ...(consumers.length > 0 ? [{ name: consumers.join(','), roles: [...consumers], nice: CONSUMERS_NICE }] : []),
    ...(roles.has('worker') ? Array.from({ length: workers }, (_, i) => ({ name: `worker-${i + 1}`, roles: ['worker' as const], nice: WORKERS_NICE })) : []),
  ];
  if (groups.length === 0) {
    read.report('HERALD_ROLES', `"${read.string('HERALD_ROLES')}" has nothing besides api to run in other processes (HERALD_PROCESSES=split)`);
    return single;
  }
  return { roles: new Set(['api']), children: groups.map((g, i) => ({ ...g, port: port + 1 + i })) };
}
