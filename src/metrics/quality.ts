/**
 * Full-reference image quality with the conventions of the MaskDCPT paper and the codebases it compares with
 * (BasicSR calculate_psnr / calculate_ssim, as used by Restormer and PromptIR): RGB, float in [0, 1], no border crop;
 * SSIM with an 11x11 Gaussian window (sigma 1.5) per channel over the 'valid' region, C1 = 0.01^2, C2 = 0.03^2,
 * averaged over channels.
 */
import type { Image } from '../image.js';
import { gaussianKernel1d } from '../imgproc/filter.js';

/** PSNR in dB (Infinity for identical images; callers that average cap it). */
export function psnr(a: Image, b: Image): number {
  sameShape(a, b);
  let s = 0;
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) { const d = x[i]! - y[i]!; s += d * d; }
  const mse = s / x.length;
  return mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
}

function sameShape(a: Image, b: Image): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`images differ in size: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`);
  }
}

/** 'valid' separable filtering of one channel plane with a 1-D kernel (both directions). */
function filterValid(p: Float64Array, W: number, H: number, k: Float32Array): { data: Float64Array; w: number; h: number } {
  const n = k.length, w = W - n + 1, h = H - n + 1;
  const tmp = new Float64Array(w * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += k[i]! * p[y * W + x + i]!;
    tmp[y * w + x] = s;
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += k[i]! * tmp[(y + i) * w + x]!;
    out[y * w + x] = s;
  }
  return { data: out, w, h };
}

export function ssim(a: Image, b: Image): number {
  sameShape(a, b);
  const { width: W, height: H, channels: C } = a;
  if (W < 11 || H < 11) throw new Error(`SSIM needs images of at least 11x11, received ${W}x${H}`);
  const k = gaussianKernel1d(1.5, 5);
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  let total = 0;
  for (let c = 0; c < C; c++) {
    const x = new Float64Array(W * H), y = new Float64Array(W * H), xx = new Float64Array(W * H), yy = new Float64Array(W * H), xy = new Float64Array(W * H);
    for (let i = 0; i < W * H; i++) {
      const u = a.data[i * C + c]!, v = b.data[i * C + c]!;
      x[i] = u; y[i] = v; xx[i] = u * u; yy[i] = v * v; xy[i] = u * v;
    }
    const mx = filterValid(x, W, H, k), my = filterValid(y, W, H, k);
    const sxx = filterValid(xx, W, H, k), syy = filterValid(yy, W, H, k), sxy = filterValid(xy, W, H, k);
    let s = 0;
    const n = mx.w * mx.h;
    for (let i = 0; i < n; i++) {
      const m1 = mx.data[i]!, m2 = my.data[i]!;
      const v1 = sxx.data[i]! - m1 * m1, v2 = syy.data[i]! - m2 * m2, cov = sxy.data[i]! - m1 * m2;
      s += ((2 * m1 * m2 + C1) * (2 * cov + C2)) / ((m1 * m1 + m2 * m2 + C1) * (v1 + v2 + C2));
    }
    total += s / n;
  }
  return total / C;
}
