/**
 * `uir build-dataset`: sources -> plan (SQLite, pending rows) -> worker pool -> files -> rows marked done.
 *
 * Crash safety: every file is written under a temporary name and renamed; a pair becomes 'done' only after the
 * worker reports its file in place; stale temporary files are removed when a build starts. Killing the process at
 * any moment and running the same command again regenerates exactly the pending pairs (deterministic bytes), so
 * the end state has no duplicate rows, no missing pairs and no orphan files.
 */
import { promises as fs } from 'node:fs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { fork } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import fg from 'fast-glob';
import sharp from 'sharp';
import type { LoadedRecipe } from './recipe.js';
import { planSource, shardOf } from './plan.js';
import { openManifest, manifestPath, type DB } from '../manifest/db.js';
import { toolVersions } from './versions.js';
import { Progress } from './progress.js';
import { DEFAULT_MAX_PIXELS, INPUT_EXTENSIONS, outputError, readImageHeader, type ImageHeader } from '../io/image-io.js';
import { InputError, OutputError, UsageError, InterruptedError } from '../errors.js';
import type { SourceTask, WorkerMessage } from './worker.js';
import { builtFileBeside } from '../paths.js';

export interface Shard { index: number; count: number }

export interface BuildOptions {
  recipe: LoadedRecipe;
  /** Glob patterns (fast-glob); default: the recipe's sources. */
  src: string[];
  out: string;
  jobs: number;
  shard: Shard | null;
  strict: boolean;
  maxPixels?: number;
  progress?: 'auto' | 'bar' | 'plain' | 'none';
  /** Aborting stops the build as Ctrl-C does. */
  signal?: AbortSignal;
  /** Worker threads (default) or child processes. */
  pool?: 'threads' | 'processes';
  command?: string;
}

export interface BuildStats { sources: number; rejected: number; duplicates: number; pairs: number; made: number; crops: number; seconds: number; pairsPerSecond: number; db: string;
  /** Peak resident memory of the build, MB: with worker processes, of all processes together (sampled every 100 ms on Linux). */
  peakRssMb: number;
  /** An upper bound of it: the sum of each process's own peak. */
  peakRssBoundMb: number }


/** Shard from --shard i/n or from the job-array variables of Kubernetes, Slurm and AWS Batch. */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard | null {
  const parse = (i: number, n: number, from: string): Shard => {
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(i) || i < 0 || i >= n) throw new UsageError(`${from}: expected shard index 0-${Number.isInteger(n) && n > 0 ? n - 1 : 'n-1'} of n >= 1, received ${i}/${n}`);
    return { index: i, count: n };
  };
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!m) throw new UsageError(`--shard: expected i/n such as 0/4, received '${flag}'`);
    return parse(Number(m[1]), Number(m[2]), '--shard');
  }
  const count = env.UIR_SHARD_COUNT ?? env.SLURM_ARRAY_TASK_COUNT;
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (!count) throw new UsageError('JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job) but not the shard count: set UIR_SHARD_COUNT to the Job\'s completions or pass --shard i/n');
    return parse(Number(env.JOB_COMPLETION_INDEX), Number(count), 'JOB_COMPLETION_INDEX/UIR_SHARD_COUNT');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    if (!count) throw new UsageError('SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: pass --shard i/n');
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    return parse(Number(env.SLURM_ARRAY_TASK_ID) - min, Number(count), 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  if (env.AWS_BATCH_JOB_ARRAY_INDEX !== undefined) {
    const n = env.UIR_SHARD_COUNT ?? env.AWS_BATCH_JOB_ARRAY_SIZE;
    if (!n) throw new UsageError('AWS_BATCH_JOB_ARRAY_INDEX is set but not the array size: set UIR_SHARD_COUNT or pass --shard i/n');
    return parse(Number(env.AWS_BATCH_JOB_ARRAY_INDEX), Number(n), 'AWS_BATCH_JOB_ARRAY_INDEX/UIR_SHARD_COUNT');
  }
  return null;
}

export function shardDbName(shard: Shard | null): string {
  return shard && shard.count > 1 ? `manifest.shard-${shard.index}-of-${shard.count}.sqlite` : 'manifest.sqlite';
}

/**
 * Workers are child processes by default: measured with 2 workers on 2 cores, separate processes build 1.9x as fast
 * as one worker, worker threads of one process only 1.4-1.6x (they contend inside the one process: libvips'
 * shared thread pool and allocator). Threads start faster, which matters only for tiny builds.
 */
export const DEFAULT_POOL: 'threads' | 'processes' = 'processes';
/** Young-generation size of worker isolates, MB (UIR_SEMI_SPACE_MB overrides it, for memory experiments). */
const SEMI_SPACE_MB = Number(process.env.UIR_SEMI_SPACE_MB ?? 64);

/** One pool member: a worker thread or a forked process behind the same small interface. */
interface PoolWorker {
  /** The worker's process id (process pool only). */
  pid?: number;
  send(t: SourceTask): void;
  onMessage(fn: (m: WorkerMessage) => void): void;
  onError(fn: (e: Error) => void): void;
  stop(): Promise<unknown>;
}

function startWorker(kind: 'threads' | 'processes'): PoolWorker {
  const file = builtFileBeside(import.meta.url, kind === 'processes' ? 'worker-process.js' : 'worker.js');
  if (kind === 'processes') {
    // detached: a process group of its own, so the Ctrl-C or SIGTERM sent to ours never reaches a worker, not even
    // while Node starts; the parent stops its workers itself, and a worker leaves as soon as its parent is gone
    const child = fork(file, [], { env: { ...process.env, UIR_BUILD_WORKER: '1' }, execArgv: [`--max-semi-space-size=${SEMI_SPACE_MB}`], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', detached: true });
    let stopping = false;
    return {
      pid: child.pid,
      // a failed send means the worker is gone: its 'exit' reports that
      send: (t) => { if (child.connected) child.send(t, (err) => { if (err && !stopping) child.kill('SIGKILL'); }); },
      onMessage: (fn) => child.on('message', (m) => fn(m as WorkerMessage)),
      onError: (fn) => {
        child.on('error', fn);
        // a worker only leaves when told to (it ignores the Ctrl-C / SIGTERM sent to the whole process group)
        child.on('exit', (code, sig) => {
          if (stopping) return;
          // killed by the group's Ctrl-C before it could ignore it (while Node starts): an interruption, not a failure
          if (sig === 'SIGINT' || sig === 'SIGTERM') fn(new InterruptedError(`worker process ${child.pid} stopped by ${sig}`));
          else fn(new Error(`worker process ${child.pid} exited unexpectedly (${sig ?? `code ${code}`})`));
        });
      },
      stop: async () => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        if (child.connected) child.disconnect(); // the worker exits when its channel closes
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      },
    };
  }
  const w = new Worker(file);
  return { send: (t) => w.postMessage(t), onMessage: (fn) => w.on('message', fn), onError: (fn) => w.on('error', fn), stop: () => w.terminate() };
}

/** Remove temporary files a killed build may have left (".<name>.uir-tmp-<pid>-<n>"). */
async function removeStaleTemps(out: string): Promise<number> {
  const stale = await fg(['gt/.*.uir-tmp-*', 'lq/*/.*.uir-tmp-*'], { cwd: out, dot: true, onlyFiles: true });
  await Promise.all(stale.map((f) => fs.rm(path.join(out, f), { force: true })));
  return stale.length;
}

export async function buildDataset(o: BuildOptions): Promise<BuildStats> {
  const t0 = performance.now();
  const trace = (what: string): void => { if (process.env.UIR_TRACE) process.stderr.write(`[trace ${((performance.now() - t0) / 1000).toFixed(3)}s] ${what}\n`); };
  const { recipe } = o.recipe;
  const patterns = o.src.length ? o.src : recipe.sources;
  if (patterns.length === 0) throw new UsageError('no sources: pass --src \'photos/**/*.{png,jpg}\' or set "sources" in the recipe');
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  try { await fs.mkdir(o.out, { recursive: true }); } catch (e) { throw outputError(o.out, e as NodeJS.ErrnoException); }
  // fail early and clearly on a read-only or unwritable output folder
  const probe = path.join(o.out, `.uir-write-probe-${process.pid}`);
  try { await fs.writeFile(probe, ''); await fs.rm(probe); } catch (e) { throw outputError(o.out, e as NodeJS.ErrnoException); }

  const dbFile = manifestPath(o.out, shardDbName(o.shard));
  const db = openManifest(dbFile, { create: true });
  const prevRecipe = db.prepare("SELECT recipe_hash, recipe_name FROM runs WHERE command = 'build-dataset' AND recipe_hash IS NOT NULL ORDER BY id DESC LIMIT 1").get() as { recipe_hash: string; recipe_name: string } | undefined;
  if (prevRecipe && prevRecipe.recipe_hash !== o.recipe.hash) {
    db.close();
    throw new UsageError(`${o.out} was built with recipe '${prevRecipe.recipe_name}' (${prevRecipe.recipe_hash}); this is '${recipe.name}' (${o.recipe.hash}): use another --out, or the same recipe and seed to resume`);
  }
  await removeStaleTemps(o.out);
  const runId = Number(db.prepare('INSERT INTO runs (started_at, status, command, recipe_name, recipe_hash, recipe_json, seed, shard, versions_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(new Date().toISOString(), 'running', 'build-dataset', recipe.name, o.recipe.hash, o.recipe.json, String(recipe.seed), o.shard ? `${o.shard.index}/${o.shard.count}` : null, JSON.stringify(toolVersions())).lastInsertRowid);

  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130); // second Ctrl-C: leave now (files are atomic; unrecorded pairs are redone)
    interrupted = true;
    if (o.progress !== 'none') process.stderr.write('\nstopping: finishing the images in progress (Ctrl-C again to leave at once)\n');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  o.signal?.addEventListener('abort', onSigint);
  const workers: PoolWorker[] = [];
  let timer: NodeJS.Timeout | undefined, sampler: NodeJS.Timeout | undefined;
  try {
    // workers start now, so their start-up (modules, JIT, libvips) overlaps the planning below
    const jobs = Math.max(1, o.jobs);
    // a large young generation for worker threads' isolates (pixel work allocates big short-lived arrays); worker
    // processes get theirs from their command line, and this process keeps its own small
    const pool = o.pool ?? DEFAULT_POOL;
    if (pool === 'threads') v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
    for (let i = 0; i < jobs; i++) workers.push(startWorker(pool));
    // 1. sources: find, hash, dedup, read headers, plan
    const files = (await fg(patterns, { onlyFiles: true, absolute: true, unique: true, caseSensitiveMatch: false }))
      .filter((f) => INPUT_EXTENSIONS.includes(path.extname(f).toLowerCase())).sort();
    if (files.length === 0) throw new InputError(`no images match ${patterns.map((p) => `'${p}'`).join(', ')} (extensions: ${INPUT_EXTENSIONS.join(' ')})`);
    const stats = { sources: 0, rejected: 0, duplicates: 0 };
    const reject = db.prepare('INSERT INTO rejects (path, reason, run_id) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, run_id = excluded.run_id');
    const clearReject = db.prepare('DELETE FROM rejects WHERE path = ?');
    const findSource = db.prepare('SELECT path, status FROM sources WHERE hash = ?');
    const insSource = db.prepare('INSERT OR IGNORE INTO sources (hash, path, width, height, format, bytes, split, real, origin, status) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)');
    const insCrop = db.prepare('INSERT OR IGNORE INTO crops (id, source_hash, tile, x, y, w, h, path, hash, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)');
    const insPair = db.prepare('INSERT OR IGNORE INTO pairs (id, crop_id, source_hash, type, code, level, params, seed, lq_path, gt_path, lq_hash, gt_hash, width, height, split, real, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, 0, ?)');
    const seen = new Map<string, string>();
    const chunk = Buffer.allocUnsafe(1 << 20);
    // headers only: libvips' operation cache would keep up to 50 MB of them, growing with the source count
    sharp.cache(false);
    const noteReject = (file: string, reason: string): void => {
      if (o.strict) throw new InputError(reason);
      stats.rejected++;
      reject.run(file, reason, runId);
    };
    let batch: (() => void)[] = [];
    const flushPlan = db.transaction(() => { for (const f of batch) f(); });
    for (const file of files) {
      let src: Awaited<ReturnType<typeof hashSource>>;
      try { src = await hashSource(file, chunk); } catch (e) { noteReject(file, `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); continue; }
      if (src.bytes === 0) { noteReject(file, `${file}: empty file (0 bytes)`); continue; }
      const { hash } = src;
      if (o.shard && shardOf(hash, o.shard.count) !== o.shard.index) continue;
      const dupOf = seen.get(hash) ?? (findSource.get(hash) as { path: string } | undefined)?.path;
      if (dupOf !== undefined && dupOf !== file) { stats.duplicates++; noteReject(file, `${file}: duplicate of ${dupOf} (same content)`); continue; }
      seen.set(hash, file);
      const known = findSource.get(hash) as { path: string; status: string } | undefined;
      if (known) { stats.sources++; continue; } // planned by an earlier run
      let head: ImageHeader;
      try { head = await src.header(); } catch (e) { noteReject(file, `${file}: not a readable image (${(e as Error).message.split('\n')[0]})`); continue; }
      if (head.width * head.height > maxPixels) { noteReject(file, `${file}: ${head.width}x${head.height} exceeds the pixel limit of ${maxPixels}`); continue; }
      const plan = planSource(recipe, hash, head.width, head.height);
      if (plan.crops.length === 0) { noteReject(file, `${file}: ${head.width}x${head.height} is smaller than the ${recipe.crop.size}x${recipe.crop.size} crop`); continue; }
      stats.sources++;
      const bytes = src.bytes;
      batch.push(() => {
        clearReject.run(file);
        insSource.run(hash, file, head.width, head.height, head.format, bytes, plan.split, 'synthetic', 'planned');
        for (const c of plan.crops) insCrop.run(c.id, hash, c.tile, c.x, c.y, c.w, c.h, c.path, 'pending');
        for (const p of plan.pairs) insPair.run(p.id, p.cropId, hash, p.type, p.code, p.level, JSON.stringify(p.params), String(p.seed), p.lqPath, p.gtPath, p.width, p.height, plan.split, 'pending');
      });
      if (batch.length >= 64) { flushPlan(); batch = []; collect(); }
      if (interrupted) break;
    }
    flushPlan(); batch = [];
    trace(`planned ${stats.sources} sources (rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB, external ${(process.memoryUsage().external / 1048576).toFixed(0)} MB)`);

    // 2. work: every source with pending crops or pairs, in hash order, streamed in chunks
    for (const d of new Set(recipe.types.map((t) => t.type))) await fs.mkdir(path.join(o.out, 'lq', d), { recursive: true }).catch((e) => { throw outputError(path.join(o.out, 'lq', d), e); });
    await fs.mkdir(path.join(o.out, 'gt'), { recursive: true }).catch((e) => { throw outputError(path.join(o.out, 'gt'), e); });
    const totalPairs = (db.prepare("SELECT count(*) AS n FROM pairs WHERE status != 'rejected'").get() as { n: number }).n;
    const donePairs0 = (db.prepare("SELECT count(*) AS n FROM pairs WHERE status = 'done'").get() as { n: number }).n;
    const progress = new Progress('build', totalPairs, o.progress === 'none' ? 'none' : Progress.modeFor(process.stderr, o.progress), 'pairs', donePairs0);
    let done = donePairs0, made = 0, cropsMade = 0;

    const nextSources = db.prepare("SELECT hash, path, width, height FROM sources WHERE status = 'planned' AND hash > ? ORDER BY hash LIMIT 256");
    const cropsOf = db.prepare('SELECT id, x, y, w, h, path, hash, status FROM crops WHERE source_hash = ? ORDER BY tile');
    const pairsOf = db.prepare("SELECT id, crop_id, type, params, seed, lq_path FROM pairs WHERE source_hash = ? AND status = 'pending' ORDER BY id");
    const setCrop = db.prepare("UPDATE crops SET status = 'done', hash = ? WHERE id = ?");
    const setPair = db.prepare("UPDATE pairs SET status = 'done', lq_hash = ?, gt_hash = ? WHERE id = ?");
    const setSource = db.prepare('UPDATE sources SET status = ? WHERE hash = ?');
    const dropPlan = [db.prepare("UPDATE pairs SET status = 'rejected' WHERE source_hash = ?"), db.prepare("UPDATE crops SET status = 'rejected' WHERE source_hash = ?")];

    let pending: WorkerMessage[] = [];
    const workerPeakKb: number[] = [];
    const applyBatch = db.transaction((msgs: WorkerMessage[]) => {
      for (const m of msgs) {
        if (m.kind === 'crop') setCrop.run(m.hash, m.id);
        else if (m.kind === 'pair') setPair.run(m.lqHash, m.gtHash, m.id);
        else if (m.kind === 'done') setSource.run('done', m.source);
        else if (m.kind === 'reject') {
          const src = findSource.get(m.source) as { path: string };
          setSource.run('rejected', m.source);
          for (const s of dropPlan) s.run(m.source);
          reject.run(src.path, m.reason, runId);
        }
      }
    });
    const flush = (): void => { if (pending.length) { applyBatch(pending); pending = []; } };
    let ticks = 0;
    timer = setInterval(() => { flush(); if (++ticks % 20 === 0) collect(); }, 250);
    // the memory of the whole build: this process and its worker processes together, sampled every 100 ms
    const pids = [process.pid, ...workers.map((w) => w.pid).filter((p): p is number => p !== undefined)];
    let sampledPeakKb = 0;
    sampler = setInterval(() => { sampledPeakKb = Math.max(sampledPeakKb, pids.reduce((a, p) => a + rssKb(p), 0)); }, 100);

    let fatal: Error | null = null;
    const queue: SourceTask[] = [];
    let cursor = '';
    let exhausted = false;
    const refill = (): void => {
      if (exhausted || queue.length > jobs * 2) return;
      flush();
      const rows = nextSources.all(cursor) as { hash: string; path: string; width: number; height: number }[];
      if (rows.length === 0) { exhausted = true; return; }
      cursor = rows[rows.length - 1]!.hash;
      for (const r of rows) {
        const crops = cropsOf.all(r.hash) as { id: string; x: number; y: number; w: number; h: number; path: string; hash: string | null; status: string }[];
        const pairs = pairsOf.all(r.hash) as { id: string; crop_id: string; type: string; params: string; seed: string; lq_path: string }[];
        queue.push({
          hash: r.hash, path: r.path, width: r.width, height: r.height, maxPixels, format: recipe.output.format, outDir: path.resolve(o.out),
          crops: crops.map((c) => ({ id: c.id, x: c.x, y: c.y, w: c.w, h: c.h, path: c.path, needed: c.status !== 'done', hash: c.status === 'done' ? c.hash : null })),
          pairs: pairs.map((p) => ({ id: p.id, cropId: p.crop_id, type: p.type, params: JSON.parse(p.params) as Record<string, unknown>, seed: Number(p.seed), lqPath: p.lq_path })),
        });
      }
    };

    await new Promise<void>((resolve) => {
      let active = 0;
      const dispatch = (w: PoolWorker): void => {
        if (interrupted || fatal) { if (active === 0) resolve(); return; }
        refill();
        const task = queue.shift();
        if (!task) { if (active === 0) resolve(); return; }
        active++;
        w.send(task);
      };
      workers.forEach((w, i) => {
        w.onMessage((m: WorkerMessage) => {
          if (m.kind === 'done' && m.maxRssKb) workerPeakKb[i] = Math.max(workerPeakKb[i] ?? 0, m.maxRssKb);
          if (m.kind === 'fatal') { fatal = m.code === 'output' ? new OutputError(m.error) : new Error(`worker failed on source ${m.source}: ${m.error}`); active--; dispatch(w); return; }
          pending.push(m);
          if (m.kind === 'pair') { done++; made++; progress.update(done); }
          if (m.kind === 'crop') cropsMade++;
          if (m.kind === 'reject') stats.rejected++;
          if (m.kind === 'done' || m.kind === 'reject') { active--; trace(`worker ${i} finished a source`); dispatch(w); }
          if (pending.length >= 512) flush();
        });
        w.onError((e) => {
          if (e instanceof InterruptedError) interrupted = true; else fatal = e;
          active--;
          if (active <= 0) resolve();
        });
        dispatch(w);
      });
    });
    clearInterval(timer);
    clearInterval(sampler);
    flush();
    progress.finish(done);
    if (fatal) throw fatal;

    const seconds = (performance.now() - t0) / 1000;
    // worker threads share this process's RSS; with worker processes the build's peak is that of all processes
    // together: sampled (Linux), and bounded above by the sum of each process's own peak
    const sumOfPeaksKb = process.resourceUsage().maxRSS + (pool === 'processes' ? workerPeakKb.reduce((a, b) => a + b, 0) : 0);
    const peakKb = pool === 'processes' && sampledPeakKb > 0 ? Math.max(sampledPeakKb, process.resourceUsage().maxRSS) : sumOfPeaksKb;
    trace(`peak RSS: sampled ${(sampledPeakKb / 1024).toFixed(0)} MB, sum of the processes' peaks ${(sumOfPeaksKb / 1024).toFixed(0)} MB`);
    const final = { ...stats, pairs: totalPairs, made, crops: cropsMade, seconds, pairsPerSecond: made / seconds, db: dbFile, peakRssMb: Math.round(peakKb / 1024), peakRssBoundMb: Math.round(sumOfPeaksKb / 1024) };
    db.prepare('UPDATE runs SET finished_at = ?, status = ?, stats_json = ? WHERE id = ?').run(new Date().toISOString(), interrupted ? 'interrupted' : 'done', JSON.stringify(final), runId);
    if (interrupted) throw new InterruptedError(`interrupted: ${done}/${totalPairs} pairs are done and recorded; run the same command again to finish`);
    return final;
  } catch (e) {
    try { db.prepare('UPDATE runs SET finished_at = ?, status = ? WHERE id = ? AND status = ?').run(new Date().toISOString(), e instanceof InterruptedError ? 'interrupted' : 'failed', runId, 'running'); } catch { /* db may be unusable */ }
    throw e;
  } finally {
    clearInterval(timer);
    clearInterval(sampler);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await Promise.all(workers.map((w) => w.stop()));
    db.close();
  }
}

/**
 * SHA-256 of a source file read in 1 MiB pieces through one reused buffer, and its header parsed from the first piece
 * (enough for nearly every image; the whole file is read when not). Reading whole files here kept up to a garbage
 * collector's worth of dead buffers alive, so the planner's memory grew with the source count.
 */
async function hashSource(file: string, chunk: Buffer): Promise<{ hash: string; bytes: number; header: () => Promise<ImageHeader> }> {
  const h = createHash('sha256');
  const fh = await fs.open(file, 'r');
  try {
    let bytes = 0, first: { v: ImageHeader } | { e: unknown } = { e: new Error('empty file') }, whole = true;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      if (bytes === 0) {
        // parse the header before the buffer is reused
        first = await readImageHeader(chunk.subarray(0, bytesRead)).then((v) => ({ v }), (e: unknown) => ({ e }));
        whole = bytesRead < chunk.length;
      }
      h.update(chunk.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    const parsed = first;
    const header = async (): Promise<ImageHeader> => {
      if ('v' in parsed) return parsed.v;
      if (whole) throw parsed.e;
      return readImageHeader(await fs.readFile(file)); // a header beyond the first MiB
    };
    return { hash: h.digest('hex'), bytes, header };
  } finally {
    await fh.close();
  }
}

/**
 * A full garbage collection of this process, run after each planned batch and every 5 s while building: the planner
 * and the result messages make garbage in proportion to the source count, and V8 would otherwise let the heap (and
 * so the peak memory) grow with it. ~10 ms each.
 */
let gcFn: (() => void) | null = null;
function collect(): void {
  if (!gcFn) { v8.setFlagsFromString('--expose-gc'); gcFn = vm.runInNewContext('gc') as () => void; }
  gcFn();
}

/** Resident memory of a process in KiB from /proc (0 where there is no /proc or the process is gone). */
function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
export type { DB };
