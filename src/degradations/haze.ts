/**
 * haze (H): the atmospheric scattering model I = J t + A (1 - t), t = exp(-beta d) (Koschmieder; RESIDE,
 * HeavyRainRemoval's render_haze). Without a measured depth map, d is a proxy in [0, 1] built from three cues that
 * hold in most outdoor photographs: things higher in the frame are farther (a vertical ramp), bright low-saturation
 * regions are far or sky (the dark-channel observation of He et al.), and scene depth varies smoothly (a fractal
 * field); the mix is smoothed, as render_haze smooths its depth, and rescaled to [dMin, 1].
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { boxBlurPlane } from '../imgproc/filter.js';
import { fractalNoise } from '../imgproc/noise-field.js';
import { defineSpec, spatialScale, r4 } from './spec.js';

export interface HazeParams {
  /** Scattering coefficient per unit depth. */
  beta: number;
  /** Atmospheric light (airlight) RGB in [0, 1]. */
  airlight: [number, number, number];
  /** Weights of the depth cues: vertical ramp, dark channel, fractal field. */
  rampWeight: number;
  darkWeight: number;
  fieldWeight: number;
  /** Depth of the nearest point (depth is rescaled to [dMin, 1]). */
  dMin: number;
  /** Smoothing of the depth proxy, pixels (scaled). */
  smooth: number;
}

export const HAZE_BETAS = [0.25, 0.4, 0.55, 0.7, 0.9, 1.1, 1.35, 1.6, 1.9, 2.25, 2.6, 3.0] as const;

/** I = J t + A (1 - t) with t = exp(-beta d), d a single-channel depth map of the image's size. */
export function scatter(img: Image, depth: Float32Array, beta: number, airlight: readonly number[]): Image {
  const n = img.width * img.height, d = img.data, out = new Float32Array(d.length);
  const [a0, a1, a2] = airlight as [number, number, number];
  for (let i = 0; i < n; i++) {
    const t = Math.exp(-beta * depth[i]!), u = 1 - t, j = i * 3;
    out[j] = d[j]! * t + a0 * u;
    out[j + 1] = d[j + 1]! * t + a1 * u;
    out[j + 2] = d[j + 2]! * t + a2 * u;
  }
  return { data: out, width: img.width, height: img.height, channels: 3 };
}

/** The depth proxy described above; deterministic given params and rng. */
export function depthProxy(img: Image, p: HazeParams, rng: Rng): Float32Array {
  const { width: W, height: H, data } = img;
  const n = W * H;
  const field = fractalNoise(W, H, rng, 2, 4);
  const dark = new Float32Array(n);
  for (let i = 0; i < n; i++) dark[i] = Math.min(data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!);
  const darkS = boxBlurPlane(dark, W, H, Math.max(1, p.smooth));
  const d = new Float32Array(n);
  for (let y = 0; y < H; y++) {
    const ramp = 1 - y / Math.max(1, H - 1);
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      d[i] = p.rampWeight * ramp + p.darkWeight * darkS[i]! + p.fieldWeight * field[i]!;
    }
  }
  const sm = boxBlurPlane(d, W, H, p.smooth);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { lo = Math.min(lo, sm[i]!); hi = Math.max(hi, sm[i]!); }
  const s = hi > lo ? (1 - p.dMin) / (hi - lo) : 0;
  for (let i = 0; i < n; i++) sm[i] = p.dMin + (sm[i]! - lo) * s;
  return sm;
}

export function sampleHaze(beta: number, rng: Rng, size: { width: number; height: number }): HazeParams {
  const a = rng.uniform(0.7, 0.95);
  const tint = [rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03), rng.uniform(-0.02, 0.05)];
  const wr = rng.uniform(0.3, 1), wd = rng.uniform(0.2, 0.8), wf = rng.uniform(0.1, 0.5);
  const dMin = rng.uniform(0.1, 0.3);
  return {
    beta: r4(beta),
    airlight: tint.map((t) => r4(Math.min(1, a + t))) as [number, number, number],
    rampWeight: r4(wr), darkWeight: r4(wd), fieldWeight: r4(wf), dMin: r4(dMin),
    smooth: r4(12 * spatialScale(size)),
  };
}

export default defineSpec<HazeParams>({
  id: 'haze',
  code: 'H',
  summary: 'Haze/fog by the atmospheric scattering model with a depth proxy and a greyish airlight',
  model: 'I = J t + A (1 - t), t = exp(-beta d) (RESIDE / HeavyRainRemoval render_haze); depth proxy from ramp, dark channel, fractal field',
  kind: 'single',
  random: true,
  levels: HAZE_BETAS.map((b) => ({ summary: `beta ${b} (t at the far plane ${Math.exp(-b).toFixed(2)})` })),
  params: [
    { name: 'beta', type: 'number', range: [0, 20], doc: 'Scattering coefficient; the level sets it (0.25 ... 3.0); depth is in [dMin, 1].' },
    { name: 'airlight', type: 'array', doc: 'Atmospheric light RGB: grey U(0.7, 0.95) with a small tint.' },
    { name: 'rampWeight', type: 'number', range: [0, 10], doc: 'Weight of the vertical ramp cue (top is far), U(0.3, 1).' },
    { name: 'darkWeight', type: 'number', range: [0, 10], doc: 'Weight of the dark-channel cue (bright, grey = far), U(0.2, 0.8).' },
    { name: 'fieldWeight', type: 'number', range: [0, 10], doc: 'Weight of the smooth fractal field, U(0.1, 0.5).' },
    { name: 'dMin', type: 'number', range: [0, 1], doc: 'Depth of the nearest point, U(0.1, 0.3).' },
    { name: 'smooth', type: 'number', range: [0, 1024], doc: 'Depth smoothing sigma in pixels, 12 at a 512 px short side.' },
  ],
  sample(level, rng, size) {
    return sampleHaze(HAZE_BETAS[level - 1]!, rng, size);
  },
  apply(img, p, rng) {
    const out = scatter(img, depthProxy(img, p, rng), p.beta, p.airlight);
    return out;
  },
});
