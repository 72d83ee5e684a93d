/**
 * `uir build-dataset`: sources -> plan (sources.ts: pending rows) -> worker pool (pool.ts) -> files (worker.ts) ->
 * rows marked done (dispatch.ts), all rows through the ManifestStore, which holds the dataset lock for the whole build.
 *
 * Crash safety: every file is written under a temporary name and renamed; a pair becomes 'done' only after the
 * worker reports its file in place; this shard's stale temporary files are removed when a build starts. Killing the
 * process at any moment and running the same command again regenerates exactly the pending pairs (deterministic
 * bytes), so the end state has no duplicate rows, no missing pairs and no orphan files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LoadedRecipe } from './recipe.js';
import { shardDbName, shardTag, type Shard } from './shard.js';
import { planSources } from './sources.js';
import { startPool, DEFAULT_POOL, type PoolKind, type PoolWorker } from './pool.js';
import { dispatch } from './dispatch.js';
import { MemorySampler, peakMemory } from './telemetry.js';
import { toolVersions } from '../versions.js';
import { Progress } from '../progress.js';
import { ManifestStore } from '../manifest/store.js';
import { DEFAULT_MAX_PIXELS, outputError } from '../io/image-io.js';
import { CheckFailedError, UsageError, InterruptedError } from '../errors.js';

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
  /** Aborting stops the build as Ctrl-C does (a second abort, or a second Ctrl-C, leaves at once). */
  signal?: AbortSignal;
  /** Worker processes (default) or threads. */
  pool?: PoolKind;
  /** Lines for the user that are not progress (a stale lock taken over). */
  log?: (line: string) => void;
}

export interface BuildStats { sources: number; rejected: number; duplicates: number; pairs: number; made: number; crops: number; seconds: number; pairsPerSecond: number; db: string;
  /** Peak resident memory of the build, MB: with worker processes, of all processes together (sampled every 100 ms on Linux). */
  peakRssMb: number;
  /** An upper bound of it: the sum of each process's own peak. */
  peakRssBoundMb: number }

/** Remove the temporary files a killed build of this shard may have left (".<name>.uir-tmp-<tag>-<pid>-<n>"). */
async function removeStaleTemps(out: string, tag: string): Promise<number> {
  const fg = (await import('fast-glob')).default;
  // untagged names (".uir-tmp-<pid>-<n>", before tags) belong to the folder's own unsharded build
  const patterns = [`gt/.*.uir-tmp-${tag}-*`, `lq/*/.*.uir-tmp-${tag}-*`];
  let stale = await fg(patterns, { cwd: out, dot: true, onlyFiles: true, followSymbolicLinks: false });
  if (tag === 'main') stale = [...stale, ...(await fg(['gt/.*.uir-tmp-*', 'lq/*/.*.uir-tmp-*'], { cwd: out, dot: true, onlyFiles: true, followSymbolicLinks: false })).filter((f) => /\.uir-tmp-\d+-\d+$/.test(f))];
  await Promise.all(stale.map((f) => fs.rm(path.join(out, f), { force: true })));
  return stale.length;
}

/** Ctrl-C / SIGTERM / the signal: the first stops handing out work, the second aborts at once. */
function stopSignals(o: BuildOptions): { stopped: () => boolean; abort: AbortController; dispose(): void } {
  let stops = 0;
  const abort = new AbortController();
  const on = (): void => {
    if (++stops > 1) { abort.abort(); return; }
    if (o.progress !== 'none') process.stderr.write('\nstopping: finishing the images in progress (Ctrl-C again to leave at once)\n');
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  o.signal?.addEventListener('abort', on);
  return { stopped: () => stops > 0, abort, dispose: () => { process.off('SIGINT', on); process.off('SIGTERM', on); o.signal?.removeEventListener('abort', on); } };
}

export async function buildDataset(o: BuildOptions): Promise<BuildStats> {
  const t0 = performance.now();
  const { recipe } = o.recipe;
  const patterns = o.src.length ? o.src : recipe.sources;
  if (patterns.length === 0) throw new UsageError('no sources: pass {src} \'photos/**/*.{png,jpg}\' or set "sources" in the recipe');
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  try { await fs.mkdir(o.out, { recursive: true }); } catch (e) { throw outputError(o.out, e as NodeJS.ErrnoException); }
  // fail early and clearly on a read-only or unwritable output folder
  const probe = path.join(o.out, `.uir-write-probe-${process.pid}`);
  try { await fs.writeFile(probe, ''); await fs.rm(probe); } catch (e) { throw outputError(o.out, e as NodeJS.ErrnoException); }

  const store = await ManifestStore.openWriter(o.out, { command: 'build-dataset', dbName: shardDbName(o.shard), note: o.log });
  const prev = store.lastBuildRecipe();
  if (prev && prev.hash !== o.recipe.hash) {
    await store.close();
    throw new UsageError(`${o.out} was built with recipe '${prev.name}' (${prev.hash}); this is '${recipe.name}' (${o.recipe.hash}): use another {out}, or the same recipe and seed to resume`);
  }
  await removeStaleTemps(o.out, shardTag(o.shard));
  const runId = store.startRun({ command: 'build-dataset', recipeName: recipe.name, recipeHash: o.recipe.hash, recipeJson: o.recipe.json, seed: String(recipe.seed), shard: o.shard ? `${o.shard.index}/${o.shard.count}` : null, versions: toolVersions() });
  const signals = stopSignals(o);
  const pool = o.pool ?? DEFAULT_POOL;
  let workers: PoolWorker[] = [];
  let sampler: MemorySampler | null = null;
  try {
    // workers start now, so their start-up (modules, JIT, libvips) overlaps the planning below
    workers = startPool(pool, Math.max(1, o.jobs));
    const planned = await planSources(store, { recipe, patterns, shard: o.shard, maxPixels, runId, strict: o.strict, stopped: signals.stopped });

    for (const d of new Set(recipe.types.map((t) => t.type))) await fs.mkdir(path.join(o.out, 'lq', d), { recursive: true }).catch((e) => { throw outputError(path.join(o.out, 'lq', d), e); });
    await fs.mkdir(path.join(o.out, 'gt'), { recursive: true }).catch((e) => { throw outputError(path.join(o.out, 'gt'), e); });
    const totalPairs = store.countPairsWithStatus('not-rejected');
    const done0 = store.countPairsWithStatus('done');
    const progress = new Progress('build', totalPairs, o.progress === 'none' ? 'none' : Progress.modeFor(process.stderr, o.progress), 'pairs', done0);
    sampler = new MemorySampler([process.pid, ...workers.map((w) => w.pid).filter((p): p is number => p !== undefined)]);
    signals.abort.signal.addEventListener('abort', () => { for (const w of workers) w.kill(); }, { once: true });
    const r = await dispatch(store, workers, {
      out: o.out, format: recipe.output.format, maxPixels, runId, tempTag: shardTag(o.shard), strict: o.strict,
      onPair: (made) => progress.update(done0 + made), stopped: signals.stopped, abort: signals.abort.signal,
    });
    sampler.stop();
    progress.finish(done0 + r.made);
    if (r.fatal) throw r.fatal;

    const seconds = (performance.now() - t0) / 1000;
    const mem = peakMemory(pool, sampler.peakKb, r.workerPeaksKb);
    const final = { ...planned, rejected: planned.rejected + r.rejected, pairs: totalPairs, made: r.made, crops: r.crops, seconds, pairsPerSecond: r.made / seconds, db: store.file, peakRssMb: Math.round(mem.peakKb / 1024), peakRssBoundMb: Math.round(mem.boundKb / 1024) };
    const interrupted = r.interrupted || signals.stopped();
    store.finishRun(runId, interrupted ? 'interrupted' : 'done', final);
    if (interrupted) throw new InterruptedError(`interrupted: ${done0 + r.made}/${totalPairs} pairs are done and recorded; run the same command again to finish`);
    // a shard may own no source at all; a build whose every source was rejected has nothing to show for itself
    if (final.rejected > 0 && store.countUsableSources() === 0) {
      const first = store.firstReject();
      throw new CheckFailedError(`no pairs built: every source was rejected (${final.rejected} this run${first ? `; e.g. ${first}` : ''}); \`uir manifest stats ${o.out}\` lists the rejects`);
    }
    return final;
  } catch (e) {
    try { store.endRunIfRunning(runId, e instanceof InterruptedError ? 'interrupted' : 'failed'); } catch { /* the database may be unusable */ }
    throw e;
  } finally {
    sampler?.stop();
    signals.dispose();
    if (signals.abort.signal.aborted) for (const w of workers) w.kill();
    else await Promise.all(workers.map((w) => w.stop()));
    await store.close();
  }
}
