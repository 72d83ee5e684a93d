/**
 * The planning phase of a build: find the sources, hash them (SHA-256, read in 1 MiB pieces), skip duplicates by
 * content and what other shards own, read headers, reject what cannot be used (with the reason), plan the rest
 * (plan.ts) and record the plans as pending rows, in batches.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import fg from 'fast-glob';
import sharp from 'sharp';
import type { Recipe } from './recipe.js';
import { planSource } from './plan.js';
import { shardOf, type Shard } from './shard.js';
import { collect } from './telemetry.js';
import type { ManifestStore, PlannedSource } from '../manifest/store.js';
import { INPUT_EXTENSIONS, readImageHeader, type ImageHeader } from '../io/image-io.js';
import { InputError } from '../errors.js';

export interface PlanningStats { sources: number; rejected: number; duplicates: number }

export interface PlanOptions {
  recipe: Recipe; patterns: string[]; shard: Shard | null; maxPixels: number; runId: number;
  /** A reject stops the build (--strict) instead of being recorded. */
  strict: boolean;
  /** Polled between sources: stop planning early (Ctrl-C). */
  stopped: () => boolean;
}

/** The image files the patterns match, sorted (an error when there are none). */
export async function findSources(patterns: string[]): Promise<string[]> {
  const files = (await fg(patterns, { onlyFiles: true, absolute: true, unique: true, caseSensitiveMatch: false }))
    .filter((f) => INPUT_EXTENSIONS.includes(path.extname(f).toLowerCase())).sort();
  if (files.length === 0) throw new InputError(`no images match ${patterns.map((p) => `'${p}'`).join(', ')} (extensions: ${INPUT_EXTENSIONS.join(' ')})`);
  return files;
}

export async function planSources(store: ManifestStore, o: PlanOptions): Promise<PlanningStats> {
  const files = await findSources(o.patterns);
  const stats: PlanningStats = { sources: 0, rejected: 0, duplicates: 0 };
  const seen = new Map<string, string>();
  const chunk = Buffer.allocUnsafe(1 << 20);
  // headers only: libvips' operation cache would keep up to 50 MB of them, growing with the source count
  sharp.cache(false);
  const reject = (file: string, reason: string): void => {
    if (o.strict) throw new InputError(`{strict}: ${reason}`);
    stats.rejected++;
    store.upsertReject(file, reason, o.runId);
  };
  let batch: PlannedSource[] = [];
  const flush = (): void => { if (batch.length) { store.addPlanned(batch); batch = []; collect(); } };
  for (const file of files) {
    let src: Awaited<ReturnType<typeof hashSource>>;
    try { src = await hashSource(file, chunk); } catch (e) { reject(file, `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); continue; }
    if (src.bytes === 0) { reject(file, `${file}: empty file (0 bytes)`); continue; }
    const { hash } = src;
    if (o.shard && shardOf(hash, o.shard.count) !== o.shard.index) continue;
    const known = store.sourceByHash(hash);
    const dupOf = seen.get(hash) ?? known?.path;
    if (dupOf !== undefined && dupOf !== file) { stats.duplicates++; reject(file, `${file}: duplicate of ${dupOf} (same content)`); continue; }
    seen.set(hash, file);
    if (known) { stats.sources++; continue; } // planned by an earlier run
    let head: ImageHeader;
    try { head = await src.header(); } catch (e) { reject(file, `${file}: not a readable image (${(e as Error).message.split('\n')[0]})`); continue; }
    if (head.width * head.height > o.maxPixels) { reject(file, `${file}: ${head.width}x${head.height} exceeds the pixel limit of ${o.maxPixels}`); continue; }
    const plan = planSource(o.recipe, hash, head.width, head.height);
    if (plan.crops.length === 0) { reject(file, `${file}: ${head.width}x${head.height} is smaller than the ${o.recipe.crop.size}x${o.recipe.crop.size} crop`); continue; }
    stats.sources++;
    batch.push({ file, hash, width: head.width, height: head.height, format: head.format, bytes: src.bytes, split: plan.split, crops: plan.crops, pairs: plan.pairs });
    if (batch.length >= 64) flush();
    if (o.stopped()) break;
  }
  flush();
  return stats;
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
