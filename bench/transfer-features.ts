/**
 * The statistics the transfer probe (transfer.ts) classifies a crop by: natural-scene statistics of the kind that
 * identify distortions in no-reference quality assessment (Mittal et al. 2012, BRISQUE: the generalised Gaussian fit
 * of mean-subtracted contrast-normalised (MSCN) luma and asymmetric fits of its neighbour products in four
 * directions, at three scales; Moorthy & Bovik 2011, DIIVINE, classify distortion types with such features), with
 * what those leave out for the types uir makes: brightness and its spread (low light), the dark channel and contrast
 * (haze, He et al. 2009), saturation, the flat-region noise level, the balance of horizontal and vertical gradients
 * and how far the high-pass stays correlated along near-vertical and near-horizontal paths (streaks, flakes, blur),
 * and the energy of the luma's spectrum in octave bands and six orientations (DIIVINE's oriented subband statistics,
 * from the FFT: how fine the detail is, and how one-directional; hard-edged rain streaks put energy at the finest
 * band across their direction).
 * Chroma statistics are left out: greyscale photographs (Levin et al.'s) would put them outside anything uir makes.
 */

import { gauss7 } from '../src/metrics/piqe.js';
import { fft2 } from '../src/metrics/realism.js';

/** An 8-bit RGB image (interleaved), as the probe samples it. */
export interface Sample { bytes: Uint8Array; w: number; h: number }

/** Lanczos approximation of the gamma function (g = 7). */
function gamma(z: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.PI / (Math.sin(Math.PI * z) * gamma(1 - z));
  z -= 1;
  let x = c[0]!;
  for (let i = 1; i < 9; i++) x += c[i]! / (z + i);
  const t = z + 7.5;
  return Math.sqrt(2 * Math.PI) * t ** (z + 0.5) * Math.exp(-t) * x;
}

const ALPHAS = Array.from({ length: 9800 }, (_, i) => 0.2 + i * 0.001);
const GGD_RATIO = ALPHAS.map((a) => (gamma(1 / a) * gamma(3 / a)) / gamma(2 / a) ** 2);
const AGGD_RATIO = ALPHAS.map((a) => gamma(2 / a) ** 2 / (gamma(1 / a) * gamma(3 / a)));
/** The shape whose ratio is nearest v (the tables are monotonic in the shape). */
const nearest = (table: number[], v: number): number => {
  const up = table[table.length - 1]! > table[0]!;
  let lo = 0, hi = table.length - 1;
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if ((table[mid]! < v) === up) lo = mid; else hi = mid; }
  return ALPHAS[Math.abs(table[lo]! - v) <= Math.abs(table[hi]! - v) ? lo : hi]!;
};

/** Generalised Gaussian fit (moment matching): shape and variance. */
function ggd(m: Float64Array): [number, number] {
  let s2 = 0, s1 = 0;
  for (const v of m) { s2 += v * v; s1 += Math.abs(v); }
  s2 /= m.length; s1 /= m.length;
  return [nearest(GGD_RATIO, s2 / (s1 * s1 + 1e-12)), s2];
}

/** Asymmetric generalised Gaussian fit of neighbour products: shape, mean, left and right variances. */
function aggd(x: Float64Array): number[] {
  let l = 0, nl = 0, r = 0, nr = 0, a1 = 0, a2 = 0;
  for (const v of x) {
    if (v < 0) { l += v * v; nl++; } else if (v > 0) { r += v * v; nr++; }
    a1 += Math.abs(v); a2 += v * v;
  }
  const left = Math.sqrt(l / Math.max(1, nl)), right = Math.sqrt(r / Math.max(1, nr));
  const g = left / (right + 1e-12), rhat = (a1 / x.length) ** 2 / (a2 / x.length + 1e-12);
  const alpha = nearest(AGGD_RATIO, (rhat * (g ** 3 + 1) * (g + 1)) / (g * g + 1) ** 2);
  const mean = (right - left) * (gamma(2 / alpha) / gamma(1 / alpha)) * Math.sqrt(gamma(1 / alpha) / gamma(3 / alpha));
  return [alpha, mean, left * left, right * right];
}

/** BRISQUE's 18 statistics of one scale, and the local standard deviation map they normalise by. */
function mscnStats(y: Float64Array, w: number, h: number): { f: number[]; sigma: Float64Array } {
  const mu = gauss7(y, w, h), sq = gauss7(y.map((v) => v * v), w, h);
  const sigma = new Float64Array(w * h), m = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) { sigma[i] = Math.sqrt(Math.max(0, sq[i]! - mu[i]! * mu[i]!)); m[i] = (y[i]! - mu[i]!) / (sigma[i]! + 1); }
  const f = ggd(m);
  for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [1, -1]] as const) {
    const prod = new Float64Array((h - 1) * (w - dx));
    let k = 0;
    for (let yy = Math.max(0, -dy); yy < h - Math.max(0, dy); yy++) for (let xx = 0; xx < w - dx; xx++) prod[k++] = m[yy * w + xx]! * m[(yy + dy) * w + xx + dx]!;
    f.push(...aggd(prod.subarray(0, k)));
  }
  return { f, sigma };
}

const half = (p: Float64Array, w: number, h: number): Float64Array => {
  const W = w >> 1, H = h >> 1, o = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) o[y * W + x] = (p[2 * y * w + 2 * x]! + p[2 * y * w + 2 * x + 1]! + p[(2 * y + 1) * w + 2 * x]! + p[(2 * y + 1) * w + 2 * x + 1]!) / 4;
  return o;
};

/** The q-quantile of sorted values. */
const at = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** log of the ratio of horizontal to vertical gradient energy of the high-pass (vertical streaks raise it). */
function gradientBalance(y: Float64Array, w: number, h: number): number {
  let gx = 0, gy = 0;
  for (let yy = 1; yy < h - 1; yy++) for (let x = 1; x < w - 1; x++) {
    const i = yy * w + x;
    gx += (y[i + 1]! - y[i - 1]!) ** 2; gy += (y[i + w]! - y[i - w]!) ** 2;
  }
  return Math.log((gx + 1) / (gy + 1));
}

/**
 * How far the 5x5 high-pass stays correlated along near-vertical and near-horizontal paths (within 35 degrees: rain
 * in wind, as in Rain100L, leans up to about 30) at lags of 3, 6 and 12 px: rain streaks are long near-vertical
 * ridges, snow flakes short, noise uncorrelated past a pixel or two, blur correlated every way.
 */
function streakCorrelation(y: Float64Array, w: number, h: number): number[] {
  const hp = new Float64Array(w * h);
  let v0 = 0;
  for (let yy = 0; yy < h; yy++) for (let x = 0; x < w; x++) {
    let m = 0;
    for (let j = -2; j <= 2; j++) for (let i = -2; i <= 2; i++) m += y[Math.min(h - 1, Math.max(0, yy + j)) * w + Math.min(w - 1, Math.max(0, x + i))]!;
    hp[yy * w + x] = y[yy * w + x]! - m / 25; v0 += hp[yy * w + x]! ** 2;
  }
  v0 = v0 / (w * h) + 1e-6;
  const corr = (dx: number, dy: number): number => {
    let s = 0, n = 0;
    for (let yy = Math.max(0, -dy); yy < h - Math.max(0, dy); yy++) for (let x = Math.max(0, -dx); x < w - Math.max(0, dx); x++) { s += hp[yy * w + x]! * hp[(yy + dy) * w + x + dx]!; n++; }
    return s / n / v0;
  };
  const out: number[] = [];
  for (const d of [3, 6, 12]) {
    let vert = -1, horiz = -1;
    for (const t of [-0.7, -0.36, -0.18, 0, 0.18, 0.36, 0.7]) { vert = Math.max(vert, corr(Math.round(d * t), d)); horiz = Math.max(horiz, corr(d, Math.round(d * t))); }
    out.push(vert, horiz);
  }
  return out;
}

/** Standard deviation of a plane's 3x3 high-pass (the plane minus its 3x3 mean), borders left out. */
function highPassStd(p: Float64Array, w: number, h: number): number {
  let s = 0, n = 0;
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    let m = 0;
    for (let j = -1; j <= 1; j++) for (let i = -1; i <= 1; i++) m += p[(y + j) * w + x + i]!;
    s += (p[y * w + x]! - m / 9) ** 2; n++;
  }
  return Math.sqrt(s / n);
}

const BANDS = [[2, 4], [4, 8], [8, 16], [16, 32], [32, 65]] as const, ORIENTATIONS = 6, FFT_N = 128;
/** The Hann window of the FFT, and the band x orientation bin of each frequency (-1: outside the bands), computed once. */
const HANN = Float64Array.from({ length: FFT_N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / FFT_N));
const SPECTRUM_BIN = Int16Array.from({ length: FFT_N * FFT_N }, (_, k) => {
  const N = FFT_N, u = k % N, v = (k - u) / N, fu = u < N / 2 ? u : u - N, fv = v < N / 2 ? v : v - N, r = Math.hypot(fu, fv);
  const b = BANDS.findIndex(([lo, hi]) => r >= lo && r < hi);
  if (b < 0) return -1;
  let th = Math.atan2(fv, fu);
  if (th < 0) th += Math.PI;
  // orientation bin 0 is centred on the horizontal frequencies
  return b * ORIENTATIONS + (Math.floor(((th + Math.PI / (2 * ORIENTATIONS)) % Math.PI) / (Math.PI / ORIENTATIONS)) % ORIENTATIONS);
});

/**
 * Oriented band energies of the luma (Hann-windowed 128 px FFT): the log share of each octave band (2-4 ... 32-64
 * cycles per 128 px) and the log total; for the four finer bands the largest and smallest of six orientation bins and
 * the horizontal- and vertical-frequency bins (vertical streaks are horizontal frequencies), over the band's mean.
 */
export function orientedBands(y: Float64Array, size: number): number[] {
  const N = FFT_N, o = (size - N) >> 1, re = new Float64Array(N * N), im = new Float64Array(N * N);
  let mean = 0;
  for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) mean += y[(o + j) * size + o + i]!;
  mean /= N * N;
  for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) re[j * N + i] = (y[(o + j) * size + o + i]! - mean) * HANN[i]! * HANN[j]!;
  fft2(re, im, N, false);
  const E = BANDS.map(() => new Float64Array(ORIENTATIONS));
  for (let k = 0; k < N * N; k++) {
    const bin = SPECTRUM_BIN[k]!;
    if (bin >= 0) E[Math.floor(bin / ORIENTATIONS)]![bin % ORIENTATIONS]! += re[k]! ** 2 + im[k]! ** 2;
  }
  const tot = E.map((e) => e.reduce((a, b) => a + b, 0) + 1e-3), all = tot.reduce((a, b) => a + b, 0), f = tot.map((t) => Math.log(t / all));
  f.push(Math.log(all / (N * N)));
  for (let b = 1; b < BANDS.length; b++) {
    const e = E[b]!, m = tot[b]! / ORIENTATIONS;
    f.push(Math.log(Math.max(...e) / m + 1e-3), Math.log(Math.min(...e) / m + 1e-3), Math.log(e[0]! / m + 1e-3), Math.log(e[3]! / m + 1e-3));
  }
  return f;
}

/** The feature vector of a size x size crop at (x0, y0). */
export function cropFeatures(s: Sample, x0: number, y0: number, size: number): number[] {
  const n = size * size, y = new Float64Array(n);
  let sat = 0, dark = 0;
  for (let yy = 0; yy < size; yy++) for (let x = 0; x < size; x++) {
    const si = ((y0 + yy) * s.w + x0 + x) * 3, r = s.bytes[si]!, g = s.bytes[si + 1]!, b = s.bytes[si + 2]!;
    y[yy * size + x] = 0.299 * r + 0.587 * g + 0.114 * b;
    const mx = Math.max(r, g, b), mn = Math.min(r, g, b);
    sat += (mx - mn) / (mx + 1); dark += mn;
  }
  const f: number[] = [];
  let p: Float64Array = y, w = size, sigma0: Float64Array | null = null;
  for (let scale = 0; scale < 3; scale++) {
    const st = mscnStats(p, w, w);
    f.push(...st.f);
    sigma0 ??= st.sigma;
    if (scale < 2) { f.push(gradientBalance(p, w, w), ...streakCorrelation(p, w, w)); p = half(p, w, w); w >>= 1; }
  }
  let mean = 0, sd = 0;
  for (const v of y) mean += v;
  mean /= n;
  for (const v of y) sd += (v - mean) ** 2;
  sd = Math.sqrt(sd / n);
  const hy = highPassStd(y, size, size) + 0.1, sorted = Float64Array.from(y).sort(), local = Float64Array.from(sigma0!).sort();
  f.push(Math.log1p(at(local, 0.1)), Math.log1p(at(local, 0.5)), Math.log(hy),
    mean / 255, at(sorted, 0.05) / 255, at(sorted, 0.5) / 255, at(sorted, 0.95) / 255, sd / 255,
    dark / n / 255, sat / n, ...orientedBands(y, size));
  return f;
}
