import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { PostgresReadModelDb } from '../../src/modules/read-models/postgres-read-model-db.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { SqliteReadModelDb } from '../../src/modules/read-models/sqlite-read-model-db.js';
import { freshSchema } from './postgres.js';
import { tempDir } from './temp.js';

export interface ReadModelBackend {
  name: string;
  /** Why the backend cannot run here, or false. */
  skip: string | false;
  /** `count` migrated connections to one fresh read-model database, as that many processes would have; closed when the test ends. */
  open(t: TestContext, count?: number): Promise<ReadModelDb[]>;
}

async function connections(t: TestContext, count: number, connect: () => ReadModelDb): Promise<ReadModelDb[]> {
  const dbs: ReadModelDb[] = [];
  t.after(async () => {
    for (const db of dbs) await db.close();
  });
  for (let i = 0; i < count; i++) {
    const db = connect();
    dbs.push(db);
    await db.migrate();
  }
  return dbs;
}

/** SQLite (a file in a temp directory) and, when DATABASE_URL is set, PostgreSQL (a schema of its own). */
export function readModelBackends(): [sqlite: ReadModelBackend, postgres: ReadModelBackend] {
  const url = process.env.DATABASE_URL;
  if (!url) console.log('# SKIPPED: PostgreSQL read-model suites (DATABASE_URL is not set; npm test starts PostgreSQL)');
  return [
    {
      name: 'SQLite',
      skip: false,
      open: (t, count = 1) => {
        const file = join(tempDir(t), 'rm.db');
        return connections(t, count, () => new SqliteReadModelDb(file));
      },
    },
    {
      name: 'PostgreSQL',
      skip: url ? false : 'DATABASE_URL is not set',
      open: (t, count = 1) => {
        const schema = freshSchema(t, 'rm');
        return connections(t, count, () => new PostgresReadModelDb(url!, schema));
      },
    },
  ];
}
