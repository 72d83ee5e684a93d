/**
 * Degradation classification of images of any size with a MaskDCPT checkpoint. The classifier pools globally, so the
 * whole image (reflect-padded to the network's size multiple) is classified when its pass fits the memory budget;
 * otherwise the class probabilities of a fixed grid of crops at the training resolution (up to 4 x 4, evenly spaced,
 * corners included) are averaged. Crops keep the pixel scale the network was trained at, which a downscale would not:
 * noise, rain streaks and JPEG blocks are statistics of the pixel grid, and shrinking a photo averages them away.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Image } from '../image.js';
import type { MaskDcpt } from './maskdcpt.js';
import { bytesPerPixel, formatBytes, forwardPass, guardMemory, inferenceBudget, largestBytesPerPixel } from './memory.js';
import { cutRect, padReflect } from './restore.js';
import { ResourceError } from '../errors.js';

export type ClassifyPolicy =
  | { mode: 'whole'; width: number; height: number }
  | { mode: 'crops'; crop: number; grid: [number, number]; crops: number; why: string };

export interface ClassifyResult { probs: Float32Array; policy: ClassifyPolicy }

/** Largest grid side: 16 crops a photo. */
const MAX_GRID = 4;

/** Evenly spaced starts of n crops of size c along L (first at 0, last flush with the end). */
function gridStarts(L: number, c: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? Math.floor((L - c) / 2) : Math.round((i * (L - c)) / (n - 1))));
}

/**
 * Classify one image: softmax probabilities over model.config.classes and the policy used. `crop` is the training
 * resolution (the checkpoint's patch), rounded to the network's size multiple.
 */
export async function classifyImage(model: MaskDcpt, img: Image, o: { crop: number; memoryLimit?: number; name?: string }): Promise<ClassifyResult> {
  const name = o.name ?? 'image', mult = 2 ** model.net.depth;
  const W = Math.ceil(img.width / mult) * mult, H = Math.ceil(img.height / mult) * mult;
  const perPixel = await bytesPerPixel(model, 'classify');
  const budget = inferenceBudget(o.memoryLimit, perPixel, largestBytesPerPixel(model));
  const pass = (data: Float32Array, n: number, w: number, h: number, lower: string): Promise<Float32Array> => guardMemory({ name, width: img.width, height: img.height, lower }, async () => {
    const t = tf.tidy(() => tf.softmax(forwardPass(model, tf.tensor4d(data, [n, h, w, 3]), 'classify')[0]!));
    try { return (await t.data()) as Float32Array; } finally { t.dispose(); }
  });
  if (perPixel * W * H <= budget.bytes) {
    const probs = await pass(padReflect(img, W, H), 1, W, H, '{memoryLimit}');
    return { probs, policy: { mode: 'whole', width: W, height: H } };
  }
  const c = Math.max(mult, Math.floor(o.crop / mult) * mult);
  const perCrop = perPixel * c * c;
  if (perCrop > budget.bytes) throw new ResourceError(`${name} (${img.width}x${img.height}): one ${c}x${c} crop needs about ${formatBytes(perCrop)}, more than ${formatBytes(budget.bytes)} (${budget.why}); raise {memoryLimit} or use a smaller network`);
  const padded = img.width >= c && img.height >= c ? null : padReflect(img, Math.max(c, img.width), Math.max(c, img.height));
  const src = padded ?? img.data, SW = padded ? Math.max(c, img.width) : img.width, SH = padded ? Math.max(c, img.height) : img.height;
  const cols = Math.min(MAX_GRID, Math.ceil(SW / c)), rows = Math.min(MAX_GRID, Math.ceil(SH / c));
  const boxes = gridStarts(SH, c, rows).flatMap((y) => gridStarts(SW, c, cols).map((x) => [x, y] as const));
  const perBatch = Math.max(1, Math.min(boxes.length, Math.floor(budget.bytes / perCrop)));
  const k = model.config.classes.length, sum = new Float32Array(k);
  for (let i = 0; i < boxes.length; i += perBatch) {
    const chunk = boxes.slice(i, i + perBatch), data = new Float32Array(chunk.length * c * c * 3);
    chunk.forEach(([x, y], j) => data.set(cutRect(src, SW, x, y, c, c), j * c * c * 3));
    const p = await pass(data, chunk.length, c, c, 'the crop size');
    for (let j = 0; j < p.length; j++) sum[j % k]! += p[j]!;
  }
  for (let j = 0; j < k; j++) sum[j]! /= boxes.length;
  const why = `a whole-image pass needs about ${formatBytes(perPixel * W * H)}, more than ${formatBytes(budget.bytes)} (${budget.why})`;
  return { probs: sum, policy: { mode: 'crops', crop: c, grid: [cols, rows], crops: boxes.length, why } };
}
