/**
 * noise (GN): additive Gaussian (colour or grey), Poisson (shot) and salt-and-pepper (impulse) noise.
 * Gaussian follows BasicSR/Real-ESRGAN (sigma in 0-255 units, grey noise with probability 0.4); Poisson and
 * salt-and-pepper are calibrated to the level's sigma so that every variant at a level has about the same MSE
 * (Poisson: peak = 0.45 / sigma^2 photons at white, since var = x / peak and mean intensity is ~0.45;
 * impulse: amount = 3 sigma^2, since an impulse costs ~1/3 in squared error).
 */
import type { Image } from '../image.js';
import { clamp01 } from '../image.js';
import { Rng, logGamma } from '../rng.js';
import { defineSpec, r4 } from './spec.js';

export type NoiseVariant = 'gaussian' | 'poisson' | 'salt-pepper';

export interface NoiseParams {
  variant: NoiseVariant;
  /** Noise standard deviation in [0, 1] units (the level's sigma / 255). */
  sigma: number;
  /** Gaussian only: one noise value per pixel shared by R, G and B. */
  gray: boolean;
  /** Poisson only: expected photon count at intensity 1. */
  peak: number;
  /** Salt-and-pepper only: fraction of pixels replaced. */
  amount: number;
  /** Salt-and-pepper only: fraction of replaced pixels set to white. */
  saltRatio: number;
}

export const NOISE_SIGMAS = [2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 35, 40, 50, 60, 70, 80] as const;

export function addGaussianNoise(img: Image, sigma: number, gray: boolean, rng: Rng): Image {
  const n = img.width * img.height, d = img.data, out = new Float32Array(d.length);
  if (gray) {
    const z = new Float32Array(n);
    rng.fillNormal(z);
    for (let i = 0; i < n; i++) {
      const e = z[i]! * sigma, j = i * 3;
      out[j] = d[j]! + e; out[j + 1] = d[j + 1]! + e; out[j + 2] = d[j + 2]! + e;
    }
  } else {
    rng.fillNormal(out);
    for (let i = 0; i < d.length; i++) out[i] = d[i]! + out[i]! * sigma;
  }
  return clamp01({ data: out, width: img.width, height: img.height, channels: 3 });
}

/**
 * Poisson(x * peak) / peak for every sample. Inputs usually hold few distinct values (8-bit sources), so samples
 * are drawn by inversion of a cached CDF per distinct lambda; PTRS rejection sampling otherwise.
 */
export function addPoissonNoise(img: Image, peak: number, rng: Rng): Image {
  const d = img.data, out = new Float32Array(d.length);
  const cache = new Map<number, { lo: number; cdf: Float64Array }>();
  const inv = 1 / peak;
  for (let i = 0; i < d.length; i++) {
    const x = d[i]! > 0 ? d[i]! : 0;
    const lambda = x * peak;
    let k: number;
    let entry = cache.get(lambda);
    if (!entry && cache.size < 4096) { entry = poissonCdf(lambda); cache.set(lambda, entry); }
    if (entry) {
      const u = rng.next(), cdf = entry.cdf;
      let lo = 0, hi = cdf.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid]! > u) hi = mid; else lo = mid + 1; }
      k = entry.lo + lo;
    } else k = rng.poisson(lambda);
    out[i] = k * inv;
  }
  return clamp01({ data: out, width: img.width, height: img.height, channels: 3 });
}

function poissonCdf(lambda: number): { lo: number; cdf: Float64Array } {
  if (lambda <= 0) return { lo: 0, cdf: Float64Array.of(1) };
  const sd = Math.sqrt(lambda);
  const lo = Math.max(0, Math.floor(lambda - 12 * sd - 10)), hi = Math.ceil(lambda + 12 * sd + 10);
  const logl = Math.log(lambda);
  const cdf = new Float64Array(hi - lo + 1);
  let acc = 0;
  for (let k = lo; k <= hi; k++) { acc += Math.exp(k * logl - lambda - logGamma(k + 1)); cdf[k - lo] = acc; }
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

export default defineSpec<NoiseParams>({
  id: 'noise',
  code: 'GN',
  summary: 'Additive Gaussian (colour/grey), Poisson shot and salt-and-pepper noise at a common sigma',
  model: 'BasicSR/Real-ESRGAN add_gaussian_noise and add_poisson_noise; impulse noise as in ImageNet-C',
  kind: 'single',
  random: true,
  levels: NOISE_SIGMAS.map((s) => ({ summary: `sigma ${s}/255 (Gaussian 60%, Poisson 25%, salt-and-pepper 15%)` })),
  params: [
    { name: 'variant', type: 'string', values: ['gaussian', 'poisson', 'salt-pepper'], doc: 'Noise model, drawn with probabilities 0.6 / 0.25 / 0.15.' },
    { name: 'sigma', type: 'number', range: [0, 1], doc: 'Standard deviation in [0,1] units; the level sets it (level 1 = 2/255 ... level 16 = 80/255).' },
    { name: 'gray', type: 'boolean', doc: 'Gaussian: same noise on R, G, B (probability 0.4, as Real-ESRGAN).' },
    { name: 'peak', type: 'number', range: [0.01, 1e7], doc: 'Poisson: photons at intensity 1; peak = 0.45 / sigma^2.' },
    { name: 'amount', type: 'number', range: [0, 1], doc: 'Salt-and-pepper: fraction of pixels replaced; 3 sigma^2.' },
    { name: 'saltRatio', type: 'number', range: [0, 1], doc: 'Salt-and-pepper: share of white among replaced pixels, U(0.4, 0.6).' },
  ],
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
