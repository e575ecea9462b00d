import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The event log holds contact data and webhook signing secrets: DATA_DIR and the files in it are
 * for their owner only (0700 and 0600).
 */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const GROUP_AND_OTHERS = 0o077;

/** What SQLite keeps beside a database file; it creates them with the database file's mode. */
const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'];

/** Takes group and others' permissions away from a path, if it exists; the owner's stay as they are. */
function narrow(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((mode & GROUP_AND_OTHERS) === 0) return;
  try {
    chmodSync(path, mode & 0o777 & ~GROUP_AND_OTHERS);
  } catch (error) {
    throw new Error(`${path} is readable by others and cannot be made owner-only (${(error as NodeJS.ErrnoException).code}): run Herald as its owner`, { cause: error });
  }
}

/**
 * Run at start: DATA_DIR created owner-only, or narrowed to it together with every file in it, so
 * that data files an earlier version or a copy left readable by others are no longer.
 */
export function restrictDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  narrow(dataDir);
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) if (entry.isFile()) narrow(join(dataDir, entry.name));
}

/**
 * Before SQLite opens `file`: its directory and the file are created owner-only (an empty file
 * is a new database to SQLite, and its -wal and -shm files get the same mode), or narrowed to it.
 */
export function ownerOnlyDatabaseFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  closeSync(openSync(file, 'a', FILE_MODE));
  for (const path of [file, ...SQLITE_COMPANIONS.map((suffix) => file + suffix)]) narrow(path);
}
