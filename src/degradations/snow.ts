/**
 * snow (S): falling snow composited as in Snow100K / DesnowNet, x = a z + y (1 - z) (z the snow mask, a the snow
 * colour), with particles in Snow100K's size classes (small / medium / large masks) at different depths, plus the
 * flakes right in front of the lens that real snowy photographs show as large out-of-focus discs: far flakes are
 * small, dim and blurred; nearer ones larger and streaked by their fall during the exposure (each scene its own shutter
 * time: daylight photographs mostly freeze flakes into round dots), each flake with its own size (log-normal), streak
 * length and direction (the wind gusts), not one capsule shape repeated.
 * Heavy snow adds the veil of CSD's model I = K T + A (1 - T) (Chen et al. 2021). Densities are per 512 x 512 of the
 * photograph at a 512 px short side, so a tile carries as many flakes as that region of the whole photo.
 * Calibrated against ../shared/data/real-snow (Snow100K realistic and other real snowy photos): flake size
 * distribution, edge sharpness and elongation of the bright-blob detector (bench:realism; with every flake streaked
 * as at 1/60 s the median elongation was 2.86 against real-snow's 2.45, with the shutter draw it is 2.53).
 * Candidate flakes are level-independent draws; a level keeps those under its density, so stronger levels add flakes
 * to the same scene.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { defineSpec, spatialScale, r4, REFERENCE_SHORT_SIDE } from './spec.js';
import { fields, flag, int, list, num, vec3, type z } from '../schema.js';

export const snowSchema = fields({
  layers: list(fields({
    count: int(0, 1e7, 'Flakes of this layer in the image: the level\'s density per 512x512 of the photograph times the image\'s area in those units (a higher level draws more of the same flakes: the first ones are the lower level\'s).'),
    radius: num(0.05, 512, 'Median flake radius in pixels (scaled).'),
    sizeSpread: num(0, 2, 'Log-normal spread of flake radii (sd of ln r).'),
    streak: num(0, 4096, 'Median fall streak length in pixels (scaled).'),
    streakSpread: num(0, 2, 'Spread of streak lengths (each flake: U(1 - s, 1 + s) x the median).'),
    angleSpread: num(0, 1.6, 'Spread of each flake\'s fall direction around the scene\'s, radians.'),
    blur: num(0, 256, 'Defocus of the layer (Gaussian sigma, pixels).'),
    opacity: num(0, 1, 'Peak opacity of a flake.'),
    bokeh: flag('Flakes in front of the lens, far out of focus: soft discs of their defocus size, not blobs.'),
  }), 1, 8, 'Far, middle, near and lens layers: density, radius, streak, blur, opacity and their spreads.'),
  angle: num(-1.6, 1.6, 'Fall direction from vertical in radians, U(-0.5, 0.5).'),
  color: vec3(0, 1, 'Snow colour RGB, white with a blue tint up to 0.06.'),
  veil: num(0, 1, 'Veil 1 - T of heavy snowfall, 0 up to 0.2 at level 10.'),
});
export type SnowParams = z.infer<typeof snowSchema>;
export type SnowLayer = SnowParams['layers'][number];

export const SNOW_DENSITY = [120, 200, 320, 480, 680, 920, 1200, 1550, 1950, 2400] as const;
const SNOW_VEIL = [0, 0, 0, 0.02, 0.04, 0.06, 0.09, 0.12, 0.16, 0.2] as const;
/** Share of the flakes, radius, streak (at the longest shutter time), blur and opacity per layer, at a 512 px short side. */
const CLASS = [
  { share: 0.55, radius: 0.8, streak: 2, blur: 0.6, opacity: 0.55, bokeh: false }, // far, small (Snow100K S)
  { share: 0.3, radius: 1.6, streak: 5, blur: 0.4, opacity: 0.8, bokeh: false }, // middle (M)
  { share: 0.13, radius: 3.2, streak: 10, blur: 0.8, opacity: 0.9, bokeh: false }, // near, large (L)
  { share: 0.008, radius: 14, streak: 0, blur: 4, opacity: 0.35, bokeh: true }, // at the lens: out-of-focus discs
];

/**
 * Exposure time as a share of the longest (about 1/60 s, where a near flake falling at 1 m/s streaks about 10 px at a
 * 512 px short side): log-uniform from 1/8 of it (1/500 s: the flakes are round dots, as in most of
 * ../shared/data/real-snow, taken in daylight) to all of it (dusk, slow shutter: streaked flakes).
 */
const SHUTTER = [0.125, 1] as const;

export function sampleSnow(levelIndex: number, rng: Rng, size: { width: number; height: number; photo?: { width: number; height: number } }): SnowParams {
  const s = spatialScale(size);
  const angle = rng.uniform(-0.5, 0.5);
  const tint = rng.uniform(0, 0.06);
  const sizeJ = CLASS.map(() => rng.uniform(0.8, 1.25));
  const gust = rng.uniform(0.05, 0.3);
  const shutter = Math.exp(rng.uniform(Math.log(SHUTTER[0]), Math.log(SHUTTER[1])));
  const density = SNOW_DENSITY[levelIndex]!;
  const area = (size.width * size.height) / (REFERENCE_SHORT_SIDE * s) ** 2; // in 512 x 512 units of the photograph
  return {
    layers: CLASS.map((c, i) => ({
      count: Math.round(density * c.share * area), radius: r4(c.radius * sizeJ[i]! * s), sizeSpread: 0.35,
      streak: r4(c.streak * shutter * s * (1 + levelIndex / 10)), streakSpread: 0.6, angleSpread: r4(gust),
      blur: r4(c.blur * s), opacity: c.opacity, bokeh: c.bokeh,
    })),
    angle: r4(angle),
    color: [r4(0.96 - tint), r4(0.97 - tint / 2), 1],
    veil: SNOW_VEIL[levelIndex]!,
  };
}

/**
 * Snow mask z in [0, 1]; each layer draws its flakes in the same order whatever its count (position, size, streak,
 * direction: four uniforms and a normal each, from the layer's own generator), so a count keeps the first ones.
 */
export function snowMask(W: number, H: number, p: SnowParams, rng: Rng): Float32Array {
  const z = new Float32Array(W * H);
  p.layers.forEach((layer, li) => {
    const lr = rng.fork(`layer${li}`);
    const plane = new Float32Array(W * H);
    for (let i = 0; i < layer.count; i++) {
      const x = lr.next() * W, y = lr.next() * H, g = lr.normal(), us = lr.next(), ua = lr.next();
      const r = Math.max(0.4, layer.radius * Math.exp(layer.sizeSpread * g));
      if (layer.bokeh) { disc(plane, W, H, x, y, r + layer.blur, Math.max(0.8, layer.blur)); continue; }
      const len = layer.streak * Math.max(0, 1 + layer.streakSpread * (2 * us - 1));
      const th = p.angle + layer.angleSpread * (2 * ua - 1);
      streakBlob(plane, W, H, x, y, Math.hypot(r * 0.7, layer.blur), len, th);
    }
    for (let i = 0; i < z.length; i++) {
      const v = Math.min(1, plane[i]!) * layer.opacity;
      z[i] = 1 - (1 - z[i]!) * (1 - v); // union of semi-transparent layers
    }
  });
  return z;
}

/** A flake falling during the exposure: a Gaussian of sigma s smeared over `len` px along direction th (from vertical). */
function streakBlob(plane: Float32Array, W: number, H: number, x: number, y: number, sg: number, len: number, th: number): void {
  const ux = Math.sin(th), uy = Math.cos(th), half = len / 2, reach = half + 3 * sg;
  const x0 = Math.max(0, Math.floor(x - reach)), x1 = Math.min(W - 1, Math.ceil(x + reach));
  const y0 = Math.max(0, Math.floor(y - reach)), y1 = Math.min(H - 1, Math.ceil(y + reach));
  const inv = 1 / (2 * sg * sg);
  for (let yy = y0; yy <= y1; yy++) for (let xx = x0; xx <= x1; xx++) {
    const dx = xx - x, dy = yy - y, along = dx * ux + dy * uy, across = -dx * uy + dy * ux;
    const a = Math.max(0, Math.abs(along) - half);
    const v = Math.exp(-(a * a + across * across) * inv);
    const i = yy * W + xx;
    if (v > plane[i]!) plane[i] = v;
  }
}

/** An out-of-focus flake: a disc of radius r whose edge fades over `soft` px. */
function disc(plane: Float32Array, W: number, H: number, x: number, y: number, r: number, soft: number): void {
  const x0 = Math.max(0, Math.floor(x - r - soft)), x1 = Math.min(W - 1, Math.ceil(x + r + soft));
  const y0 = Math.max(0, Math.floor(y - r - soft)), y1 = Math.min(H - 1, Math.ceil(y + r + soft));
  for (let yy = y0; yy <= y1; yy++) for (let xx = x0; xx <= x1; xx++) {
    const t = Math.min(1, Math.max(0, (r + soft / 2 - Math.hypot(xx - x, yy - y)) / soft));
    const v = t * t * (3 - 2 * t);
    const i = yy * W + xx;
    if (v > plane[i]!) plane[i] = v;
  }
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
  summary: 'Falling snow: flakes of three size classes with varied fall streaks, out-of-focus flakes at the lens, a veil for heavy snowfall',
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
