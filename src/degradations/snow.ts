/**
 * snow (S): falling snow composited as in Snow100K / DesnowNet, x = a z + y (1 - z) (z the snow mask, a the snow
 * colour), with particles in three size classes (small/medium/large, like Snow100K's S/M/L masks) at different
 * depths: far flakes are small, dim and blurred, near flakes large and streaked by their fall during the exposure.
 * Heavy snow adds the veil of CSD's model I = K T + A (1 - T). Candidate flakes are level-independent draws; a level
 * keeps those under its density, so stronger levels add flakes to the same scene.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { convolveTaps, kernelTaps, blurPlane } from '../imgproc/filter.js';
import { lineKernel } from '../imgproc/kernels.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { fields, list, num, vec3, type z } from './schema.js';

export const snowSchema = fields({
  layers: list(fields({
    density: num(0, 1e6, 'Flakes per 512x512 area.'),
    radius: num(0.05, 512, 'Flake radius in pixels (scaled).'),
    streak: num(0, 4096, 'Fall streak length in pixels (scaled).'),
    blur: num(0, 256, 'Defocus of the layer (Gaussian sigma, pixels).'),
    opacity: num(0, 1, 'Peak opacity of a flake.'),
  }), 1, 8, 'Far/middle/near layers: density (flakes per 512^2), radius (px), streak (px), blur (px), opacity.'),
  angle: num(-1.6, 1.6, 'Fall direction from vertical in radians, U(-0.5, 0.5).'),
  color: vec3(0, 1, 'Snow colour RGB, white with a blue tint up to 0.06.'),
  veil: num(0, 1, 'Veil 1 - T of heavy snowfall, 0 up to 0.2 at level 10.'),
});
export type SnowParams = z.infer<typeof snowSchema>;
export type SnowLayer = SnowParams['layers'][number];

export const SNOW_DENSITY = [150, 250, 400, 600, 850, 1150, 1500, 1900, 2400, 3000] as const;
const SNOW_VEIL = [0, 0, 0, 0.02, 0.04, 0.06, 0.09, 0.12, 0.16, 0.2] as const;
const CLASS = [
  { share: 0.6, radius: 0.9, streak: 2, blur: 0.6, opacity: 0.6 }, // far, small
  { share: 0.3, radius: 1.8, streak: 5, blur: 0.4, opacity: 0.8 }, // middle
  { share: 0.1, radius: 3.5, streak: 9, blur: 0.9, opacity: 0.9 }, // near, large
];

export function sampleSnow(levelIndex: number, rng: Rng, size: { width: number; height: number }): SnowParams {
  const s = spatialScale(size);
  const angle = rng.uniform(-0.5, 0.5);
  const tint = rng.uniform(0, 0.06);
  const sizeJ = CLASS.map(() => rng.uniform(0.8, 1.25));
  const density = SNOW_DENSITY[levelIndex]!;
  return {
    layers: CLASS.map((c, i) => ({
      density: r4(density * c.share), radius: r4(c.radius * sizeJ[i]! * s), streak: r4(c.streak * s * (1 + levelIndex / 10)),
      blur: r4(c.blur * s), opacity: c.opacity,
    })),
    angle: r4(angle),
    color: [r4(0.96 - tint), r4(0.97 - tint / 2), 1],
    veil: SNOW_VEIL[levelIndex]!,
  };
}

/** Snow mask z in [0, 1]; the flake candidates drawn are the same whatever the densities. */
export function snowMask(W: number, H: number, p: SnowParams, rng: Rng): Float32Array {
  const z = new Float32Array(W * H);
  const area = (W * H) / (512 * 512);
  const maxDensity = SNOW_DENSITY[SNOW_DENSITY.length - 1]!;
  p.layers.forEach((layer, li) => {
    const lr = rng.fork(`layer${li}`);
    const cap = Math.ceil(maxDensity * CLASS[li]!.share * area * 1.5);
    const want = layer.density * area;
    const plane = new Float32Array(W * H);
    for (let i = 0; i < cap; i++) {
      const x = lr.next() * W, y = lr.next() * H, rs = lr.uniform(0.6, 1.4);
      if (i >= want) continue;
      const r = Math.max(0.5, layer.radius * rs);
      const x0 = Math.max(0, Math.floor(x - r - 1)), x1 = Math.min(W - 1, Math.ceil(x + r + 1));
      const y0 = Math.max(0, Math.floor(y - r - 1)), y1 = Math.min(H - 1, Math.ceil(y + r + 1));
      for (let yy = y0; yy <= y1; yy++) for (let xx = x0; xx <= x1; xx++) {
        const d = Math.hypot(xx - x, yy - y);
        const v = Math.min(1, Math.max(0, r + 0.5 - d)); // anti-aliased disk
        if (v > plane[yy * W + xx]!) plane[yy * W + xx] = v;
      }
    }
    let m = layer.blur > 0.05 ? blurPlane(plane, W, H, layer.blur) : plane;
    if (layer.streak > 1) {
      const k = lineKernel(layer.streak, Math.PI / 2 + p.angle);
      m = convolveTaps({ data: m, width: W, height: H, channels: 1 }, kernelTaps(k, 1e-6)).data;
      // a streak spreads the flake; keep its core visible
      const g = Math.min(3, Math.sqrt(layer.streak));
      for (let i = 0; i < m.length; i++) m[i]! *= g;
    }
    for (let i = 0; i < z.length; i++) {
      const v = Math.min(1, m[i]!) * layer.opacity;
      z[i] = 1 - (1 - z[i]!) * (1 - v); // union of semi-transparent layers
    }
  });
  return z;
}

export function renderSnow(img: Image, p: SnowParams, rng: Rng): Image {
  const { width: W, height: H, data } = img;
  const z = snowMask(W, H, p, rng);
  const out = new Float32Array(data.length);
  const t = 1 - p.veil;
  for (let i = 0; i < W * H; i++) {
    const zi = z[i]!;
    for (let c = 0; c < 3; c++) {
      const v = p.color[c]! * zi + data[i * 3 + c]! * (1 - zi);
      out[i * 3 + c] = v * t + 0.9 * p.veil;
    }
  }
  return { data: out, width: W, height: H, channels: 3 };
}

export default defineSpec({
  id: 'snow',
  code: 'S',
  summary: 'Falling snow: three depth layers of flakes with fall streaks, snow colour and a veil for heavy snowfall',
  model: 'Snow100K/DesnowNet x = a z + y (1 - z) with S/M/L particle layers; CSD veil I = K T + A (1 - T)',
  kind: 'single',
  random: true,
  levels: SNOW_DENSITY.map((d, i) => ({ summary: `${d} flakes per 512x512, veil ${SNOW_VEIL[i]}` })),
  schema: snowSchema,
  sample(level, rng, size) {
    return sampleSnow(level - 1, rng, size);
  },
  apply(img, p, rng) {
    return renderSnow(img, p, rng);
  },
});
