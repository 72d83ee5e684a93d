/**
 * Restoration of images of any size with a trained network, as MaskDCPT evaluates (its test options: the whole image,
 * reflect-padded to a multiple of the network's size, crop_border 0): the whole image when its pass fits the memory
 * budget (memory.ts), else overlapping tiles whose seams are cross-faded with linear ramps.
 *
 * Whole-image and tiled results differ a little: NAFNet's channel attention and Restormer's attention pool over the
 * whole input, so a tile sees its own statistics (measured in test/model/inference.test.ts and the README).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Image } from '../image.js';
import { reflect101 } from '../imgproc/filter.js';
import type { MaskDcpt } from './maskdcpt.js';
import { bytesPerPixel, formatBytes, forwardPass, guardMemory, inferenceBudget, largestBytesPerPixel } from './memory.js';
import { ResourceError, UsageError } from '../errors.js';

/** The reflect-101 padded copy of an RGB image at W x H (W, H >= its size), as float samples. */
export function padReflect(img: Image, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H * 3), d = img.data;
  for (let y = 0; y < H; y++) {
    const sy = reflect101(y, img.height);
    if (y < img.height && W === img.width) { out.set(d.subarray(y * W * 3, (y + 1) * W * 3), y * W * 3); continue; }
    for (let x = 0; x < W; x++) {
      const sx = reflect101(x, img.width), s = (sy * img.width + sx) * 3, o = (y * W + x) * 3;
      out[o] = d[s]!; out[o + 1] = d[s + 1]!; out[o + 2] = d[s + 2]!;
    }
  }
  return out;
}

/** A rectangle of an interleaved RGB float buffer of width W. */
export function cutRect(src: Float32Array, W: number, x0: number, y0: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(src.subarray(((y0 + y) * W + x0) * 3, ((y0 + y) * W + x0 + w) * 3), y * w * 3);
  return out;
}

export type RestorePlan =
  | { mode: 'whole'; width: number; height: number; estimate: number; budget: number }
  | { mode: 'tiles'; tile: number; overlap: number; tiles: number; estimate: number; budget: number; why: string };

export interface RestoreOptions {
  /** Force tiles of this side (rounded down to the network's size multiple); an image no larger is run whole. */
  tile?: number;
  /** Overlap of neighbouring tiles in pixels (default 32). */
  overlap?: number;
  /** Memory budget in bytes (--memory-limit); default: see inferenceBudget. */
  memoryLimit?: number;
}

/** The largest tile the automatic policy picks. */
const MAX_AUTO_TILE = 1024;

/** Tile starts along one side of length L: every T - overlap, the last flush with the end. */
function starts(L: number, T: number, overlap: number): number[] {
  if (L <= T) return [0];
  const s: number[] = [];
  for (let p = 0; p + T < L; p += T - overlap) s.push(p);
  s.push(L - T);
  return [...new Set(s)];
}

/**
 * The policy for one image: whole when its pass fits the budget (or fits one forced tile), else the largest tile that
 * fits. Throws a one-line ResourceError when not even the smallest tile fits, naming what to lower.
 */
export async function planRestore(model: MaskDcpt, width: number, height: number, o: RestoreOptions = {}, name = 'image'): Promise<RestorePlan> {
  const mult = 2 ** model.net.depth;
  const W = Math.ceil(width / mult) * mult, H = Math.ceil(height / mult) * mult;
  const overlap = o.overlap ?? 32;
  if (!Number.isInteger(overlap) || overlap < 0) throw new UsageError(`{overlap}: expected a whole number >= 0, received ${o.overlap}`);
  if (o.tile !== undefined && !(Number.isInteger(o.tile) && o.tile >= mult)) throw new UsageError(`{tile}: expected a whole number >= ${mult} (the network's size multiple), received ${o.tile}`);
  const perPixel = await bytesPerPixel(model, 'restore');
  const budget = inferenceBudget(o.memoryLimit, perPixel, largestBytesPerPixel(model));
  const whole = perPixel * W * H;
  const forced = o.tile !== undefined ? Math.floor(o.tile / mult) * mult : undefined;
  if (forced === undefined ? whole <= budget.bytes : W <= forced && H <= forced) {
    if (whole > budget.bytes) throw tooBig(name, width, height, `a whole-image pass needs about ${formatBytes(whole)}, more than ${formatBytes(budget.bytes)} (${budget.why})`, '{tile}');
    return { mode: 'whole', width: W, height: H, estimate: whole, budget: budget.bytes };
  }
  // automatic tiles: the largest that fits, up to 1024 px (larger tiles are no faster, and the wasm heap never shrinks)
  let T = forced ?? Math.min(MAX_AUTO_TILE, Math.floor(Math.sqrt(budget.bytes / perPixel) / mult) * mult);
  T = Math.min(T, Math.max(W, H));
  const need = perPixel * Math.min(T, W) * Math.min(T, H);
  const smallest = Math.ceil((2 * overlap + 1) / mult) * mult; // a tile must be more than its two overlaps
  if (forced !== undefined && 2 * overlap >= T) throw new UsageError(`{overlap} ${overlap}: must be less than half the tile ({tile} ${o.tile})`);
  if (T < smallest || need > budget.bytes) {
    const t = Math.max(T, smallest);
    throw tooBig(name, width, height, `a ${t}x${t} tile needs about ${formatBytes(perPixel * t * t)}, more than ${formatBytes(budget.bytes)} (${budget.why})`, forced !== undefined ? '{tile}' : '{overlap}, or raise {memoryLimit}, or use a smaller network');
  }
  const tiles = starts(H, T, overlap).length * starts(W, T, overlap).length;
  const why = forced ? `{tile} ${o.tile}` : `a whole-image pass needs about ${formatBytes(whole)}, more than ${formatBytes(budget.bytes)} (${budget.why})`;
  return { mode: 'tiles', tile: T, overlap, tiles, estimate: need, budget: budget.bytes, why };
}

function tooBig(name: string, w: number, h: number, detail: string, lower: string): ResourceError {
  return new ResourceError(`${name} (${w}x${h}): ${detail}; lower ${lower}`);
}

/** One plain line for logs: what the plan does and why. */
export function describeRestorePlan(p: RestorePlan): string {
  return p.mode === 'whole' ? `whole image (${p.width}x${p.height} padded, about ${formatBytes(p.estimate)})` : `${p.tiles} tiles of ${p.tile}x${p.tile} px with ${p.overlap} px overlap, blended (${p.why})`;
}

/**
 * Overlapping tiles of a W x H RGB image, each restored by `run(x0, y0, w, h)`, cross-faded into one: every tile's
 * weight ramps linearly from its edges over half the overlap, so neighbouring tiles blend instead of leaving seams.
 */
export async function blendTiles(W: number, H: number, T: number, overlap: number, run: (x0: number, y0: number, w: number, h: number) => Promise<Float32Array>): Promise<Float32Array> {
  const acc = new Float32Array(W * H * 3), wsum = new Float32Array(W * H);
  const tw = Math.min(T, W), th = Math.min(T, H);
  const ramp = (i: number, n: number): number => Math.min(1, (Math.min(i, n - 1 - i) + 1) / (overlap / 2 + 1));
  for (const y0 of starts(H, T, overlap)) for (const x0 of starts(W, T, overlap)) {
    const out = await run(x0, y0, tw, th);
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
      const w = ramp(x, tw) * ramp(y, th), g = (y0 + y) * W + x0 + x, s = (y * tw + x) * 3;
      wsum[g]! += w;
      acc[g * 3]! += w * out[s]!; acc[g * 3 + 1]! += w * out[s + 1]!; acc[g * 3 + 2]! += w * out[s + 2]!;
    }
  }
  for (let i = 0; i < W * H; i++) { const k = 1 / wsum[i]!; acc[i * 3]! *= k; acc[i * 3 + 1]! *= k; acc[i * 3 + 2]! *= k; }
  return acc;
}

/** Restore one image by a plan (see planRestore); the output has the input's size, clamped to [0, 1]. */
export async function restoreImage(model: MaskDcpt, img: Image, plan: RestorePlan, name = 'image'): Promise<Image> {
  const mult = 2 ** model.net.depth;
  const W = Math.ceil(img.width / mult) * mult, H = Math.ceil(img.height / mult) * mult;
  const padded = padReflect(img, W, H);
  const guard = { name, width: img.width, height: img.height, lower: plan.mode === 'whole' ? '{tile} (e.g. {tile} 512)' : `{tile} (now ${plan.tile})` };
  const run = (x0: number, y0: number, w: number, h: number): Promise<Float32Array> => guardMemory(guard, async () => {
    // the typed array is read outside tf.tidy, which would walk every element of a returned container
    const t = tf.tidy(() => forwardPass(model, tf.tensor4d(w === W && h === H ? padded : cutRect(padded, W, x0, y0, w, h), [1, h, w, 3]), 'restore')[0]!);
    try { return (await t.data()) as Float32Array; } finally { t.dispose(); }
  });
  const result = plan.mode === 'whole' ? await run(0, 0, W, H) : await blendTiles(W, H, plan.tile, plan.overlap, run);
  const out = img.width === W ? result.subarray(0, img.width * img.height * 3) : cutRect(result, W, 0, 0, img.width, img.height);
  const data = new Float32Array(out.length);
  for (let i = 0; i < out.length; i++) { const v = out[i]!; data[i] = v > 0 ? (v < 1 ? v : 1) : 0; }
  return { data, width: img.width, height: img.height, channels: 3 };
}
