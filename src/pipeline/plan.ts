/**
 * Planning: from a recipe and one source image's hash and size, every clean crop and degraded pair it yields, with
 * ids, paths, split, seeds and resolved params. Pure and deterministic: it depends only on (recipe, seed, source
 * hash, size), never on worker count, order or shard, which is what makes builds reproducible and resumable.
 */
import { Rng, deriveSeed } from '../rng.js';
import type { Recipe } from './recipe.js';
import { checkFixed } from './recipe.js';
import { getOperator } from '../degradations/index.js';
import { spatialScale, r4 } from '../degradations/spec.js';

export type Split = 'train' | 'val' | 'test';

export interface CropPlan { id: string; tile: number; x: number; y: number; w: number; h: number; path: string }

export interface PairPlan {
  id: string;
  cropId: string;
  type: string;
  code: string;
  level: number;
  seed: number;
  params: Record<string, unknown>;
  lqPath: string;
  gtPath: string;
  width: number;
  height: number;
  /** The spatial scale the params were sampled at: the source photograph's short side / 512. */
  scale: number;
}

export interface SourcePlan { split: Split; crops: CropPlan[]; pairs: PairPlan[] }

/** Crop rectangles for an image of W x H. Tiles cover the image with the given overlap; the last row and
 * column are aligned to the far edge. maxTiles keeps an evenly spaced subset. */
export function cropRects(recipe: Recipe, W: number, H: number): { x: number; y: number; w: number; h: number }[] {
  const c = recipe.crop;
  if (c.mode === 'none') return [{ x: 0, y: 0, w: W, h: H }];
  const S = c.size;
  if (W < S || H < S) return [];
  if (c.mode === 'center') return [{ x: Math.floor((W - S) / 2), y: Math.floor((H - S) / 2), w: S, h: S }];
  const stride = S - c.overlap;
  const starts = (L: number): number[] => {
    const out: number[] = [];
    for (let p = 0; p + S <= L; p += stride) out.push(p);
    if (out[out.length - 1]! + S < L) out.push(L - S);
    return out;
  };
  const rects: { x: number; y: number; w: number; h: number }[] = [];
  for (const y of starts(H)) for (const x of starts(W)) rects.push({ x, y, w: S, h: S });
  if (c.maxTiles > 0 && rects.length > c.maxTiles) {
    const keep: typeof rects = [];
    for (let i = 0; i < c.maxTiles; i++) keep.push(rects[Math.floor((i * rects.length) / c.maxTiles)]!);
    return keep;
  }
  return rects;
}

export function splitFor(recipe: Recipe, sourceHash: string): Split {
  const u = new Rng(deriveSeed(recipe.seed, sourceHash, 'split')).next();
  if (u < recipe.splits.train) return 'train';
  if (u < recipe.splits.train + recipe.splits.val) return 'val';
  return 'test';
}

export function planSource(recipe: Recipe, sourceHash: string, W: number, H: number): SourcePlan {
  const split = splitFor(recipe, sourceHash);
  const short = sourceHash.slice(0, 16);
  const weights = recipe.types.map((t) => t.weight);
  const crops: CropPlan[] = [];
  const pairs: PairPlan[] = [];
  const ext = recipe.output.format;
  cropRects(recipe, W, H).forEach((r, tile) => {
    const cropId = `${short}_t${tile}`;
    const crop: CropPlan = { id: cropId, tile, ...r, path: `gt/${cropId}.${ext}` };
    crops.push(crop);
    const pick = new Rng(deriveSeed(recipe.seed, sourceHash, tile, 'pick'));
    const each = recipe.pairsPerCrop === 'each';
    const ppc = each ? recipe.types.length : (recipe.pairsPerCrop as number);
    const whole = Math.floor(ppc), frac = ppc - whole;
    const count = whole + (pick.next() < frac ? 1 : 0);
    for (let k = 0; k < count; k++) {
      const entry = each ? recipe.types[k]! : recipe.types[pick.weighted(weights)]!;
      const level = entry.levels[Math.floor(pick.next() * entry.levels.length)]!;
      const op = getOperator(entry.type);
      const seed = deriveSeed(recipe.seed, sourceHash, tile, k);
      const sampled = op.sample(level, new Rng(seed).fork('sample'), { width: r.w, height: r.h, photo: { width: W, height: H } }) as Record<string, unknown>;
      const params = checkFixed(op, sampled, entry.fixed, `types.${recipe.types.indexOf(entry)}.fixed`);
      const id = `${cropId}_${k}`;
      pairs.push({ id, cropId, type: op.id, code: op.code, level, seed, params, lqPath: `lq/${op.id}/${id}.${ext}`, gtPath: crop.path, width: r.w, height: r.h, scale: r4(spatialScale({ width: W, height: H })) });
    }
  });
  return { split, crops, pairs };
}
