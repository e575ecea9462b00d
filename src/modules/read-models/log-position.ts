/**
 * Log positions in read-model columns. Each event store has its own range: SQLite and
 * PostgreSQL count events, EventStoreDB's packed (commit, prepare) pair takes 128 bits, more than
 * any integer column holds. As 40-digit zero-padded decimal text every position fits, and text
 * order is log order, so `position <= $1` and ORDER BY mean what they say on both databases.
 */
const DIGITS = 40;

export const positionKey = (position: bigint): string => position.toString().padStart(DIGITS, '0');

/** A position as a client sees it (SSE ids, cursors): plain decimal, up to 40 digits. */
export const POSITION_TEXT = /^\d{1,40}$/;
