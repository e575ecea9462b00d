import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { fork, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { ChildProcessSpec } from '../../config/process-plan.js';
import { AlertService } from '../delivery/alerts.service.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** Set in a supervised child: it stops when its parent is gone, however the parent ended. */
export const SUPERVISED_ENV = 'HERALD_SUPERVISED';

/** A child that ran this long before it exited is restarted at once; sooner, after a doubling delay. */
const HEALTHY_RUN_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * HERALD_PROCESSES=split: starts the dispatcher/projector and worker processes beside this API
 * process, restarts one that exits, and stops them all when this process stops.
 */
@Injectable()
export class ChildProcesses implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('ChildProcesses');
  private readonly running = new Map<string, ChildProcess>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly metrics: MetricsService,
    private readonly alerts: AlertService,
  ) {}

  /** Called once this process listens, so no child races it to set up a new data directory. */
  start(): void {
    for (const spec of this.config.children) {
      this.metrics.childRestarts.inc({ process: spec.name }, 0); // shown at 0 from the start, not only after a first restart
      this.spawn(spec, 0);
    }
  }

  private spawn(spec: ChildProcessSpec, failures: number): void {
    const child = fork(process.argv[1]!, process.argv.slice(2), {
      env: { ...process.env, HERALD_PROCESSES: 'single', HERALD_ROLES: spec.roles.join(','), PORT: String(spec.port), BOOTSTRAP_ADMIN: 'false', [SUPERVISED_ENV]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const startedAt = Date.now();
    this.running.set(spec.name, child);
    try {
      setPriority(child.pid!, Math.min(19, getPriority() + spec.nice));
    } catch (error) {
      this.logger.warn({ msg: 'could not lower the child process priority; it runs at this process priority', process: spec.name, error: String(error) });
    }
    this.logger.log({ msg: 'child process started', process: spec.name, pid: child.pid, roles: spec.roles, port: spec.port });
    let ended = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      this.running.delete(spec.name);
      if (this.stopping) return;
      const streak = Date.now() - startedAt >= HEALTHY_RUN_MS ? 0 : failures + 1;
      const delayMs = streak === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (streak - 1));
      this.logger.error({ msg: 'child process exited; restarting it', process: spec.name, code, signal, restartInMs: delayMs });
      this.metrics.childRestarts.inc({ process: spec.name });
      this.alerts.raise(`process:${spec.name}:exited`, {
        kind: 'process_restarted',
        summary: `Herald's ${spec.name} process exited (${signal ?? `code ${code}`}) and is restarted`,
        details: { process: spec.name, roles: spec.roles, code, signal, restartInMs: delayMs },
      });
      const timer = setTimeout(() => {
        this.restartTimers.delete(timer);
        if (!this.stopping) this.spawn(spec, streak);
      }, delayMs);
      this.restartTimers.add(timer);
    };
    child.once('exit', onEnd);
    // A fork that could not start at all (no pid) emits only 'error': it is restarted like an exit.
    child.on('error', (error) => {
      this.logger.error({ msg: 'child process error', process: spec.name, error: String(error) });
      if (child.pid === undefined) onEnd(null, null);
    });
  }

  /** The children stop alongside this process, each finishing its in-flight work under its own grace period. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    for (const child of this.running.values()) child.kill('SIGTERM');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.running.values()].map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)))));
  }
}
