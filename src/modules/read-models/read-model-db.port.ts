/** SQL read models: SQLite embedded, PostgreSQL in production. Queries use $1, $2 … parameters. */
export const READ_MODEL_DB = Symbol('ReadModelDb');

export type SqlValue = string | number | bigint | null;

export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  execute(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
}

export interface ReadModelDb extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs fn in one transaction; transactions never interleave. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}
