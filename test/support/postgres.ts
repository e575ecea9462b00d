import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';

/**
 * A PostgreSQL schema of the test's own on DATABASE_URL, dropped when the test ends, so suites
 * run side by side on one server. `prefix` says whose it is when one is left behind.
 */
export function freshSchema(t: Pick<TestContext, 'after'>, prefix = 't'): string {
  const schema = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  t.after(async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      // Never wait forever on a lock that a stopped (SIGSTOP) process of the test still holds.
      await client.query(`SET lock_timeout = '10s'`);
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } catch (error) {
      console.log(`# schema ${schema} left behind: ${(error as Error).message}`);
    } finally {
      await client.end();
    }
  });
  return schema;
}
