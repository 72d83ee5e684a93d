/**
 * One writer per dataset: an exclusive lock file beside each manifest database (`manifest.sqlite.lock`,
 * `manifest.shard-I-of-N.sqlite.lock`), created with O_EXCL and holding who took it (pid, host, command, since).
 *
 * - build-dataset and ingest lock the database they write; shards of one build lock their own, so they run side by
 *   side in a shared folder.
 * - verify --fix and merge touch the whole folder (its files, every shard's rows): they lock manifest.sqlite as
 *   "folder" holders and refuse while any other lock in the folder is live; a shard build refuses while a folder
 *   holder is live. Whichever of two such commands starts second stops before changing anything.
 * - A lock whose holder is dead (same host: no such process, or the pid now names a process that started later) is
 *   taken over with a note; a lock from another host is never taken over (its holder cannot be checked from here).
 * - Read-only commands (stats, query, export, serve, verify without --fix) never look at locks.
 */
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BusyError, OutputError } from '../errors.js';

export interface LockHolder {
  pid: number; host: string; command: string; since: string;
  /** 'database': writes one manifest database; 'folder': touches every file and database of the folder. */
  scope: 'database' | 'folder';
  /** The process's start time (clock ticks since boot, /proc), to tell a reused pid from the holder. */
  procStart?: number;
  token: string;
}

export interface DatasetLock { file: string; holder: LockHolder; release(): Promise<void> }

function procStart(pid: number): number | undefined {
  try { return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[19]); } catch { return undefined; }
}

/** Whether the holder of a lock is still running (on this host; another host's holder counts as alive). */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== os.hostname()) return true;
  try { process.kill(h.pid, 0); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false; }
  const now = procStart(h.pid);
  return h.procStart === undefined || now === undefined || now === h.procStart;
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host}, \`${h.command}\`, since ${h.since}`;
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try { return JSON.parse(await fs.readFile(file, 'utf8')) as LockHolder; } catch { return null; }
}

/**
 * Take the lock of database `dbName` in `dir` for `command`. Throws BusyError naming the holder when another live
 * process has it; `note` hears about a dead holder's lock being taken over.
 */
export async function lockDatabase(dir: string, dbName: string, command: string, o: { scope?: 'database' | 'folder'; note?: (line: string) => void } = {}): Promise<DatasetLock> {
  const scope = o.scope ?? 'database';
  const file = path.join(dir, `${dbName}.lock`);
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString(), scope, procStart: procStart(process.pid), token: randomBytes(8).toString('hex') };
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await fs.open(file, 'wx');
      try { await fh.writeFile(JSON.stringify(holder) + '\n'); } finally { await fh.close(); }
      break;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST') throw new OutputError(`${file}: cannot create the dataset lock (${err.code ?? err.message})`, { cause: e });
      const other = await readHolder(file);
      if (other && holderAlive(other)) throw new BusyError(`${dir} is in use: ${describeHolder(other)} holds ${path.basename(file)}; wait for it to finish (or, if that process is gone on another host, remove the lock file)`);
      if (attempt > 5) throw new BusyError(`${file}: could not take over a stale lock (another process keeps taking it)`);
      // the holder is gone: move its lock aside (atomic; whoever renames first takes over), then try again
      const aside = `${file}.stale-${process.pid}-${holder.token}`;
      try { await fs.rename(file, aside); } catch { continue; }
      await fs.rm(aside, { force: true });
      o.note?.(`note: took over the lock of ${path.basename(file)} left by ${other ? `${describeHolder(other)}, which is no longer running` : 'an unreadable lock file'}`);
    }
  }
  const lock: DatasetLock = {
    file, holder,
    release: async () => {
      const now = await readHolder(file);
      if (now?.token === holder.token) await fs.rm(file, { force: true });
    },
  };
  try {
    await checkNeighbours(dir, path.basename(file), scope);
  } catch (e) { await lock.release(); throw e; }
  return lock;
}

/** A folder holder needs every other lock in the folder idle; a database holder needs no live folder holder. */
async function checkNeighbours(dir: string, mine: string, scope: 'database' | 'folder'): Promise<void> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.sqlite.lock') && n !== mine);
  for (const n of names) {
    const h = await readHolder(path.join(dir, n));
    if (!h || !holderAlive(h)) continue;
    if (scope === 'folder' || h.scope === 'folder') throw new BusyError(`${dir} is in use: ${describeHolder(h)} holds ${n}; wait for it to finish`);
  }
}
