/**
 * The work phase of a build: stream the planned sources (hash order, in chunks) to the pool, one source per worker
 * at a time, and record what comes back in batched transactions (every 250 ms or 512 results). A pair is recorded
 * done only after its worker reported its file in place.
 */
import path from 'node:path';
import type { ManifestStore, BuildResult } from '../manifest/store.js';
import type { PoolWorker } from './pool.js';
import type { SourceTask, WorkerMessage } from './worker.js';
import { collect } from './telemetry.js';
import { ConfigError, InputError, InterruptedError, OutputError } from '../errors.js';

export interface DispatchOptions {
  out: string; format: 'png' | 'webp'; maxPixels: number; runId: number; tempTag: string;
  /** --strict: a source rejected while decoding stops the build (recorded, then no new work is handed out). */
  strict: boolean;
  /** Called as pairs are recorded (the progress display). */
  onPair: (done: number) => void;
  /** Polled before each new source: stop handing out work (Ctrl-C), finishing what is in progress. */
  stopped: () => boolean;
  /** Set by the caller to give up at once (the second Ctrl-C): resolves without waiting for the workers. */
  abort: AbortSignal;
}

export interface DispatchResult {
  made: number; crops: number; rejected: number; interrupted: boolean; fatal: Error | null;
  /** Each worker's own peak RSS, KiB, as it reported (process pool). */
  workerPeaksKb: number[];
}

export async function dispatch(store: ManifestStore, workers: PoolWorker[], o: DispatchOptions): Promise<DispatchResult> {
  const r: DispatchResult = { made: 0, crops: 0, rejected: 0, interrupted: false, fatal: null, workerPeaksKb: [] };
  let pending: BuildResult[] = [];
  const flush = (): void => { if (pending.length) { store.applyResults(pending, o.runId); pending = []; } };
  let ticks = 0;
  const timer = setInterval(() => { flush(); if (++ticks % 20 === 0) collect(); }, 250);
  const queue: SourceTask[] = [];
  let cursor = '', exhausted = false;
  const refill = (): void => {
    if (exhausted || queue.length > workers.length * 2) return;
    flush();
    const rows = store.nextPlannedSources(cursor);
    if (rows.length === 0) { exhausted = true; return; }
    cursor = rows[rows.length - 1]!.hash;
    for (const s of rows) {
      queue.push({
        hash: s.hash, path: s.path, width: s.width, height: s.height, maxPixels: o.maxPixels, format: o.format, outDir: path.resolve(o.out), tempTag: o.tempTag,
        crops: store.cropsOf(s.hash).map((c) => ({ id: c.id, x: c.x, y: c.y, w: c.w, h: c.h, path: c.path, needed: c.status !== 'done', hash: c.status === 'done' ? c.hash : null })),
        pairs: store.pendingPairsOf(s.hash).map((p) => ({ id: p.id, cropId: p.crop_id, type: p.type, params: JSON.parse(p.params) as Record<string, unknown>, seed: Number(p.seed), lqPath: p.lq_path })),
      });
    }
  };
  try {
    await new Promise<void>((resolve) => {
      let active = 0;
      o.abort.addEventListener('abort', () => resolve(), { once: true });
      const next = (w: PoolWorker): void => {
        if (o.stopped() || r.fatal) { r.interrupted ||= o.stopped(); if (active === 0) resolve(); return; }
        refill();
        const task = queue.shift();
        if (!task) { if (active === 0) resolve(); return; }
        active++;
        w.send(task);
      };
      workers.forEach((w, i) => {
        w.onMessage((m: WorkerMessage) => {
          if (m.kind === 'done' && m.maxRssKb) r.workerPeaksKb[i] = Math.max(r.workerPeaksKb[i] ?? 0, m.maxRssKb);
          if (m.kind === 'fatal') { r.fatal = m.code === 'output' ? new OutputError(m.error) : m.code === 'config' ? new ConfigError(m.error) : new Error(`worker failed on source ${m.source}: ${m.error}`); active--; next(w); return; }
          pending.push(m);
          if (m.kind === 'pair') { r.made++; o.onPair(r.made); }
          if (m.kind === 'crop') r.crops++;
          if (m.kind === 'reject') { r.rejected++; if (o.strict) r.fatal ??= new InputError(`{strict}: ${m.reason}`); }
          if (m.kind === 'done' || m.kind === 'reject') { active--; next(w); }
          if (pending.length >= 512) flush();
        });
        w.onError((e) => {
          if (e instanceof InterruptedError) r.interrupted = true; else r.fatal = e;
          active--;
          if (active <= 0) resolve();
        });
        next(w);
      });
    });
  } finally {
    clearInterval(timer);
  }
  if (o.abort.aborted) r.interrupted = true;
  flush();
  return r;
}
