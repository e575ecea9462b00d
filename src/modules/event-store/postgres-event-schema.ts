/** Channel on which every committed batch is announced, its payload the schema's name. */
export const NOTIFY_CHANNEL = 'herald_events';
/** First key of the two-key advisory lock: Herald's event log (the second is the table's oid). */
export const LOCK_CLASS = 0x4845; // "HE"

/**
 * The PostgreSQL event log's schema: one table and one function that appends a whole batch of
 * appends in one statement, hence one round trip and one commit for many users' decisions
 * (group commit).
 *
 * Why the advisory lock: positions come from an identity sequence, and a sequence hands out
 * numbers in the order transactions *ask*, not the order they *commit*. Without a lock, a
 * transaction holding position 10 may commit after another one holding 11; a subscriber that
 * read 11 and moved its checkpoint past it would never see 10. Taking one transaction-level
 * advisory lock before any position is assigned serialises appends: a transaction can only
 * draw positions once the previous appender has committed (PostgreSQL makes a commit visible
 * before it releases the transaction's locks), so the committed events are always a prefix of
 * the positions handed out, and "everything after my checkpoint" never skips a late commit.
 * The cost is one appender at a time across all processes, which batching makes up for. The
 * same lock makes the expected-revision check and the insert atomic, so the unique
 * (stream, revision) constraint is a backstop, never the normal conflict path.
 */
export const SCHEMA_SQL = (schema: string) => [
  `CREATE SCHEMA IF NOT EXISTS ${schema}`,
  `CREATE TABLE IF NOT EXISTS ${schema}.events (
     position   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     event_id   TEXT        NOT NULL UNIQUE,
     stream     TEXT        NOT NULL,
     revision   INTEGER     NOT NULL,
     type       TEXT        NOT NULL,
     data       JSON        NOT NULL,
     metadata   JSON        NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     UNIQUE (stream, revision)
   )`,
  // Each element of `batch`: {stream, expected: "any"|"no_stream"|"stream_exists"|"<n>", events: [{id, type, data, metadata}]}.
  // One result row per element, in order: ok (next revision, last position), conflict (actual
  // revision, -1 for no stream) or reused_id (an event id already in the log, not as a replay).
  `CREATE OR REPLACE FUNCTION ${schema}.herald_append(batch JSON)
   RETURNS TABLE (ord INTEGER, outcome TEXT, next_revision INTEGER, last_position BIGINT)
   LANGUAGE plpgsql AS $fn$
   DECLARE
     item JSON;
     ev JSON;
     i INTEGER := 0;
     current_rev INTEGER;
     expected TEXT;
     ids TEXT[];
     found_count INTEGER;
     first_rev INTEGER;
     consistent BOOLEAN;
     pos BIGINT;
     rev INTEGER;
   BEGIN
     PERFORM pg_advisory_xact_lock(${LOCK_CLASS}, '${schema}.events'::regclass::oid::integer);
     FOR item IN SELECT * FROM json_array_elements(batch) LOOP
       ord := i;
       i := i + 1;
       expected := item->>'expected';
       SELECT array_agg(e->>'id') INTO ids FROM json_array_elements(item->'events') e;
       SELECT MAX(revision) INTO current_rev FROM ${schema}.events WHERE stream = item->>'stream';
       IF ids IS NOT NULL THEN
         SELECT COUNT(*), MIN(revision),
                bool_and(stream = item->>'stream') AND MAX(revision) - MIN(revision) + 1 = COUNT(*)
           INTO found_count, first_rev, consistent
           FROM ${schema}.events WHERE event_id = ANY(ids);
         IF found_count > 0 THEN
           -- The same events again (a retry after a lost answer): answer as the first time.
           IF found_count = array_length(ids, 1) AND consistent THEN
             SELECT revision, position INTO next_revision, last_position FROM ${schema}.events
               WHERE event_id = ids[array_length(ids, 1)];
             IF next_revision = first_rev + found_count - 1 THEN
               outcome := 'ok';
               RETURN NEXT;
               CONTINUE;
             END IF;
           END IF;
           outcome := 'reused_id'; next_revision := COALESCE(current_rev, -1); last_position := NULL;
           RETURN NEXT;
           CONTINUE;
         END IF;
       END IF;
       IF NOT (expected = 'any'
               OR (expected = 'no_stream' AND current_rev IS NULL)
               OR (expected = 'stream_exists' AND current_rev IS NOT NULL)
               OR (expected ~ '^[0-9]+$' AND current_rev = expected::INTEGER)) THEN
         outcome := 'conflict'; next_revision := COALESCE(current_rev, -1); last_position := NULL;
         RETURN NEXT;
         CONTINUE;
       END IF;
       rev := COALESCE(current_rev, -1);
       pos := NULL;
       FOR ev IN SELECT * FROM json_array_elements(item->'events') LOOP
         rev := rev + 1;
         INSERT INTO ${schema}.events (event_id, stream, revision, type, data, metadata)
           VALUES (ev->>'id', item->>'stream', rev, ev->>'type', ev->'data', ev->'metadata')
           RETURNING position INTO pos;
       END LOOP;
       IF pos IS NULL THEN
         SELECT COALESCE(MAX(position), 0) INTO pos FROM ${schema}.events;
       END IF;
       outcome := 'ok'; next_revision := rev; last_position := pos;
       RETURN NEXT;
     END LOOP;
     PERFORM pg_notify('${NOTIFY_CHANNEL}', '${schema}');
   END
   $fn$`,
];
