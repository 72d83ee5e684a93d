/**
 * rain-streak (RS, alias rain): layered rain streaks over the scene, with the rain-accumulation veil of heavy rain
 * (Li et al. CVPR'19 HeavyRainRemoval render_rain; Yang et al. CVPR'17 JORDER: O = alpha (B + sum_t S_t) + (1 - alpha) A;
 * streaks composited with the "screen" blend of the Photoshop-made sets, 1 - (1 - B)(1 - S)).
 * Each layer is a sparse seed field (drops at a given density, random brightness) smeared by a motion kernel of the
 * streak length and angle. Four families, as the public sets and photographs differ (drawn per pair, independently
 * of the level):
 * - light (35%, Rain100L / Rain800-like): sparse, bright, thin streaks, tilted up to +-28 degrees, no veil;
 * - heavy (25%, Rain100H-like): dense, long, thick, near-opaque streaks within a few degrees of vertical, a veil, a
 *   sharp background;
 * - dense (20%, DDN / Rain14000-like): many long, faint, near-vertical streaks under a strong rain-accumulation veil;
 * - photographed (20%): rain as a camera records it (Garg & Nayar 2006/2007: a drop is a streak for the time it
 *   crosses a pixel within the exposure, so a streak is faint, thin and, at everyday exposures, short), a dense fine
 *   texture of many short faint streaks in three depth layers under a patchy veil, as in the real-rain photographs of
 *   ../shared/data (whose rain bench:realism's transfer probe took for noise while uir had only the three families
 *   above).
 * Each drop is a hard-edged disk swept along its fall, so a streak's cross-section is the disk's chord (Garg & Nayar
 * 2007), not a Gaussian ridge.
 * Calibrated against Rain100L and Rain-DDN-val (../shared/data) and the Rain100H statistics of realism-reference.md:
 * brightened share, median lift, low-frequency share, fine-detail share, streak peak, length/width from the
 * autocorrelation and the orientation histogram (bench:realism). Seed positions and the family are drawn
 * independently of the level, so a higher level adds drops to the same scene rather than drawing a new one.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { clamp01 } from '../image.js';
import { convolveTaps, kernelTaps, gaussianBlur } from '../imgproc/filter.js';
import { lineKernel, diskKernel } from '../imgproc/kernels.js';
import { fractalNoise } from '../imgproc/noise-field.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { fields, list, num, type z } from '../schema.js';

export const rainStreakSchema = fields({
  layers: list(fields({
    density: num(0, 1, 'Fraction of pixels that seed a drop.'),
    length: num(0, 4096, 'Streak length in pixels (scaled).'),
    angle: num(-1.6, 1.6, 'Streak angle in radians from vertical (positive leans right); wind +-0.35.'),
    width: num(0.05, 64, 'Streak thickness (pixels): the drop is a hard-edged disk of radius 1.18 x width (the half-maximum width of a Gaussian of this sigma).'),
    intensity: num(0, 10, 'Brightness gain of the layer.'),
  }), 1, 8, 'Per layer: density (seed fraction), length (px, scaled), angle (rad from vertical, wind +-0.35), width (px), intensity.'),
  backgroundBlur: num(0, 64, 'Gaussian sigma of the background behind the rain: min(1, |N(0.5, 0.5)|) x scale / 2.'),
  veil: num(0, 1, 'Rain-accumulation veil 1 - alpha; 0 for light rain, up to 0.22.'),
  airlight: num(0, 1, 'Grey level of the veil, U(0.75, 0.95).'),
  patchiness: num(0, 2, 'Spatial variation of the veil: it is multiplied by 1 + patchiness (2 F - 1), F a smooth fractal field (rain clouds drifting past).'),
  attenuation: num(0, 1, 'How much the veil dims the scene: 1 = JORDER\'s alpha (B + S) + (1 - alpha) A (heavy), ~0.3 = the mostly additive glow of Photoshop-made rain (dense), 0 = light added only.'),
});
export type RainStreakParams = z.infer<typeof rainStreakSchema>;
export type RainLayer = RainStreakParams['layers'][number];

export type RainFamily = 'light' | 'heavy' | 'dense' | 'photographed';

/** Per family: share of pairs, and values at level 1 and level 12 (lengths and widths in px at a 512 px short side). */
interface FamilyTable {
  share: number; layers: [number, number]; density: [number, number]; length: [number, number]; width: [number, number];
  intensity: [number, number]; veil: [number, number]; attenuation: number; patchiness: number;
  /** Base angle from vertical, degrees: Gaussian with sd, or with probability `wide` a wider one (wideSd), clipped to +-clip. */
  angle: { sd: number; wide: number; wideSd: number; clip: number }; jitter: number;
}
export const RAIN_FAMILIES: Readonly<Record<RainFamily, FamilyTable>> = {
  light: { share: 0.35, layers: [1, 2], density: [0.0003, 0.0025], length: [24, 50], width: [0.9, 1.4], intensity: [1.0, 1.85], veil: [0, 0.02], attenuation: 1, patchiness: 0, angle: { sd: 13, wide: 0, wideSd: 13, clip: 28 }, jitter: 3 },
  heavy: { share: 0.25, layers: [2, 3], density: [0.0015, 0.005], length: [20, 45], width: [1.5, 2.4], intensity: [0.9, 1.5], veil: [0.01, 0.16], attenuation: 1, patchiness: 0.3, angle: { sd: 3, wide: 0.2, wideSd: 12, clip: 20 }, jitter: 1.5 },
  dense: { share: 0.2, layers: [3, 3], density: [0.0012, 0.005], length: [60, 120], width: [1.0, 1.5], intensity: [0.25, 0.52], veil: [0.03, 0.2], attenuation: 0, patchiness: 2, angle: { sd: 2.5, wide: 0.25, wideSd: 20, clip: 30 }, jitter: 1 },
  photographed: { share: 0.2, layers: [3, 3], density: [0.004, 0.016], length: [12, 32], width: [0.5, 0.8], intensity: [0.35, 0.92], veil: [0.03, 0.28], attenuation: 0.5, patchiness: 1, angle: { sd: 4, wide: 0.2, wideSd: 12, clip: 25 }, jitter: 2 },
};
const FAMILY_ORDER: RainFamily[] = ['light', 'heavy', 'dense', 'photographed'];
export const RAIN_LEVEL_COUNT = 12;

const lerp = ([a, b]: [number, number], t: number): number => a + (b - a) * t;
const gerp = ([a, b]: [number, number], t: number): number => a * (b / a) ** t;

/** Draws are level-independent (family, angle, veil grey, then five uniforms per layer); the level only scales them. */
export function sampleRain(level: number, rng: Rng, scale: number, only?: RainFamily): RainStreakParams {
  const drawn = FAMILY_ORDER[rng.weighted(FAMILY_ORDER.map((f) => RAIN_FAMILIES[f].share))]!;
  const family = only ?? drawn; // `only`: one family (bench:realism matches each family to its real set)
  const f = RAIN_FAMILIES[family], t = (level - 1) / (RAIN_LEVEL_COUNT - 1);
  const u = rng.next(), g = rng.normal();
  const sd = u < f.angle.wide ? f.angle.wideSd : f.angle.sd;
  const base = Math.max(-f.angle.clip, Math.min(f.angle.clip, g * sd)) * (Math.PI / 180);
  const air = rng.uniform(0.75, 0.95);
  const n = Math.round(lerp(f.layers, t));
  const layers: RainLayer[] = [];
  for (let i = 0; i < 3; i++) {
    const depth = 1 - i * 0.3; // 1 = nearest layer
    const jitter = rng.uniform(-1, 1) * f.jitter * (Math.PI / 180), dj = rng.uniform(0.7, 1.3), lj = rng.uniform(0.8, 1.2), wj = rng.uniform(0.8, 1.2), ij = rng.uniform(0.85, 1.15);
    if (i >= n) continue;
    layers.push({
      density: r4(gerp(f.density, t) * dj * (i === 0 ? 1 : 1.5)),
      length: r4(lerp(f.length, t) * scale * depth * lj),
      angle: r4(base + jitter),
      width: r4(Math.max(0.3, lerp(f.width, t) * depth * wj * scale)),
      intensity: r4(lerp(f.intensity, t) * depth * ij),
    });
  }
  return { layers, backgroundBlur: 0, veil: r4(lerp(f.veil, t)), airlight: r4(air), patchiness: f.patchiness, attenuation: f.attenuation };
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
    // a streak is the drop's image swept along its fall (Garg & Nayar 2007): a hard-edged band as wide as the drop's
    // disk, not a Gaussian ridge. The disk has the half-maximum width of a Gaussian of sigma `width` (radius 1.18 x
    // width); real and Photoshop-made rain (real-rain, Rain100L, Rain-DDN-val) put 8-11% of a 128 px crop's spectral
    // energy above 0.25 cycles/px where Gaussian-profile streaks left 1.4-2.5% (the transfer probe's band energies,
    // docs/benchmarks.md); bench:realism compares the residual's fine-detail share
    const radius = 1.18 * layer.width;
    const thick = convolveTaps({ data: seeds, width: W, height: H, channels: 1 }, kernelTaps(diskKernel(radius), 1e-6)).data;
    // the streak kernel is along the fall direction: vertical rotated by angle
    const k = lineKernel(Math.max(1, layer.length), Math.PI / 2 + layer.angle);
    const streak = convolveTaps({ data: thick, width: W, height: H, channels: 1 }, kernelTaps(k, 1e-6)).data;
    // the thickness blur and the motion kernel both conserve energy; undo that so a lone streak's core is
    // ~0.18 x intensity brighter than the background (HeavyRainRemoval's t_r = 0.2 + 0.04 l plays this role)
    // (a drop narrower than a pixel covers part of it: its disk kernel is then the one pixel and the gain its cover, pi r^2)
    const gain = 0.18 * layer.intensity * Math.max(1, layer.length) * Math.PI * radius * radius;
    for (let i = 0; i < total.length; i++) total[i]! += gain * streak[i]!;
  }
  return total;
}

export function renderRain(img: Image, p: RainStreakParams, rng: Rng): Image {
  const { width: W, height: H } = img;
  const bg = p.backgroundBlur > 0.05 ? gaussianBlur(img, p.backgroundBlur) : img;
  const s = streakField(W, H, p.layers, rng);
  // the veil, uniform or patchy (the field is drawn whatever the patchiness, so it only scales the same clouds)
  const field = fractalNoise(W, H, rng.fork('veil'), 2, 3);
  const out = new Float32Array(W * H * 3), b = bg.data;
  for (let i = 0; i < W * H; i++) {
    const si = Math.min(1, s[i]!), v = p.veil * Math.max(0, 1 + p.patchiness * (2 * field[i]! - 1)), a = 1 - p.attenuation * v;
    for (let c = 0; c < 3; c++) {
      const x = 1 - (1 - b[i * 3 + c]!) * (1 - si); // screen: light added, saturating at white
      out[i * 3 + c] = a * x + v * p.airlight;
    }
  }
  return clamp01({ data: out, width: W, height: H, channels: 3 });
}

/**
 * Rain of one family at a level on an image, as the benchmarks match a real set of that family: the parameters drawn
 * on the rng's fork `forks[0]`, the render on `forks[1]` (the names keep each benchmark's draws as they were).
 */
export function renderRainOfFamily(img: Image, level: number, family: RainFamily, rng: Rng, forks: readonly [string, string] = ['sample', 'apply']): Image {
  return renderRain(img, sampleRain(level, rng.fork(forks[0]), spatialScale(img), family), rng.fork(forks[1]));
}

export default defineSpec({
  id: 'rain-streak',
  code: 'RS',
  aliases: ['rain'],
  summary: 'Rain streaks of four families (light, heavy, dense, photographed) in up to three depth layers, with the rain-accumulation veil',
  model: 'HeavyRainRemoval render_rain (seed layer * motion kernel, R = B + t S) + JORDER veil O = a(B + S) + (1 - a)A',
  kind: 'single',
  random: true,
  levels: Array.from({ length: RAIN_LEVEL_COUNT }, (_, i) => {
    const t = i / (RAIN_LEVEL_COUNT - 1);
    return { summary: FAMILY_ORDER.map((f) => `${f} ${gerp(RAIN_FAMILIES[f].density, t).toFixed(4)}/${Math.round(lerp(RAIN_FAMILIES[f].length, t))} px/veil ${lerp(RAIN_FAMILIES[f].veil, t).toFixed(2)}`).join('; ') };
  }),
  schema: rainStreakSchema,
  sample(level, rng, size) {
    return sampleRain(level, rng, spatialScale(size));
  },
  apply(img, p, rng) {
    return renderRain(img, p, rng);
  },
});
