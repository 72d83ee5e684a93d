/**
 * raindrop (RD): water drops adhering to glass in front of the lens. Model of Qian et al. (CVPR'18):
 * I = (1 - M) B + R, with M the drop mask and R the drop's appearance. A drop is a small convex lens: it shows a
 * wider, inverted and defocused view of the scene around it (ROLE renders this with a fisheye undistortion and a
 * vertical flip), darker towards its rim (light leaves at grazing angles) and with a specular highlight.
 * Shape: a circle on top and a stretched half-ellipse below (gravity), as in ROLE's raindrop shape.
 * Candidate drops are drawn independently of the level; a level shows the first N of them at its size.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { gaussianBlur, reflect101 } from '../imgproc/filter.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { fields, list, num, type z } from './schema.js';

export const raindropSchema = fields({
  drops: list(fields({
    x: num(-1e5, 1e5, 'Centre x in pixels.'),
    y: num(-1e5, 1e5, 'Centre y in pixels.'),
    r: num(0.5, 4096, 'Radius in pixels (scaled).'),
    stretch: num(1, 4, 'Lower half-ellipse stretch (1 = circle).'),
    zoom: num(1, 10, 'Field-of-view magnification of the refracted view.'),
  }), 1, 4096, 'Per drop: x, y (px), r (px, level radius x logU(0.5, 1.6) x scale), stretch U(1, 1.6), zoom U(1.5, 3).'),
  blur: num(0, 256, 'Defocus of the refracted view, U(1.5, 3) px x scale.'),
  opacity: num(0, 1, 'Drop opacity at the centre, U(0.85, 0.98).'),
});
export type RaindropParams = z.infer<typeof raindropSchema>;
export type Drop = RaindropParams['drops'][number];

interface DropLevel { count: number; radius: number }
export const DROP_LEVELS: readonly DropLevel[] = [
  { count: 4, radius: 8 }, { count: 7, radius: 9 }, { count: 10, radius: 10 }, { count: 14, radius: 11 }, { count: 18, radius: 12 },
  { count: 24, radius: 13 }, { count: 30, radius: 14 }, { count: 38, radius: 16 }, { count: 48, radius: 18 }, { count: 60, radius: 20 },
];
const MAX_DROPS = 60;

export function sampleDrops(lv: DropLevel, rng: Rng, size: { width: number; height: number }): RaindropParams {
  const s = spatialScale(size);
  const blur = rng.uniform(1.5, 3);
  const opacity = rng.uniform(0.85, 0.98);
  const drops: Drop[] = [];
  for (let i = 0; i < MAX_DROPS; i++) {
    const x = rng.next() * size.width, y = rng.next() * size.height;
    const rs = rng.logUniform(0.5, 1.6), st = rng.uniform(1, 1.6), z = rng.uniform(1.5, 3);
    if (i < lv.count) drops.push({ x: r4(x), y: r4(y), r: r4(Math.max(1.5, lv.radius * rs * s)), stretch: r4(st), zoom: r4(z) });
  }
  return { drops, blur: r4(blur * s), opacity: r4(opacity) };
}

export function renderDrops(img: Image, p: RaindropParams): Image {
  const { width: W, height: H } = img;
  const view = p.blur > 0.05 ? gaussianBlur(img, p.blur) : img;
  const src = view.data, out = img.data.slice();
  for (const d of p.drops) {
    const lowR = d.r * d.stretch;
    const x0 = Math.max(0, Math.floor(d.x - d.r - 2)), x1 = Math.min(W - 1, Math.ceil(d.x + d.r + 2));
    const y0 = Math.max(0, Math.floor(d.y - d.r - 2)), y1 = Math.min(H - 1, Math.ceil(d.y + lowR + 2));
    const edge = Math.max(0.75, d.r * 0.12); // soft rim, in pixels
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      const dx = x - d.x, dy = y - d.y;
      const ny = dy > 0 ? dy / lowR : dy / d.r;
      const nx = dx / d.r;
      const rho = Math.sqrt(nx * nx + ny * ny);
      // signed distance to the outline in pixels, approximately
      const dist = (1 - rho) * d.r;
      if (dist <= -edge) continue;
      const alpha = p.opacity * Math.min(1, Math.max(0, (dist + edge) / (2 * edge)));
      // refraction: inverted, magnified view; stronger bending near the rim (spherical-cap lens)
      const bend = d.zoom * (1 + 0.6 * rho * rho);
      const sx = d.x - nx * d.r * bend, sy = d.y - ny * d.r * bend;
      const xi = Math.floor(sx), yi = Math.floor(sy), ax = sx - xi, ay = sy - yi;
      const xa = reflect101(xi, W), xb = reflect101(xi + 1, W), ya = reflect101(yi, H), yb = reflect101(yi + 1, H);
      const shade = 0.8 + 0.25 * (1 - Math.min(1, rho * rho));
      // specular highlight towards the upper left
      const hx = nx + 0.35, hy = ny + 0.45;
      const spec = 0.35 * Math.exp(-(hx * hx + hy * hy) / 0.03);
      const o = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = src[(ya * W + xa) * 3 + c]! * (1 - ax) + src[(ya * W + xb) * 3 + c]! * ax;
        const bot = src[(yb * W + xa) * 3 + c]! * (1 - ax) + src[(yb * W + xb) * 3 + c]! * ax;
        const v = Math.min(1, (top * (1 - ay) + bot * ay) * shade + spec);
        out[o + c] = out[o + c]! * (1 - alpha) + v * alpha;
      }
    }
  }
  return { data: out, width: W, height: H, channels: 3 };
}

export default defineSpec({
  id: 'raindrop',
  code: 'RD',
  summary: 'Adherent raindrops that refract an inverted, defocused view of the scene, with rim shading and highlights',
  model: 'Qian et al. 2018 I = (1 - M) B + R; drop = small lens (ROLE-style shape and inverted fisheye view)',
  kind: 'single',
  random: true,
  levels: DROP_LEVELS.map((l) => ({ summary: `${l.count} drops, median radius ${l.radius} px at 512 px short side` })),
  schema: raindropSchema,
  sample(level, rng, size) {
    return sampleDrops(DROP_LEVELS[level - 1]!, rng, size);
  },
  apply(img, p) {
    return renderDrops(img, p);
  },
});
