/**
 * The SQLite file under a manifest (better-sqlite3 12): schema, migrations, opening, and the mapping of a damaged
 * file's errors to one line. One writer at a time (the lock in lock.ts), WAL mode so readers (`uir manifest ...`,
 * `uir serve`) can run during a build. Everything above this goes through ManifestStore (store.ts).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { ConfigError, InputError, OutputError } from '../errors.js';

export const SCHEMA_VERSION = 2;
export const MANIFEST_FILE = 'manifest.sqlite';

export type DB = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
  command TEXT NOT NULL, recipe_name TEXT, recipe_hash TEXT, recipe_json TEXT, seed TEXT, shard TEXT,
  versions_json TEXT NOT NULL, stats_json TEXT
);
CREATE TABLE IF NOT EXISTS sources (
  hash TEXT PRIMARY KEY,
  path TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, format TEXT NOT NULL, bytes INTEGER NOT NULL,
  split TEXT NOT NULL, real INTEGER NOT NULL DEFAULT 0, origin TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crops (
  id TEXT PRIMARY KEY,
  source_hash TEXT NOT NULL REFERENCES sources(hash), tile INTEGER NOT NULL,
  x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL,
  path TEXT NOT NULL, hash TEXT, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pairs (
  id TEXT PRIMARY KEY,
  crop_id TEXT, source_hash TEXT NOT NULL REFERENCES sources(hash),
  type TEXT NOT NULL, code TEXT NOT NULL, level INTEGER NOT NULL, params TEXT NOT NULL, seed TEXT NOT NULL,
  lq_path TEXT NOT NULL, gt_path TEXT NOT NULL, lq_hash TEXT, gt_hash TEXT,
  width INTEGER NOT NULL, height INTEGER NOT NULL,
  split TEXT NOT NULL, real INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL,
  scale REAL
);
CREATE INDEX IF NOT EXISTS pairs_type_level ON pairs(type, level);
CREATE INDEX IF NOT EXISTS pairs_split ON pairs(split);
CREATE INDEX IF NOT EXISTS pairs_source ON pairs(source_hash);
CREATE INDEX IF NOT EXISTS pairs_status ON pairs(status);
CREATE TABLE IF NOT EXISTS rejects (path TEXT PRIMARY KEY, reason TEXT NOT NULL, run_id INTEGER);
`;

/**
 * Migrations from version i (index i - 1) to i + 1, run in one transaction when a writer opens an older manifest.
 * Readers open older versions as they are.
 */
const MIGRATIONS: ((db: DB) => void)[] = [
  // 1 -> 2: the spatial scale each pair's params were sampled at (its source photograph's short side / 512)
  (db) => { db.exec('ALTER TABLE pairs ADD COLUMN scale REAL'); },
];

export function manifestPath(dir: string, name = MANIFEST_FILE): string {
  return path.join(dir, name);
}

/** SQLite's ways of saying the file is not a healthy database. */
function isCorrupt(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || /database disk image is malformed|file is not a database/i.test((e as Error).message ?? '');
}

/** The one line a damaged manifest gives, wherever SQLite notices it. */
export function corruptError(file: string, e: unknown): InputError {
  return new InputError(`${file}: the manifest is damaged (${(e as Error).message}); \`uir manifest verify\` checks the files it lists, and a rebuild with the same recipe and seed into a fresh {out} remakes it`, { cause: e });
}

/**
 * Wrap a database so that corruption found by any statement, at any time, becomes the one-line InputError naming the
 * file (exit 4), instead of an SqliteError from deep inside a query (which bin/ would report as a bug).
 */
function guard<T extends object>(target: T, file: string): T {
  return new Proxy(target, {
    get(t, key) {
      const v = Reflect.get(t, key, t) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        let out: unknown;
        try { out = (v as (...a: unknown[]) => unknown).apply(t, args); } catch (e) { throw isCorrupt(e) ? corruptError(file, e) : e; }
        if (out === t) return guardedSelf(t);
        // statements (prepare) and transaction functions are guarded too; rows and values are returned as they are
        const isStatement = typeof out === 'object' && out !== null && typeof (out as { run?: unknown }).run === 'function' && typeof (out as { all?: unknown }).all === 'function';
        return isStatement || typeof out === 'function' ? guard(out as object, file) : out;
      };
    },
    apply(t, thisArg, args) {
      try { return Reflect.apply(t as (...a: unknown[]) => unknown, thisArg, args); } catch (e) { throw isCorrupt(e) ? corruptError(file, e) : e; }
    },
  });
  function guardedSelf(t: T): T { return guard(t, file); }
}

/** Open (creating if asked) a manifest database, checking its schema version and migrating older ones on write. */
export function openDatabase(file: string, opts: { create?: boolean; readonly?: boolean } = {}): DB {
  if (!opts.create && !existsSync(file)) throw new InputError(`${file}: no manifest here (build one with \`uir build-dataset\` or \`uir ingest\`)`);
  let db: DB;
  try {
    db = new Database(file, { readonly: !!opts.readonly, fileMustExist: !opts.create });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (isCorrupt(e)) throw corruptError(file, e);
    if (opts.create) throw new OutputError(`${file}: cannot create the manifest (${err.code ?? err.message})`, { cause: e });
    throw new InputError(`${file}: cannot open the manifest (${err.message})`, { cause: e });
  }
  try {
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      const v = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined;
      if (!v) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
      else if (Number(v.value) < SCHEMA_VERSION) {
        db.transaction(() => {
          for (let i = Number(v.value); i < SCHEMA_VERSION; i++) MIGRATIONS[i - 1]!(db);
          db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(String(SCHEMA_VERSION), 'schema_version');
        })();
      }
    }
    const v = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined;
    if (!v) throw new ConfigError([{ path: file, message: 'not a uir manifest (no schema_version)' }]);
    if (Number(v.value) > SCHEMA_VERSION) throw new ConfigError([{ path: file, message: `manifest schema version ${v.value}, this uir reads versions up to ${SCHEMA_VERSION}` }]);
  } catch (e) {
    db.close();
    if (e instanceof ConfigError) throw e;
    if (isCorrupt(e)) throw corruptError(file, e);
    throw new InputError(`${file}: not a readable uir manifest (${(e as Error).message})`, { cause: e });
  }
  return guard(db, file);
}

export interface PairRow {
  id: string; crop_id: string | null; source_hash: string; type: string; code: string; level: number; params: string; seed: string;
  lq_path: string; gt_path: string; lq_hash: string | null; gt_hash: string | null; width: number; height: number;
  split: string; real: number; status: string;
  /** Spatial scale of the sampled params (source photograph's short side / 512); null for ingested and older pairs. */
  scale?: number | null;
}
