/**
 * PIQE, the Perception based Image Quality Evaluator (Venkatanath et al., NCC 2015), no-reference, 0 (best) to 100
 * (worst): the score MaskDCPT reports for real-world images. This follows MathWorks' piqe.m step by step, so scores
 * match MATLAB's:
 * - pad (replicating the last row/column) to a multiple of 16, convert to grey as rgb2gray does for 8-bit images
 *   (round(0.298936 R + 0.587043 G + 0.114021 B) on 0-255 values);
 * - MSCN coefficients (I - mu) / (sigma + 1), mu and sigma from a 7x7 Gaussian (sigma 7/6) with replicate padding;
 * - per 16x16 block with variance (N-1) above 0.1 ("spatially active"): a noticeable-artifact test (any 6-pixel
 *   segment of the block's four edges with standard deviation below 0.1) and a noise test (block sigma > 2 beta, beta
 *   from the centre/surround deviation ratio; the surround drops columns 8 and 10 as piqe.m's successive deletions do);
 * - score = (sum over active blocks of [artifact](1 - var) + [noise] var + 1) / (active blocks + 1) x 100.
 */
import type { Image } from '../image.js';

const BLOCK = 16, SEGMENT = 6, ACTIVITY = 0.1, IMPAIRED = 0.1;

export interface PiqeResult { score: number; activeBlocks: number; artifactBlocks: number; noiseBlocks: number }

/** Grey 0-255 values of an RGB (or single-channel) float image on the 8-bit grid, padded to multiples of 16. */
function greyPadded(img: Image): { g: Float64Array; W: number; H: number } {
  const { width: w, height: h, channels: c, data } = img;
  const W = Math.ceil(w / BLOCK) * BLOCK, H = Math.ceil(h / BLOCK) * BLOCK;
  const g = new Float64Array(W * H);
  const q = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < W; x++) {
      const i = (sy * w + Math.min(x, w - 1)) * c;
      g[y * W + x] = c >= 3 ? Math.round(0.298936021293775 * q(data[i]!) + 0.587043074451121 * q(data[i + 1]!) + 0.114020904255103 * q(data[i + 2]!)) : q(data[i]!);
    }
  }
  return { g, W, H };
}

/** 7-tap Gaussian (sigma 7/6) in both directions with replicate padding, as imgaussfilt(..., 'Padding', 'replicate'). */
export function gauss7(src: Float64Array, W: number, H: number): Float64Array {
  const k: number[] = [];
  for (let i = -3; i <= 3; i++) k.push(Math.exp(-(i * i) / (2 * (7 / 6) ** 2)));
  const s = k.reduce((a, b) => a + b, 0);
  for (let i = 0; i < 7; i++) k[i]! /= s;
  const tmp = new Float64Array(W * H), out = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let a = 0;
    for (let t = -3; t <= 3; t++) a += k[t + 3]! * src[y * W + Math.min(W - 1, Math.max(0, x + t))]!;
    tmp[y * W + x] = a;
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let a = 0;
    for (let t = -3; t <= 3; t++) a += k[t + 3]! * tmp[Math.min(H - 1, Math.max(0, y + t)) * W + x]!;
    out[y * W + x] = a;
  }
  return out;
}

/** Sample standard deviation (N - 1), as MATLAB's std. */
function std(v: ArrayLike<number>): number {
  const n = v.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += v[i]!;
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (v[i]! - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

export function piqe(img: Image): PiqeResult {
  const { g, W, H } = greyPadded(img);
  const mu = gauss7(g, W, H);
  const sq = new Float64Array(W * H);
  for (let i = 0; i < sq.length; i++) sq[i] = g[i]! * g[i]!;
  const mu2 = gauss7(sq, W, H);
  const norm = new Float64Array(W * H);
  for (let i = 0; i < norm.length; i++) norm[i] = (g[i]! - mu[i]!) / (Math.sqrt(Math.abs(mu2[i]! - mu[i]! * mu[i]!)) + 1);

  let dist = 0, active = 0, artifacts = 0, noisy = 0;
  const block = new Float64Array(BLOCK * BLOCK);
  for (let by = 0; by < H; by += BLOCK) for (let bx = 0; bx < W; bx += BLOCK) {
    for (let y = 0; y < BLOCK; y++) for (let x = 0; x < BLOCK; x++) block[y * BLOCK + x] = norm[(by + y) * W + bx + x]!;
    const sd = std(block), v = sd * sd;
    if (!(v > ACTIVITY)) continue;
    active++;
    // noticeable artifacts: a flat 6-pixel segment on any edge of an active block
    const edges = [
      Array.from({ length: BLOCK }, (_, i) => block[i]!), // top
      Array.from({ length: BLOCK }, (_, i) => block[i * BLOCK + BLOCK - 1]!), // right
      Array.from({ length: BLOCK }, (_, i) => block[(BLOCK - 1) * BLOCK + i]!), // bottom
      Array.from({ length: BLOCK }, (_, i) => block[i * BLOCK]!), // left
    ];
    let impaired = false;
    for (let s = 0; s + SEGMENT <= BLOCK && !impaired; s++) impaired = edges.some((e) => std(e.slice(s, s + SEGMENT)) < IMPAIRED);
    // noise: centre columns (8, 9 one-based) against the rest without columns 8 and 10 (piqe.m's deletions)
    const centre: number[] = [], surround: number[] = [];
    for (let x = 0; x < BLOCK; x++) for (let y = 0; y < BLOCK; y++) {
      const val = block[y * BLOCK + x]!;
      if (x === 7 || x === 8) centre.push(val);
      if (x !== 7 && x !== 9) surround.push(val);
    }
    let csd = std(centre) / std(surround);
    if (Number.isNaN(csd)) csd = 0;
    const beta = Math.abs(sd - csd) / Math.max(sd, csd);
    const isNoisy = sd > 2 * beta;
    if (impaired) { artifacts++; dist += 1 - v; }
    if (isNoisy) { noisy++; dist += v; }
  }
  return { score: ((dist + 1) / (active + 1)) * 100, activeBlocks: active, artifactBlocks: artifacts, noiseBlocks: noisy };
}
