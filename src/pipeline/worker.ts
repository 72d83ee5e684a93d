/**
 * Build worker (a worker thread, or a child process with --pool processes): decodes one source image, cuts its crops, writes each clean crop once and every
 * planned degraded pair, each file atomically (temp name + rename), and reports each file's content hash to the
 * main thread, which alone writes SQLite. libvips gets one thread per worker (sharp.concurrency(1)).
 */
import { parentPort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { readImage, encodeImage, writeFileAtomic } from '../io/image-io.js';
import { crop, type Image } from '../image.js';
import { replay } from '../degrade.js';
import { getOperator } from '../degradations/index.js';
import { ConfigError, InputError, OutputError } from '../errors.js';
import type { BuildResult } from '../manifest/store.js';

export interface CropTask { id: string; x: number; y: number; w: number; h: number; path: string; needed: boolean; hash: string | null }
export interface PairTask { id: string; cropId: string; type: string; params: Record<string, unknown>; seed: number; lqPath: string }
export interface SourceTask {
  hash: string; path: string; width: number; height: number; maxPixels: number; format: 'png' | 'webp'; outDir: string;
  /** Tag of the temporary names (the shard's), see tempNameFor. */
  tempTag: string;
  crops: CropTask[]; pairs: PairTask[];
}
export type WorkerMessage =
  | Exclude<BuildResult, { kind: 'done' }>
  | { kind: 'done'; source: string; /** the worker's peak RSS so far, KiB (for a process pool's memory report) */ maxRssKb?: number }
  | { kind: 'fatal'; source: string; error: string; code: string };

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function save(img: Image, file: string, format: 'png' | 'webp', tag: string): Promise<string> {
  const bytes = await encodeImage(img, { format });
  await writeFileAtomic(file, bytes, { tag });
  return sha256(bytes);
}

/** `gone()` says the parent is no longer there: the work in progress stops at the next file (its rows are redone). */
export async function runSource(t: SourceTask, post: (m: WorkerMessage) => void, gone: () => boolean = () => false): Promise<void> {
  let image: Image;
  try {
    ({ image } = await readImage(t.path, { maxPixels: t.maxPixels }));
  } catch (e) {
    if (e instanceof InputError) { post({ kind: 'reject', source: t.hash, reason: e.message }); return; }
    throw e;
  }
  if (image.width !== t.width || image.height !== t.height) {
    post({ kind: 'reject', source: t.hash, reason: `${t.path}: decoded as ${image.width}x${image.height}, header said ${t.width}x${t.height}` });
    return;
  }
  for (const c of t.crops) {
    if (gone()) return;
    const pairs = t.pairs.filter((p) => p.cropId === c.id);
    if (!c.needed && pairs.length === 0) continue;
    const clean = c.x === 0 && c.y === 0 && c.w === image.width && c.h === image.height ? image : crop(image, c.x, c.y, c.w, c.h);
    let gtHash = c.hash;
    if (c.needed || !gtHash) {
      gtHash = await save(clean, path.join(t.outDir, c.path), t.format, t.tempTag);
      post({ kind: 'crop', source: t.hash, id: c.id, hash: gtHash });
    }
    for (const p of pairs) {
      if (gone()) return;
      const op = getOperator(p.type);
      // manifest rows come from outside this process: their params are checked like a --params file
      const out = await replay(clean, op, p.params, p.seed).catch((e: unknown) => {
        throw e instanceof ConfigError ? new ConfigError(`pair ${p.id} in the manifest: ${e.message}`) : e;
      });
      const lqHash = await save(out, path.join(t.outDir, p.lqPath), t.format, t.tempTag);
      post({ kind: 'pair', source: t.hash, id: p.id, lqHash, gtHash });
    }
  }
  post({ kind: 'done', source: t.hash, maxRssKb: process.resourceUsage().maxRSS });
}

/** Serve tasks from the parent: a worker_threads parent port, or the IPC channel of a forked process. */
function serve(send: (m: WorkerMessage) => void, onTask: (fn: (t: SourceTask) => void) => void, gone: () => boolean = () => false): void {
  sharp.concurrency(1);
  sharp.cache(false);
  onTask(async (t) => {
    try {
      await runSource(t, send, gone);
    } catch (e) {
      const err = e as Error;
      const known = err instanceof OutputError ? 'output' : err instanceof ConfigError ? 'config' : null;
      send({ kind: 'fatal', source: t.hash, error: known ? err.message : (err.stack ?? String(err)), code: known ?? 'bug' });
    }
  });
}

if (parentPort) {
  const port = parentPort;
  serve((m) => port.postMessage(m), (fn) => port.on('message', fn));
} else if (process.send && process.env.UIR_BUILD_WORKER === '1') {
  // signals are ignored by worker-process.ts; the worker leaves when the parent closes the channel (or dies): with
  // the channel gone it stops at the next file, and with nothing left to keep its event loop alive it ends
  let connected = true;
  process.on('disconnect', () => { connected = false; });
  serve((m) => { if (connected) process.send!(m); }, (fn) => process.on('message', (t) => fn(t as SourceTask)), () => !connected);
}
