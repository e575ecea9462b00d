import pg from 'pg';
import { inPgTransaction } from '../postgres/pg-transaction.js';
import { pendingMigrations, statementsOf } from './migrations.js';
import type { ReadModelDb, SqlExecutor, SqlValue } from './read-model-db.port.js';

const normalise = (params: SqlValue[] = []) => params.map((p) => (typeof p === 'bigint' ? p.toString() : p));

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    query: async <T>(sql: string, params?: SqlValue[]) => (await client.query(sql, normalise(params))).rows as T[],
    execute: async (sql: string, params?: SqlValue[]) => ({ changes: (await client.query(sql, normalise(params))).rowCount ?? 0 }),
  };
}

/** Read models in PostgreSQL (DATABASE_URL), optionally in their own schema. */
export class PostgresReadModelDb implements ReadModelDb {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;

  constructor(
    url: string,
    private readonly schema = 'public',
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    this.pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
    this.pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
    this.direct = executor(this.pool);
  }

  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.direct.query<T>(sql, params);
  }

  execute(sql: string, params?: SqlValue[]): Promise<{ changes: number }> {
    return this.direct.execute(sql, params);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return inPgTransaction(this.pool, (client) => fn(executor(client)));
  }

  async migrate(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
    await this.pool.query('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((await this.query<{ id: number }>('SELECT id FROM schema_migrations')).map((r) => Number(r.id)));
    for (const migration of pendingMigrations(applied)) {
      await this.transaction(async (tx) => {
        // Concurrent starters: the first one to insert the row applies the migration.
        const claimed = await tx.execute('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [migration.id, migration.name, new Date().toISOString()]);
        if (claimed.changes === 0) return;
        for (const sql of statementsOf(migration, this.dialect)) await tx.execute(sql);
      });
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
