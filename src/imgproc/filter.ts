/**
 * Linear filtering on the float image type. Borders are mirrored without repeating the edge sample
 * (OpenCV's BORDER_REFLECT_101), which also keeps a Bayer pattern's parity intact. The taps run in the SIMD kernels
 * (wasm/pixels.ts), which read a decoded photo's bytes directly and, for an operator's clamped result, write bytes.
 */
import { byteImageFromKernel, clamp01, plainBytes, type Image } from '../image.js';
import { convolveTaps as tapKernel, separableTaps } from '../wasm/pixels.js';

export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

/** 1-D Gaussian taps for sigma, radius defaulting to ceil(3 sigma), normalised to sum 1. */
export function gaussianKernel1d(sigma: number, radius = Math.max(1, Math.ceil(3 * sigma))): Float32Array {
  const k = new Float32Array(2 * radius + 1);
  let s = 0;
  for (let i = -radius; i <= radius; i++) { const v = Math.exp(-(i * i) / (2 * sigma * sigma)); k[i + radius] = v; s += v; }
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

/** Source rows (or columns) that the r padding rows (columns) on each side of n repeat: first side first. */
function mirrorIndex(r: number, n: number): Int32Array {
  const m = new Int32Array(2 * r);
  for (let i = 0; i < r; i++) { m[i] = reflect101(i - r, n); m[r + i] = reflect101(n + i, n); }
  return m;
}

/**
 * The result of a filter that writes floats, or bytes when `clamped` and the input is a plain 8-bit image: then its
 * result is 8-bit first too (what an encoder writes), its floats (clamped to [0, 1]) made only if read, and no float
 * copy of the photo or of the result is made on the way.
 */
function filtered(img: Image, clamped: boolean, run: (src: Uint8Array | Float32Array, bytes: boolean) => Uint8Array | Float32Array): Image {
  const { width: W, height: H, channels: C } = img, bytes = plainBytes(img);
  if (clamped && bytes) return byteImageFromKernel(W, H, (floats) => (floats ? clamp01({ data: run(bytes, false) as Float32Array, width: W, height: H, channels: C }).data : run(bytes, true)));
  const out: Image = { data: run(bytes ?? img.data, false) as Float32Array, width: W, height: H, channels: C };
  return clamped ? clamp01(out) : out;
}

/**
 * Horizontal then vertical pass with odd-length kernels (centre at the middle tap), the intermediate kept in the
 * kernel's memory (separableTaps). `clamped`: the result clamped to [0, 1] (see filtered).
 */
export function convolveSeparable(img: Image, kx: Float32Array, ky: Float32Array, clamped = false): Image {
  const { width: W, height: H, channels: C } = img;
  const rx = (kx.length - 1) >> 1, ry = (ky.length - 1) >> 1;
  const ox: number[] = [], wx: number[] = [], oy: number[] = [], wy: number[] = [];
  for (let t = 0; t < kx.length; t++) if (kx[t] !== 0) { ox.push((t - rx) * C); wx.push(kx[t]!); }
  for (let t = 0; t < ky.length; t++) if (ky[t] !== 0) { oy.push((t - ry) * W * C); wy.push(ky[t]!); }
  const cols = mirrorIndex(rx, W), rows = mirrorIndex(ry, H);
  return filtered(img, clamped, (src, bytes) => separableTaps(src, W, H, C, cols, rows, ox, wx, oy, wy, bytes));
}

export function gaussianBlur(img: Image, sigma: number, sigmaY = sigma): Image {
  if (sigma <= 0 && sigmaY <= 0) return { ...img, data: img.data.slice() };
  const kx = sigma > 0 ? gaussianKernel1d(sigma) : new Float32Array([1]);
  const ky = sigmaY > 0 ? gaussianKernel1d(sigmaY) : new Float32Array([1]);
  return convolveSeparable(img, kx, ky);
}

export interface Tap { dx: number; dy: number; w: number }

/**
 * 2-D convolution with a sparse list of taps (correlation form: out(x) = sum w * in(x + d)), SIMD. `clamped`: the
 * result clamped to [0, 1] (see filtered).
 */
export function convolveTaps(img: Image, taps: readonly Tap[], clamped = false): Image {
  let rx = 0, ry = 0;
  for (const t of taps) { rx = Math.max(rx, Math.abs(t.dx)); ry = Math.max(ry, Math.abs(t.dy)); }
  const { width: W, height: H, channels: C } = img, PWC = (W + 2 * rx) * C;
  const offsets = taps.map((t) => t.dy * PWC + t.dx * C), weights = taps.map((t) => t.w);
  const cols = mirrorIndex(rx, W), rows = mirrorIndex(ry, H);
  return filtered(img, clamped, (src, bytes) => tapKernel(src, W, H, C, cols, rows, offsets, weights, bytes));
}

/** A square kernel: size x size weights, row-major, rows = dy, centre at (size-1)/2. */
export interface Kernel2D { size: number; weights: Float32Array }

export function kernelTaps(k: Kernel2D, eps = 0): Tap[] {
  const r = (k.size - 1) >> 1, taps: Tap[] = [];
  for (let y = 0; y < k.size; y++) for (let x = 0; x < k.size; x++) {
    const w = k.weights[y * k.size + x]!;
    if (Math.abs(w) > eps) taps.push({ dx: x - r, dy: y - r, w });
  }
  return taps;
}

interface RankOne { s: number; u: Float64Array; v: Float64Array }

/**
 * Decompose a kernel into a sum of separable (rank-one) terms by power iteration with deflation, stopping when
 * the residual is below `tol` of the kernel's norm. Blur kernels (Gaussian, generalized Gaussian, sinc) are
 * smooth and need few terms, so sum-of-separable filtering costs ~2·k·rank taps instead of k².
 */
export function lowRank(k: Kernel2D, tol = 1e-5, maxRank = k.size): { terms: RankOne[]; converged: boolean } {
  const n = k.size;
  const R = Float64Array.from(k.weights);
  let norm = 0;
  for (let i = 0; i < R.length; i++) norm += R[i]! * R[i]!;
  norm = Math.sqrt(norm);
  const terms: RankOne[] = [];
  const residual = (): number => { let res = 0; for (let i = 0; i < R.length; i++) res += R[i]! * R[i]!; return Math.sqrt(res); };
  if (norm === 0) return { terms, converged: true };
  for (let r = 0; r < maxRank; r++) {
    if (residual() <= tol * norm) break;
    // start from the column with the largest norm (deterministic)
    let best = 0, bestN = -1;
    for (let x = 0; x < n; x++) { let s = 0; for (let y = 0; y < n; y++) s += R[y * n + x]! ** 2; if (s > bestN) { bestN = s; best = x; } }
    let v = new Float64Array(n); v[best] = 1;
    const u = new Float64Array(n);
    let s = 0;
    for (let it = 0; it < 300; it++) {
      for (let y = 0; y < n; y++) { let a = 0; for (let x = 0; x < n; x++) a += R[y * n + x]! * v[x]!; u[y] = a; }
      let un = 0; for (let y = 0; y < n; y++) un += u[y]! ** 2; un = Math.sqrt(un) || 1;
      for (let y = 0; y < n; y++) u[y]! /= un;
      const nv = new Float64Array(n);
      for (let x = 0; x < n; x++) { let a = 0; for (let y = 0; y < n; y++) a += R[y * n + x]! * u[y]!; nv[x] = a; }
      let vn = 0; for (let x = 0; x < n; x++) vn += nv[x]! ** 2; vn = Math.sqrt(vn) || 1;
      for (let x = 0; x < n; x++) nv[x]! /= vn;
      let diff = 0; for (let x = 0; x < n; x++) diff = Math.max(diff, Math.abs(nv[x]! - v[x]!));
      v = nv; s = vn;
      if (diff < 1e-12) break;
    }
    terms.push({ s, u: u.slice(), v });
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) R[y * n + x]! -= s * u[y]! * v[x]!;
  }
  return { terms, converged: residual() <= tol * norm };
}

/**
 * Convolve with an arbitrary square kernel: as a sum of separable passes when the kernel has low rank
 * (exact to ~1e-5 of its norm), otherwise directly with its non-zero taps.
 */
export function convolveKernel(img: Image, k: Kernel2D): Image {
  const { terms, converged } = lowRank(k, 1e-5, Math.ceil(k.size / 4));
  if (!converged) return convolveTaps(img, kernelTaps(k));
  const out = new Float32Array(img.data.length);
  for (const t of terms) {
    const kx = Float32Array.from(t.v), ky = new Float32Array(t.u.length);
    for (let i = 0; i < ky.length; i++) ky[i] = t.u[i]! * t.s;
    const r = convolveSeparable(img, kx, ky).data;
    for (let i = 0; i < out.length; i++) out[i]! += r[i]!;
  }
  return { data: out, width: img.width, height: img.height, channels: img.channels };
}

/** Box blur of a single-channel plane by repeated running sums (3 passes approximate a Gaussian of sigma). */
export function boxBlurPlane(plane: Float32Array, W: number, H: number, sigma: number): Float32Array {
  if (sigma <= 0) return plane.slice();
  // three box passes of width w have variance 3 (w^2 - 1) / 12
  const w = Math.max(1, Math.round(Math.sqrt((12 * sigma * sigma) / 3 + 1)) | 1);
  const r = (w - 1) >> 1;
  let a: Float32Array = plane.slice(), b = new Float32Array(plane.length);
  for (let pass = 0; pass < 3; pass++) {
    boxH(a, b, W, H, r); boxV(b, a, W, H, r);
  }
  return a;
}

function boxH(src: Float32Array, dst: Float32Array, W: number, H: number, r: number): void {
  const inv = 1 / (2 * r + 1);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    let s = 0;
    for (let i = -r; i <= r; i++) s += src[o + reflect101(i, W)]!;
    for (let x = 0; x < W; x++) {
      dst[o + x] = s * inv;
      s += src[o + reflect101(x + r + 1, W)]! - src[o + reflect101(x - r, W)]!;
    }
  }
}

function boxV(src: Float32Array, dst: Float32Array, W: number, H: number, r: number): void {
  const inv = 1 / (2 * r + 1);
  const acc = new Float64Array(W);
  for (let i = -r; i <= r; i++) { const s = reflect101(i, H) * W; for (let x = 0; x < W; x++) acc[x]! += src[s + x]!; }
  for (let y = 0; y < H; y++) {
    const o = y * W, add = reflect101(y + r + 1, H) * W, sub = reflect101(y - r, H) * W;
    for (let x = 0; x < W; x++) { dst[o + x] = acc[x]! * inv; acc[x]! += src[add + x]! - src[sub + x]!; }
  }
}

/** Gaussian blur of a single-channel plane via the separable path. */
export function blurPlane(plane: Float32Array, W: number, H: number, sigma: number): Float32Array {
  return gaussianBlur({ data: plane, width: W, height: H, channels: 1 }, sigma).data;
}

