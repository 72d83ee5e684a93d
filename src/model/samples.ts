/**
 * Training samples from a dataset: its pairs (with repeat factors per type, or balanced), a seeded step-indexed
 * sampler (the batch of step s depends only on (seed, s), so a resumed run draws what an uninterrupted one would),
 * and batches of aligned random crops with one of the 8 flips and rotations.
 */
import path from 'node:path';
import { ManifestStore } from '../manifest/store.js';
import { resolveStored } from '../manifest/queries.js';
import { readImage } from '../io/image-io.js';
import { Rng } from '../rng.js';
import { ConfigError, InputError, UsageError } from '../errors.js';
import type { Image } from '../image.js';

export interface Sample { lq: string; gt: string; label: number; type: string }

/** Weighted, step-indexed sampling: the batch of step s depends only on (seed, s). */
export class Sampler {
  private cum: Float64Array;
  constructor(readonly items: Sample[], weights: number[], private seed: number) {
    this.cum = new Float64Array(items.length);
    let acc = 0;
    weights.forEach((w, i) => { acc += w; this.cum[i] = acc; });
  }
  batch(step: number, n: number): Sample[] {
    const r = new Rng(`sampler/${this.seed}/${step}`), total = this.cum[this.cum.length - 1]!;
    return Array.from({ length: n }, () => {
      const u = r.next() * total;
      let lo = 0, hi = this.cum.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (this.cum[mid]! > u) hi = mid; else lo = mid + 1; }
      return this.items[lo]!;
    });
  }
}

/** Aligned random crop + one of the 8 dihedral transforms, written into batch slot i. */
function cropInto(lq: Image, gt: Image, P: number, r: Rng, dstL: Float32Array, dstG: Float32Array, i: number): void {
  if (lq.width < P || lq.height < P) throw new UsageError(`{patch} ${P} is larger than a ${lq.width}x${lq.height} image in the manifest`);
  const x0 = r.int(0, lq.width - P), y0 = r.int(0, lq.height - P), t = r.int(0, 7);
  const base = i * P * P * 3;
  for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) {
    let sx = x, sy = y;
    if (t & 1) sx = P - 1 - sx;
    if (t & 2) sy = P - 1 - sy;
    if (t & 4) [sx, sy] = [sy, sx];
    const s = ((y0 + sy) * lq.width + x0 + sx) * 3, d = base + (y * P + x) * 3;
    dstL[d] = lq.data[s]!; dstL[d + 1] = lq.data[s + 1]!; dstL[d + 2] = lq.data[s + 2]!;
    dstG[d] = gt.data[s]!; dstG[d + 1] = gt.data[s + 1]!; dstG[d + 2] = gt.data[s + 2]!;
  }
}

export async function loadBatch(samples: Sample[], P: number, seed: number, step: number): Promise<{ lq: Float32Array; gt: Float32Array; labels: Int32Array }> {
  const lq = new Float32Array(samples.length * P * P * 3), gt = new Float32Array(samples.length * P * P * 3);
  const labels = Int32Array.from(samples.map((s) => s.label));
  const imgs = await Promise.all(samples.map(async (s) => Promise.all([readImage(s.lq), readImage(s.gt)])));
  imgs.forEach(([a, b], i) => cropInto(a.image, b.image, P, new Rng(`crop/${seed}/${step}/${i}`), lq, gt, i));
  return { lq, gt, labels };
}

export async function loadSamples(o: { data: string; split: string; types?: string[]; repeat?: Record<string, number>; balance?: boolean }, classes?: string[]): Promise<{ items: Sample[]; weights: number[]; classes: string[]; identity: string }> {
  const store = ManifestStore.openReader(o.data);
  try {
    const rows = store.queryPairs({ split: [o.split], type: o.types });
    if (rows.length === 0) throw new InputError(`${o.data}: no done pairs in split '${o.split}'${o.types?.length ? ` of types ${o.types.join(', ')}` : ''}`);
    const present = [...new Set(rows.map((r) => r.type))].sort();
    const cls = classes ?? present;
    for (const t of present) if (!cls.includes(t)) throw new ConfigError([{ path: 'classes', message: `the manifest has type '${t}' that the checkpoint's class list (${cls.join(', ')}) does not` }]);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    for (const k of Object.keys(o.repeat ?? {})) if (!counts.has(k)) throw new UsageError(`{repeat}: type '${k}' is not in the selected pairs (${present.join(', ')})`);
    const items = rows.map((r) => ({ lq: resolveStored(o.data, r.lq_path), gt: resolveStored(o.data, r.gt_path), label: cls.indexOf(r.type), type: r.type }));
    const weights = items.map((s) => (o.balance ? 1 / counts.get(s.type)! : (o.repeat?.[s.type] ?? 1)));
    return { items, weights, classes: cls, identity: `${path.resolve(o.data)}#${store.latestRecipeHash() ?? 'ingest'}#${rows.length}` };
  } finally { await store.close(); }
}
