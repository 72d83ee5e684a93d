/**
 * rain-streak (RS, alias rain): layered rain streaks composited over a slightly defocused background, with the
 * rain-accumulation veil of heavy rain (Li et al. CVPR'19 HeavyRainRemoval render_rain; Yang et al. CVPR'17 JORDER:
 * O = alpha (B + sum_t S_t) + (1 - alpha) A).
 * Each layer is a sparse seed field (drops at a given density, random brightness) smeared by a motion kernel of
 * the streak length and angle; nearer layers are longer, brighter and thicker. Seed positions are drawn
 * independently of the level, so a higher level adds drops to the same scene rather than drawing a new one.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { clamp01 } from '../image.js';
import { convolveTaps, kernelTaps, gaussianBlur, blurPlane } from '../imgproc/filter.js';
import { lineKernel } from '../imgproc/kernels.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { fields, list, num, type z } from './schema.js';

export const rainStreakSchema = fields({
  layers: list(fields({
    density: num(0, 1, 'Fraction of pixels that seed a drop.'),
    length: num(0, 4096, 'Streak length in pixels (scaled).'),
    angle: num(-1.6, 1.6, 'Streak angle in radians from vertical (positive leans right); wind +-0.35.'),
    width: num(0.05, 64, 'Streak thickness (Gaussian sigma, pixels).'),
    intensity: num(0, 10, 'Brightness gain of the layer.'),
  }), 1, 8, 'Per layer: density (seed fraction), length (px, scaled), angle (rad from vertical, wind +-0.35), width (px), intensity.'),
  backgroundBlur: num(0, 64, 'Gaussian sigma of the background behind the rain: min(1, |N(0.5, 0.5)|) x scale / 2.'),
  veil: num(0, 1, 'Rain-accumulation veil 1 - alpha; 0 for light rain, up to 0.22.'),
  airlight: num(0, 1, 'Grey level of the veil, U(0.75, 0.95).'),
});
export type RainStreakParams = z.infer<typeof rainStreakSchema>;
export type RainLayer = RainStreakParams['layers'][number];

interface RainLevel { density: number; length: number; intensity: number; layers: number; veil: number }
export const RAIN_LEVELS: readonly RainLevel[] = [
  { density: 0.002, length: 12, intensity: 0.5, layers: 1, veil: 0 },
  { density: 0.003, length: 15, intensity: 0.58, layers: 1, veil: 0 },
  { density: 0.004, length: 18, intensity: 0.66, layers: 2, veil: 0 },
  { density: 0.005, length: 22, intensity: 0.74, layers: 2, veil: 0 },
  { density: 0.0065, length: 26, intensity: 0.82, layers: 2, veil: 0.02 },
  { density: 0.008, length: 30, intensity: 0.9, layers: 2, veil: 0.04 },
  { density: 0.01, length: 35, intensity: 0.96, layers: 3, veil: 0.06 },
  { density: 0.012, length: 40, intensity: 1.02, layers: 3, veil: 0.09 },
  { density: 0.015, length: 45, intensity: 1.08, layers: 3, veil: 0.12 },
  { density: 0.018, length: 50, intensity: 1.14, layers: 3, veil: 0.15 },
  { density: 0.022, length: 55, intensity: 1.2, layers: 3, veil: 0.18 },
  { density: 0.026, length: 60, intensity: 1.25, layers: 3, veil: 0.22 },
];

/** Layer draws are level-independent (the same five uniforms per layer); the level only scales them. */
export function sampleRain(lv: RainLevel, rng: Rng, scale: number): RainStreakParams {
  const wind = rng.uniform(-0.35, 0.35);
  const bgBlur = Math.min(1, Math.abs(0.5 + 0.5 * rng.normal()));
  const air = rng.uniform(0.75, 0.95);
  const layers: RainLayer[] = [];
  for (let i = 0; i < 3; i++) {
    const depth = 1 - i * 0.3; // 1 = nearest layer
    const jitter = rng.uniform(-0.08, 0.08), dj = rng.uniform(0.7, 1.3), lj = rng.uniform(0.8, 1.2), wj = rng.uniform(0.8, 1.2), ij = rng.uniform(0.85, 1.15);
    if (i >= lv.layers) continue;
    layers.push({
      density: r4(lv.density * dj * (i === 0 ? 1 : 1.5)),
      length: r4(lv.length * scale * depth * lj),
      angle: r4(wind + jitter),
      width: r4(Math.max(0.3, 0.7 * depth * wj * scale)),
      intensity: r4(lv.intensity * depth * ij),
    });
  }
  return { layers, backgroundBlur: r4(bgBlur * scale * 0.5 * Math.min(1, lv.length / 30)), veil: r4(lv.veil), airlight: r4(air) };
}

/** The additive streak layer (single channel) for the given layers; draws W*H*2 uniforms per layer slot. */
export function streakField(W: number, H: number, layers: readonly RainLayer[], rng: Rng): Float32Array {
  const total = new Float32Array(W * H);
  for (let li = 0; li < 3; li++) {
    const lr = rng.fork(`layer${li}`);
    const layer = layers[li];
    if (!layer) continue;
    const seeds = new Float32Array(W * H);
    for (let i = 0; i < seeds.length; i++) {
      const u = lr.next(), v = lr.next();
      if (u < layer.density) seeds[i] = 0.6 + 0.4 * v;
    }
    const thick = blurPlane(seeds, W, H, layer.width);
    // the streak kernel is along the fall direction: vertical rotated by angle
    const k = lineKernel(Math.max(1, layer.length), Math.PI / 2 + layer.angle);
    const streak = convolveTaps({ data: thick, width: W, height: H, channels: 1 }, kernelTaps(k, 1e-6)).data;
    // the thickness blur and the motion kernel both conserve energy; undo that so a lone streak's core is
    // ~0.18 x intensity brighter than the background (HeavyRainRemoval's t_r = 0.2 + 0.04 l plays this role)
    const gain = 0.18 * layer.intensity * Math.max(1, layer.length) * Math.max(1, 2 * Math.PI * layer.width * layer.width);
    for (let i = 0; i < total.length; i++) total[i]! += gain * streak[i]!;
  }
  return total;
}

export function renderRain(img: Image, p: RainStreakParams, rng: Rng): Image {
  const { width: W, height: H } = img;
  const bg = p.backgroundBlur > 0.05 ? gaussianBlur(img, p.backgroundBlur) : img;
  const s = streakField(W, H, p.layers, rng);
  const out = new Float32Array(W * H * 3), b = bg.data, a = 1 - p.veil;
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, b[i * 3 + c]! + s[i]!);
      out[i * 3 + c] = a * v + p.veil * p.airlight;
    }
  }
  return clamp01({ data: out, width: W, height: H, channels: 3 });
}

export default defineSpec({
  id: 'rain-streak',
  code: 'RS',
  aliases: ['rain'],
  summary: 'Rain streaks in up to three depth layers, defocused background and rain-accumulation veil',
  model: 'HeavyRainRemoval render_rain (seed layer * motion kernel, R = B + t S) + JORDER veil O = a(B + S) + (1 - a)A',
  kind: 'single',
  random: true,
  levels: RAIN_LEVELS.map((l) => ({ summary: `density ${l.density}, length ${l.length} px, ${l.layers} layer(s), veil ${l.veil}` })),
  schema: rainStreakSchema,
  sample(level, rng, size) {
    return sampleRain(RAIN_LEVELS[level - 1]!, rng, spatialScale(size));
  },
  apply(img, p, rng) {
    return renderRain(img, p, rng);
  },
});
