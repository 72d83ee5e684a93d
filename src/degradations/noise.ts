/**
 * noise (GN): additive Gaussian (colour or grey), Poisson (shot) and salt-and-pepper (impulse) noise.
 * Gaussian follows BasicSR/Real-ESRGAN (sigma in 0-255 units, grey noise with probability 0.4); Poisson and
 * salt-and-pepper are calibrated to the level's sigma so that every variant at a level has about the same MSE
 * (Poisson: peak = 0.45 / sigma^2 photons at white, since var = x / peak and mean intensity is ~0.45;
 * impulse: amount = 3 sigma^2, since an impulse costs ~1/3 in squared error).
 */
import { byteImageFromKernel, clamp01, type Image } from '../image.js';
import { Rng, logGamma } from '../rng.js';
import { gaussianNoise, gaussianNoiseBytes, poissonGrid, type PoissonTables } from '../wasm/pixels.js';
import { defineSpec, r4 } from './spec.js';
import { choice, fields, flag, num, type z } from '../schema.js';

export const noiseSchema = fields({
  variant: choice(['gaussian', 'poisson', 'salt-pepper'], 'Noise model, drawn with probabilities 0.6 / 0.25 / 0.15.'),
  sigma: num(0, 1, 'Standard deviation in [0,1] units; the level sets it (level 1 = 2/255 ... level 16 = 80/255).'),
  gray: flag('Gaussian: same noise on R, G, B (probability 0.4, as Real-ESRGAN).'),
  peak: num(0.01, 1e7, 'Poisson: photons at intensity 1; peak = 0.45 / sigma^2.'),
  amount: num(0, 1, 'Salt-and-pepper: fraction of pixels replaced; 3 sigma^2.'),
  saltRatio: num(0, 1, 'Salt-and-pepper: share of white among replaced pixels, U(0.4, 0.6).'),
});
export type NoiseParams = z.infer<typeof noiseSchema>;
export type NoiseVariant = NoiseParams['variant'];

export const NOISE_SIGMAS = [2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 35, 40, 50, 60, 70, 80] as const;

export function addGaussianNoise(img: Image, sigma: number, gray: boolean, rng: Rng): Image {
  if (!gray && img.bytes) return addGaussianNoiseBytes(img, img.bytes, sigma, rng);
  const n = img.width * img.height, d = img.data, out = new Float32Array(d.length);
  if (gray) {
    const z = new Float32Array(n);
    rng.fillNormal(z);
    for (let i = 0; i < n; i++) {
      const e = z[i]! * sigma, j = i * 3;
      out[j] = d[j]! + e; out[j + 1] = d[j + 1]! + e; out[j + 2] = d[j + 2]! + e;
    }
    return clamp01({ data: out, width: img.width, height: img.height, channels: 3 });
  }
  return { data: rng.lend((st) => gaussianNoise(d, sigma, st)), width: img.width, height: img.height, channels: 3 };
}

/**
 * addGaussianNoise (colour) of an 8-bit image, bytes in and bytes out: the same draws and the same values, with the
 * floats made only when asked for (by drawing the same noise again from a copy of the generator).
 */
function addGaussianNoiseBytes(img: Image, bytes: Uint8Array, sigma: number, rng: Rng): Image {
  const again = rng.clone();
  return byteImageFromKernel(img.width, img.height, (floats) => (floats ? again : rng).lend((st) => gaussianNoiseBytes(bytes, sigma, st, floats)));
}

/**
 * Poisson(x * peak) / peak for every sample. Values on the 8-bit grid (within 1e-4 of k / 255: every 8-bit source)
 * are drawn in wasm by inversion of one CDF per level; any other value is drawn in JS (PTRS). An 8-bit image goes
 * bytes in, bytes out (the same draws and values; its floats, when asked for, by drawing again from a copy of the
 * generator).
 */
export function addPoissonNoise(img: Image, peak: number, rng: Rng): Image {
  const n = img.width * img.height * 3, tables = poissonTables(peak), bytes = img.bytes;
  const run = (r: Rng, floats: boolean): Float32Array | Uint8Array => r.lend((st) => poissonGrid(bytes ?? img.data, tables, 1 / peak, st, floats));
  if (bytes) {
    const again = rng.clone();
    return byteImageFromKernel(img.width, img.height, (floats) => run(floats ? again : rng, floats));
  }
  const out = run(rng, true) as Float32Array, d = img.data;
  let offGrid = false;
  for (let i = 0; i < n; i++) if (out[i]! < 0) { out[i] = rng.poisson(Math.max(0, d[i]!) * peak) / peak; offGrid = true; }
  const result = { data: out, width: img.width, height: img.height, channels: 3 as const };
  return offGrid ? clamp01(result) : result;
}

const tableCache = new Map<number, PoissonTables>();

/** The 256 per-level CDFs and guide tables for a peak, concatenated (the last few peaks are kept). */
function poissonTables(peak: number): PoissonTables {
  const hit = tableCache.get(peak);
  if (hit) return hit;
  const tables = Array.from({ length: 256 }, (_, k) => poissonCdf(Math.fround(k / 255) * peak));
  const total = tables.reduce((s, t) => s + t.cdf.length, 0);
  const out: PoissonTables = { cdf: new Float64Array(total), guide: new Int32Array(total), offs: new Int32Array(256), lens: new Int32Array(256), los: new Int32Array(256) };
  let at = 0;
  tables.forEach((t, i) => {
    out.cdf.set(t.cdf, at);
    const m = t.cdf.length;
    for (let j = 0, e = 0; j < m; j++) { while (t.cdf[e]! <= j / m) e++; out.guide[at + j] = e; }
    out.offs[i] = at; out.lens[i] = m; out.los[i] = t.lo;
    at += m;
  });
  if (tableCache.size >= 4) tableCache.delete(tableCache.keys().next().value!);
  tableCache.set(peak, out);
  return out;
}

/** CDF of Poisson(lambda) over [lo, hi] = mean +- 12 sd; the pmf by the recurrence p(k+1) = p(k) lambda / (k+1). */
function poissonCdf(lambda: number): { lo: number; cdf: Float64Array } {
  if (lambda <= 0) return { lo: 0, cdf: Float64Array.of(1.0000001) };
  const sd = Math.sqrt(lambda);
  const lo = Math.max(0, Math.floor(lambda - 12 * sd - 10)), hi = Math.ceil(lambda + 12 * sd + 10);
  const cdf = new Float64Array(hi - lo + 1);
  let p = Math.exp(lo * Math.log(lambda) - lambda - logGamma(lo + 1)), acc = 0;
  for (let k = lo; k <= hi; k++) { acc += p; cdf[k - lo] = acc; p *= lambda / (k + 1); }
  for (let i = 0; i < cdf.length; i++) cdf[i]! /= acc;
  cdf[cdf.length - 1] = 1.0000001; // u < 1 always lands inside
  return { lo, cdf };
}

export function addSaltPepper(img: Image, amount: number, saltRatio: number, rng: Rng): Image {
  const n = img.width * img.height, out = img.data.slice();
  for (let i = 0; i < n; i++) {
    const u = rng.next(), v = rng.next();
    if (u < amount) { const val = v < saltRatio ? 1 : 0; out[i * 3] = val; out[i * 3 + 1] = val; out[i * 3 + 2] = val; }
  }
  return { data: out, width: img.width, height: img.height, channels: 3 };
}

export default defineSpec({
  id: 'noise',
  code: 'GN',
  summary: 'Additive Gaussian (colour/grey), Poisson shot and salt-and-pepper noise at a common sigma',
  model: 'BasicSR/Real-ESRGAN add_gaussian_noise and add_poisson_noise; impulse noise as in ImageNet-C',
  kind: 'single',
  random: true,
  levels: NOISE_SIGMAS.map((s) => ({ summary: `sigma ${s}/255 (Gaussian 60%, Poisson 25%, salt-and-pepper 15%)` })),
  schema: noiseSchema,
  sample(level, rng) {
    const variant = (['gaussian', 'poisson', 'salt-pepper'] as const)[rng.weighted([0.6, 0.25, 0.15])]!;
    const gray = rng.bool(0.4);
    const saltRatio = r4(rng.uniform(0.4, 0.6));
    const sigma = NOISE_SIGMAS[level - 1]! / 255;
    return { variant, sigma: r4(sigma * 1e2) / 1e2, gray, peak: r4(0.45 / (sigma * sigma)), amount: r4(Math.min(1, 3 * sigma * sigma)), saltRatio };
  },
  apply(img, p, rng) {
    switch (p.variant) {
      case 'gaussian': return addGaussianNoise(img, p.sigma, p.gray, rng);
      case 'poisson': return addPoissonNoise(img, p.peak, rng);
      case 'salt-pepper': return addSaltPepper(img, p.amount, p.saltRatio, rng);
    }
  },
});
