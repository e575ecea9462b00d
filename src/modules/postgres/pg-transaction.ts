import type pg from 'pg';

/**
 * Runs `fn` in a transaction on a client of its own. A checked-out client has none of the pool's
 * error listeners, so a session the server ends under it (a pause past
 * idle_in_transaction_session_timeout, a server restart) was an unhandled 'error' that ended the
 * whole process. Here it fails the transaction instead, and the client is discarded, not
 * returned to the pool.
 */
export async function inPgTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => void (lost = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}
