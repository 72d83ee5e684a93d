/**
 * haze (H): the atmospheric scattering model I = J t + A (1 - t), t = exp(-beta d) (Koschmieder; RESIDE,
 * HeavyRainRemoval's render_haze). Without a measured depth map, d is a proxy in [0, 1] built from three cues that
 * hold in most outdoor photographs: things higher in the frame are farther (a vertical ramp), bright low-saturation
 * regions are far or sky (the dark-channel observation of He et al.), and scene depth varies smoothly (a fractal
 * field); the mix is smoothed, as render_haze smooths its depth, and rescaled to [dMin, extent]. The far plane
 * `extent` is the scene's depth estimated from the photo itself: a bright, desaturated upper part (sky, distant
 * haze) says a deep outdoor scene (extent 1); a close-range scene without one (a portrait, a still life) keeps a
 * shallow range, so it is not given the haze of a valley (realism-reference.md; SOTS-indoor pairs for the haze
 * itself, bench:realism).
 * The depth grid is coarse (~64 cells on the short side) and read bilinearly while scattering.
 */
import { byteImageFromKernel, type Image } from '../image.js';
import type { Rng } from '../rng.js';
import { boxBlurPlane } from '../imgproc/filter.js';
import { fractalNoise } from '../imgproc/noise-field.js';
import { darkChannelGrid, hazeScatter } from '../wasm/pixels.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { fields, num, vec3, type z } from '../schema.js';

export const hazeSchema = fields({
  beta: num(0, 20, 'Scattering coefficient; the level sets it (0.25 ... 4.8); depth is in [dMin, 1].'),
  airlight: vec3(0, 1, 'Atmospheric light RGB: grey U(0.7, 1) (RESIDE range) with a small tint.'),
  rampWeight: num(0, 10, 'Weight of the vertical ramp cue (top is far), U(0.3, 1).'),
  darkWeight: num(0, 10, 'Weight of the dark-channel cue (bright, grey = far), U(0.2, 0.8).'),
  fieldWeight: num(0, 10, 'Weight of the smooth fractal field, U(0.1, 0.5).'),
  dMin: num(0, 1, 'Depth of the nearest point, U(0.1, 0.3).'),
  smooth: num(0, 1024, 'Depth smoothing sigma in pixels, 12 at a 512 px short side.'),
  depthAdapt: num(0, 1, 'How much the estimated scene depth shortens the far plane of close-range scenes, U(0.2, 0.8) (0: every scene as deep as a landscape).'),
});
export type HazeParams = z.infer<typeof hazeSchema>;

/**
 * Scattering coefficients by level. Level 13 (4.8) reaches the haziest SOTS-indoor pairs on their own scenes (at 3.5,
 * 2 of the 10 were hazier than the top level: 7.99 and 9.80 dB against 8.69 and 10.36).
 */
export const HAZE_BETAS = [0.25, 0.4, 0.55, 0.7, 0.9, 1.1, 1.35, 1.6, 1.9, 2.3, 2.8, 3.5, 4.8] as const;

/**
 * I = J t + A (1 - t) with t = exp(-beta d), clamped to [0, 1]; d is a single-channel depth grid of w x h read
 * bilinearly over the image (w = width, h = height: one depth per pixel). An 8-bit input (a decoded photo) is read as
 * bytes and the result made as bytes, its floats only when asked for (the same values either way).
 */
export function scatter(img: Image, depth: Float32Array, beta: number, airlight: readonly number[], w = img.width, h = img.height): Image {
  const { width: W, height: H } = img, bytes = img.bytes;
  const run = (floats: boolean): Float32Array | Uint8Array => hazeScatter(bytes ?? img.data, W, H, depth, w, h, beta, airlight, floats);
  if (bytes) return byteImageFromKernel(W, H, run); // bytes in, bytes out; the floats only if asked for
  return { data: run(true) as Float32Array, width: W, height: H, channels: 3 };
}

/**
 * The depth proxy described above; deterministic given params and rng. Depth is smooth, so it is built on a grid
 * ~64 cells along the short side and upsampled bilinearly: the cost stays a few ms whatever the image size.
 */
export function depthProxy(img: Image, p: HazeParams, rng: Rng): { grid: Float32Array; w: number; h: number } {
  const { width: W, height: H } = img;
  const f = Math.max(1, Math.floor(Math.min(W, H) / 64));
  const w = Math.max(2, Math.floor(W / f)), h = Math.max(2, Math.floor(H / f));
  // dark channel (min over RGB), block-averaged onto the grid
  // an 8-bit photo is read as bytes (same floats, a quarter of the copying)
  const dark = darkChannelGrid(img.bytes ?? img.data, W, H, f, w, h);
  const field = fractalNoise(w, h, rng, 2, 4);
  const sm = p.smooth / f;
  const darkS = boxBlurPlane(dark, w, h, Math.max(1, sm));
  const d = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const ramp = 1 - y / Math.max(1, h - 1);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      d[i] = p.rampWeight * ramp + p.darkWeight * darkS[i]! + p.fieldWeight * field[i]!;
    }
  }
  const smooth = boxBlurPlane(d, w, h, sm);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < smooth.length; i++) { lo = Math.min(lo, smooth[i]!); hi = Math.max(hi, smooth[i]!); }
  const s = hi > lo ? (1 - p.dMin) / (hi - lo) : 0;
  // scene depth from the image: the dark channel of its upper quarter (sky and far haze are bright there)
  let top = 0, count = 0;
  for (let y = 0; y < Math.max(1, Math.floor(h / 4)); y++) for (let x = 0; x < w; x++) { top += darkS[y * w + x]!; count++; }
  const extent = Math.min(1, Math.max(0.35, 0.35 + 1.3 * (top / count - 0.15)));
  const far = 1 - p.depthAdapt * (1 - extent);
  for (let i = 0; i < smooth.length; i++) smooth[i] = (p.dMin + (smooth[i]! - lo) * s) * far;
  return { grid: smooth, w, h };
}

export function sampleHaze(beta: number, rng: Rng, size: { width: number; height: number }): HazeParams {
  const a = rng.uniform(0.7, 1); // RESIDE draws A in [0.7, 1.0]
  const tint = [rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03), rng.uniform(-0.02, 0.05)];
  const wr = rng.uniform(0.3, 1), wd = rng.uniform(0.2, 0.8), wf = rng.uniform(0.1, 0.5);
  const dMin = rng.uniform(0.1, 0.3);
  const depthAdapt = rng.uniform(0.2, 0.8);
  return {
    beta: r4(beta),
    airlight: tint.map((t) => r4(Math.min(1, a + t))) as [number, number, number],
    rampWeight: r4(wr), darkWeight: r4(wd), fieldWeight: r4(wf), dMin: r4(dMin),
    smooth: r4(12 * spatialScale(size)), depthAdapt: r4(depthAdapt),
  };
}

export default defineSpec({
  id: 'haze',
  code: 'H',
  summary: 'Haze/fog by the atmospheric scattering model with a depth proxy and a greyish airlight',
  model: 'I = J t + A (1 - t), t = exp(-beta d) (RESIDE / HeavyRainRemoval render_haze); depth proxy from ramp, dark channel, fractal field',
  kind: 'single',
  random: true,
  levels: HAZE_BETAS.map((b) => ({ summary: `beta ${b} (t at the far plane ${Math.exp(-b).toFixed(2)})` })),
  schema: hazeSchema,
  sample(level, rng, size) {
    return sampleHaze(HAZE_BETAS[level - 1]!, rng, size);
  },
  apply(img, p, rng) {
    const d = depthProxy(img, p, rng);
    return scatter(img, d.grid, p.beta, p.airlight, d.w, d.h);
  },
});
