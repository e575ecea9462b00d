import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ReadModelDb, SqlExecutor } from '../modules/read-models/read-model-db.port.js';

/** Names this process in lease rows: readable in the table, unique across restarts. */
export const leaseHolderId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

function isDeadLocalProcess(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class LeaseLostError extends Error {
  constructor(name: string, holder: string) {
    super(`lease ${name} is no longer held by ${holder}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Who may run a projection: one row per projection in the read-model database, held by one
 * process until it expires. The same SQL works on SQLite and PostgreSQL. A holder renews the
 * row well before it expires; a standby takes it only once it has expired, so the holder's
 * death costs at most one lease period. Expiry alone would let a holder that stalled past its
 * lease (a long GC pause, a frozen VM) write once more beside the new holder, so a sink that
 * writes the read model also calls `fence` inside its transaction: the write commits only if
 * the lease is still this holder's, and the row lock (PostgreSQL) or the database lock
 * (SQLite) orders it against a takeover.
 */
export class ProjectionLease {
  constructor(
    private readonly db: ReadModelDb,
    readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes the lease when free or expired, or extends it when already held: true if held now. */
  async acquire(): Promise<boolean> {
    const now = this.clock();
    const { changes } = await this.db.execute(
      `INSERT INTO projection_leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE projection_leases.holder = excluded.holder OR projection_leases.expires_at < $4`,
      [this.name, this.holder, now + this.ttlMs, now],
    );
    if (changes > 0) return true;
    return this.takeFromDeadNeighbour(now);
  }

  /**
   * A holder on this host whose process is gone (killed, crashed) cannot renew: take its lease
   * now rather than after it expires, so a restarted single-node Herald resumes at once.
   */
  private async takeFromDeadNeighbour(now: number): Promise<boolean> {
    const [row] = await this.db.query<{ holder: string }>('SELECT holder FROM projection_leases WHERE name = $1', [this.name]);
    if (!row || !isDeadLocalProcess(row.holder)) return false;
    const { changes } = await this.db.execute('UPDATE projection_leases SET holder = $3, expires_at = $4 WHERE name = $1 AND holder = $2', [
      this.name,
      row.holder,
      this.holder,
      now + this.ttlMs,
    ]);
    return changes > 0;
  }

  /** Inside the writer's transaction: throws unless the lease is still held, and extends it. */
  async fence(tx: SqlExecutor): Promise<void> {
    // The UPDATE below holds the lease row's lock until this transaction ends. A holder frozen
    // inside it (SIGSTOP, a paused VM) would keep every standby from taking over; PostgreSQL ends
    // a session idle in a transaction for longer than a lease, which releases the lock.
    if (this.db.dialect === 'postgres') await tx.execute(`SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.round(this.ttlMs))}`, []);
    const now = this.clock();
    const { changes } = await tx.execute('UPDATE projection_leases SET expires_at = $3 WHERE name = $1 AND holder = $2 AND expires_at >= $4', [
      this.name,
      this.holder,
      now + this.ttlMs,
      now,
    ]);
    if (changes === 0) throw new LeaseLostError(this.name, this.holder);
  }

  /** Hands the lease back on a clean shutdown, so a standby need not wait for it to expire. */
  async release(): Promise<void> {
    await this.db.execute('DELETE FROM projection_leases WHERE name = $1 AND holder = $2', [this.name, this.holder]);
  }
}

/**
 * Runs `activate` while this process holds the lease and `deactivate` when it loses it: one
 * active process per projection, the others standing by and taking over when it dies.
 */
export class ActiveStandby {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private active = false;
  private heldUntil = 0;
  private tick: Promise<void> | null = null;

  constructor(
    private readonly lease: ProjectionLease,
    private readonly role: { activate: () => Promise<void>; deactivate: () => Promise<void> },
    private readonly clock: () => number = Date.now,
  ) {
    this.logger = new Logger(`Lease:${lease.name}`);
  }

  get isActive(): boolean {
    return this.active;
  }

  start(): void {
    // Renew three times per lease period: a missed renewal or two does not lose the lease.
    const every = Math.max(50, Math.floor(this.lease.ttlMs / 3));
    this.timer = setInterval(() => void this.check(), every);
    this.timer.unref();
    void this.check();
  }

  private check(): Promise<void> {
    this.tick ??= this.renewOrTake().finally(() => (this.tick = null));
    return this.tick;
  }

  private async renewOrTake(): Promise<void> {
    const now = this.clock();
    let held: boolean;
    try {
      held = await this.lease.acquire();
    } catch (error) {
      // Cannot tell: stay active only while the last renewal is still valid.
      held = this.active && now < this.heldUntil;
      this.logger.warn({ msg: 'cannot reach the lease', err: String(error) });
    }
    if (held) this.heldUntil = now + this.lease.ttlMs;
    if (held && !this.active) {
      this.active = true;
      this.logger.log({ msg: 'lease taken: this process runs the projection', holder: this.lease.holder });
      await this.role.activate();
    } else if (!held && this.active) {
      this.active = false;
      this.logger.warn({ msg: 'lease lost: standing by', holder: this.lease.holder });
      await this.role.deactivate();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.tick;
    if (!this.active) return;
    this.active = false;
    await this.role.deactivate();
    await this.lease.release().catch(() => undefined);
  }
}
