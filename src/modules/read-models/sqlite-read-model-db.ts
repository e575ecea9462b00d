import { DatabaseSync } from 'node:sqlite';
import { ownerOnlyDatabaseFile } from '../data-dir/owner-only.js';
import { pendingMigrations, statementsOf } from './migrations.js';
import type { ReadModelDb, SqlExecutor, SqlValue } from './read-model-db.port.js';

/** $1 → ?1: SQLite's numbered parameters take the same positions as PostgreSQL's. */
const toSqlite = (sql: string): string => sql.replace(/\$(\d+)/g, '?$1');

export class SqliteReadModelDb implements ReadModelDb {
  readonly dialect = 'sqlite' as const;
  private readonly db: DatabaseSync;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly executor: SqlExecutor;

  constructor(file: string) {
    if (file !== ':memory:') ownerOnlyDatabaseFile(file);
    this.db = new DatabaseSync(file, { timeout: 5000 });
    // Read models are rebuilt from the log, so they trade fsync-per-commit for speed.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    const db = this.db;
    const cache = new Map<string, ReturnType<DatabaseSync['prepare']>>();
    const prepare = (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(toSqlite(sql));
        cache.set(sql, stmt);
      }
      return stmt;
    };
    this.executor = {
      query: async <T>(sql: string, params: SqlValue[] = []) => prepare(sql).all(...params) as T[],
      execute: async (sql: string, params: SqlValue[] = []) => ({ changes: Number(prepare(sql).run(...params).changes) }),
    };
  }

  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.executor.query<T>(sql, params);
  }

  execute(sql: string, params?: SqlValue[]): Promise<{ changes: number }> {
    return this.executor.execute(sql, params);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.executor);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        // SQLite has already rolled back after some I/O errors: a second ROLLBACK would hide the cause.
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id));
    for (const migration of pendingMigrations(applied)) {
      await this.transaction(async (tx) => {
        for (const sql of statementsOf(migration, this.dialect)) await tx.execute(sql);
        await tx.execute('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [migration.id, migration.name, new Date().toISOString()]);
      });
    }
  }

  async close(): Promise<void> {
    await this.tail;
    this.db.close();
  }
}
