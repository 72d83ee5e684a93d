/**
 * ManifestStore: the one typed door to a dataset's SQLite manifest. Every statement uir runs against a manifest lives
 * in src/manifest/ (this file, queries.ts, verify.ts, merge.ts); commands and the pipeline call methods. A writer
 * holds the dataset lock (lock.ts) from open to close; readers never take it.
 */
import path from 'node:path';
import { openDatabase, manifestPath, MANIFEST_FILE, type DB, type PairRow } from './db.js';
import { lockDatabase, type DatasetLock } from './lock.js';
import { manifestStats, queryPairs, countPairs, type PairFilter, type Stats } from './queries.js';

export interface RunStart {
  command: string; recipeName?: string; recipeHash?: string; recipeJson?: string; seed?: string; shard?: string | null;
  versions: Record<string, string>; stats?: unknown;
}
export type RunStatus = 'running' | 'done' | 'interrupted' | 'failed';

export interface SourceRow { hash: string; path: string; width: number; height: number }
export interface CropRow { id: string; x: number; y: number; w: number; h: number; path: string; hash: string | null; status: string }
export interface PendingPairRow { id: string; crop_id: string; type: string; params: string; seed: string; lq_path: string }

/** What a build worker reports, recorded by applyResults. */
export type BuildResult =
  | { kind: 'crop'; source: string; id: string; hash: string }
  | { kind: 'pair'; source: string; id: string; lqHash: string; gtHash: string }
  | { kind: 'done'; source: string }
  | { kind: 'reject'; source: string; reason: string };

/** A planned source with its crops and pairs, as the planner writes it. */
export interface PlannedSource {
  file: string; hash: string; width: number; height: number; format: string; bytes: number; split: string;
  crops: { id: string; tile: number; x: number; y: number; w: number; h: number; path: string }[];
  pairs: { id: string; cropId: string; type: string; code: string; level: number; params: Record<string, unknown>; seed: number; lqPath: string; gtPath: string; width: number; height: number; scale: number }[];
}

/** An ingested pair (files stay where they are unless copied in; paths as stored). */
export interface IngestedPair {
  id: string; type: string; code: string; level: number; lqPath: string; gtPath: string; lqHash: string; gtHash: string;
  gtSource: string; width: number; height: number; format: string; bytes: number; split: string; real: boolean;
}

export class ManifestStore {
  private constructor(readonly dir: string, readonly file: string, readonly db: DB, private lock: DatasetLock | null) {}

  /**
   * Open (creating it) the manifest `dbName` of dataset folder `dir` for writing, holding its lock until close();
   * `scope: 'folder'` for commands that touch every file of the folder (verify --fix, merge).
   */
  static async openWriter(dir: string, o: { command: string; dbName?: string; scope?: 'database' | 'folder'; mustExist?: boolean; note?: (line: string) => void }): Promise<ManifestStore> {
    const name = o.dbName ?? MANIFEST_FILE;
    if (o.mustExist) openDatabase(manifestPath(dir, name), { readonly: true }).close(); // the one-line error of a missing or damaged manifest, before any lock
    const lock = await lockDatabase(dir, name, o.command, { scope: o.scope, note: o.note });
    try {
      const file = manifestPath(dir, name);
      const store = new ManifestStore(dir, file, openDatabase(file, { create: true }), lock);
      const stale = store.interruptStaleRuns();
      if (stale) o.note?.(`note: ${stale} run(s) of an earlier process that did not finish are now marked interrupted`);
      return store;
    } catch (e) { await lock.release(); throw e; }
  }

  /** Open an existing manifest read-only (no lock: fine while a build writes). */
  static openReader(dir: string, dbName = MANIFEST_FILE): ManifestStore {
    const file = manifestPath(dir, dbName);
    return new ManifestStore(dir, file, openDatabase(file, { readonly: true }), null);
  }

  /** Open a manifest database file read-only (a shard to merge). */
  static openFile(file: string): ManifestStore {
    return new ManifestStore(path.dirname(file), file, openDatabase(file, { readonly: true }), null);
  }

  async close(): Promise<void> {
    this.db.close();
    const lock = this.lock;
    this.lock = null;
    await lock?.release();
  }

  transaction<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void {
    return this.db.transaction(fn) as unknown as (...a: A) => void;
  }

  // runs

  startRun(r: RunStart): number {
    return Number(this.db.prepare('INSERT INTO runs (started_at, status, command, recipe_name, recipe_hash, recipe_json, seed, shard, versions_json, stats_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), 'running', r.command, r.recipeName ?? null, r.recipeHash ?? null, r.recipeJson ?? null, r.seed ?? null, r.shard ?? null, JSON.stringify(r.versions), r.stats === undefined ? null : JSON.stringify(r.stats)).lastInsertRowid);
  }

  finishRun(id: number, status: RunStatus, stats?: unknown): void {
    this.db.prepare('UPDATE runs SET finished_at = ?, status = ?, stats_json = coalesce(?, stats_json) WHERE id = ?').run(new Date().toISOString(), status, stats === undefined ? null : JSON.stringify(stats), id);
  }

  /** End a run that is still 'running' (after a failure; a finished run keeps its status). */
  endRunIfRunning(id: number, status: RunStatus): void {
    this.db.prepare('UPDATE runs SET finished_at = ?, status = ? WHERE id = ? AND status = ?').run(new Date().toISOString(), status, id, 'running');
  }

  /** Runs left 'running' by a process that was killed: called with the lock held, so none of them is live. */
  interruptStaleRuns(): number {
    return this.db.prepare("UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?) WHERE status = 'running'").run(new Date().toISOString()).changes;
  }

  runs(): { id: number; command: string; status: string; started_at: string; finished_at: string | null }[] {
    return this.db.prepare('SELECT id, command, status, started_at, finished_at FROM runs ORDER BY id').all() as { id: number; command: string; status: string; started_at: string; finished_at: string | null }[];
  }

  lastBuildRecipe(): { hash: string; name: string } | undefined {
    const r = this.db.prepare("SELECT recipe_hash, recipe_name FROM runs WHERE command = 'build-dataset' AND recipe_hash IS NOT NULL ORDER BY id DESC LIMIT 1").get() as { recipe_hash: string; recipe_name: string } | undefined;
    return r && { hash: r.recipe_hash, name: r.recipe_name };
  }

  /** The newest recipe hash of any run (a training run's record of the data it saw). */
  latestRecipeHash(): string | undefined {
    return (this.db.prepare('SELECT recipe_hash FROM runs WHERE recipe_hash IS NOT NULL ORDER BY id DESC LIMIT 1').get() as { recipe_hash: string } | undefined)?.recipe_hash;
  }

  /** The folders `uir ingest` indexed in place (their files are referenced by absolute paths). */
  ingestRoots(): string[] {
    const rows = this.db.prepare("SELECT stats_json FROM runs WHERE command = 'ingest' AND stats_json IS NOT NULL").all() as { stats_json: string }[];
    const out = new Set<string>();
    for (const r of rows) {
      try {
        const s = JSON.parse(r.stats_json) as { lq?: unknown; gt?: unknown };
        for (const d of [s.lq, s.gt]) if (typeof d === 'string' && path.isAbsolute(d)) out.add(d);
      } catch { /* a run without readable stats recorded no roots */ }
    }
    return [...out];
  }

  // planning (build-dataset)

  upsertReject(file: string, reason: string, runId: number | null): void {
    this.db.prepare('INSERT INTO rejects (path, reason, run_id) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, run_id = excluded.run_id').run(file, reason, runId);
  }

  sourceByHash(hash: string): { path: string; status: string; width: number; height: number } | undefined {
    return this.db.prepare('SELECT path, status, width, height FROM sources WHERE hash = ?').get(hash) as { path: string; status: string; width: number; height: number } | undefined;
  }

  /** Record planned sources with their pending crops and pairs, in one transaction. */
  addPlanned(sources: PlannedSource[]): void {
    const clear = this.db.prepare('DELETE FROM rejects WHERE path = ?');
    const src = this.db.prepare("INSERT OR IGNORE INTO sources (hash, path, width, height, format, bytes, split, real, origin, status) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'synthetic', 'planned')");
    const crop = this.db.prepare("INSERT OR IGNORE INTO crops (id, source_hash, tile, x, y, w, h, path, hash, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 'pending')");
    const pair = this.db.prepare("INSERT OR IGNORE INTO pairs (id, crop_id, source_hash, type, code, level, params, seed, lq_path, gt_path, lq_hash, gt_hash, width, height, split, real, status, scale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, 0, 'pending', ?)");
    this.db.transaction(() => {
      for (const s of sources) {
        clear.run(s.file);
        src.run(s.hash, s.file, s.width, s.height, s.format, s.bytes, s.split);
        for (const c of s.crops) crop.run(c.id, s.hash, c.tile, c.x, c.y, c.w, c.h, c.path);
        for (const p of s.pairs) pair.run(p.id, p.cropId, s.hash, p.type, p.code, p.level, JSON.stringify(p.params), String(p.seed), p.lqPath, p.gtPath, p.width, p.height, s.split, p.scale);
      }
    })();
  }

  countPairsWithStatus(status: 'done' | 'pending' | 'not-rejected'): number {
    const row = status === 'not-rejected'
      ? this.db.prepare("SELECT count(*) AS n FROM pairs WHERE status != 'rejected'").get()
      : this.db.prepare('SELECT count(*) AS n FROM pairs WHERE status = ?').get(status);
    return (row as { n: number }).n;
  }

  /** Sources that are (or will be) built from: planned or done, not rejected. */
  countUsableSources(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM sources WHERE status != 'rejected'").get() as { n: number }).n;
  }

  /** The reason of one reject (for a one-line summary), or undefined when there are none. */
  firstReject(): string | undefined {
    return (this.db.prepare('SELECT reason FROM rejects ORDER BY run_id DESC, path LIMIT 1').get() as { reason: string } | undefined)?.reason;
  }

  /** Planned sources after `cursor` in hash order (the build's work list, streamed). */
  nextPlannedSources(cursor: string, limit = 256): SourceRow[] {
    return this.db.prepare("SELECT hash, path, width, height FROM sources WHERE status = 'planned' AND hash > ? ORDER BY hash LIMIT ?").all(cursor, limit) as SourceRow[];
  }

  cropsOf(hash: string): CropRow[] {
    return this.db.prepare('SELECT id, x, y, w, h, path, hash, status FROM crops WHERE source_hash = ? ORDER BY tile').all(hash) as CropRow[];
  }

  pendingPairsOf(hash: string): PendingPairRow[] {
    return this.db.prepare("SELECT id, crop_id, type, params, seed, lq_path FROM pairs WHERE source_hash = ? AND status = 'pending' ORDER BY id").all(hash) as PendingPairRow[];
  }

  /** Record what workers made, in one transaction: files done, sources finished or rejected (with their plan). */
  applyResults(results: readonly BuildResult[], runId: number): void {
    const setCrop = this.db.prepare("UPDATE crops SET status = 'done', hash = ? WHERE id = ?");
    const setPair = this.db.prepare("UPDATE pairs SET status = 'done', lq_hash = ?, gt_hash = ? WHERE id = ?");
    const setSource = this.db.prepare('UPDATE sources SET status = ? WHERE hash = ?');
    const dropPairs = this.db.prepare("UPDATE pairs SET status = 'rejected' WHERE source_hash = ?");
    const dropCrops = this.db.prepare("UPDATE crops SET status = 'rejected' WHERE source_hash = ?");
    this.db.transaction(() => {
      for (const m of results) {
        if (m.kind === 'crop') setCrop.run(m.hash, m.id);
        else if (m.kind === 'pair') setPair.run(m.lqHash, m.gtHash, m.id);
        else if (m.kind === 'done') setSource.run('done', m.source);
        else {
          const src = this.sourceByHash(m.source);
          setSource.run('rejected', m.source);
          dropPairs.run(m.source); dropCrops.run(m.source);
          if (src) this.upsertReject(src.path, m.reason, runId);
        }
      }
    })();
  }

  // ingest

  /** Record ingested pairs and the files that could not be paired, in one transaction. */
  addIngested(pairs: readonly IngestedPair[], rejects: readonly { path: string; reason: string }[], runId: number): void {
    const src = this.db.prepare("INSERT OR IGNORE INTO sources (hash, path, width, height, format, bytes, split, real, origin, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ingest', 'done')");
    const pair = this.db.prepare(`INSERT INTO pairs (id, crop_id, source_hash, type, code, level, params, seed, lq_path, gt_path, lq_hash, gt_hash, width, height, split, real, status)
      VALUES (?, NULL, ?, ?, ?, ?, '{}', '', ?, ?, ?, ?, ?, ?, ?, ?, 'done') ON CONFLICT(id) DO NOTHING`);
    this.db.transaction(() => {
      for (const r of rejects) this.upsertReject(r.path, r.reason, runId);
      for (const p of pairs) {
        src.run(p.gtHash, p.gtSource, p.width, p.height, p.format, p.bytes, p.split, p.real ? 1 : 0);
        pair.run(p.id, p.gtHash, p.type, p.code, p.level, p.lqPath, p.gtPath, p.lqHash, p.gtHash, p.width, p.height, p.split, p.real ? 1 : 0);
      }
    })();
  }

  // reading

  queryPairs(f: PairFilter, limit?: number, offset = 0): PairRow[] { return queryPairs(this.db, f, limit, offset); }
  countPairs(f: PairFilter): number { return countPairs(this.db, f); }
  stats(): Stats { return manifestStats(this.db); }
  pairById(id: string): PairRow | undefined { return this.db.prepare('SELECT * FROM pairs WHERE id = ?').get(id) as PairRow | undefined; }
  /** A smoke read of the pairs table (a file that opens may still not be a manifest one can query). */
  probe(): void { this.db.prepare('SELECT count(*) FROM pairs').get(); }
}
