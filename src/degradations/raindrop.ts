/**
 * raindrop (RD): water drops adhering to glass in front of the lens. Model of Qian et al. (CVPR'18, "Attentive
 * Generative Adversarial Network for Raindrop Removal"): I = (1 - M) B + R, with M the drop mask and R the drop's
 * appearance. A drop is a small convex lens showing a wider, inverted and defocused view of the scene around it
 * (ROLE renders this with a fisheye undistortion and a vertical flip); it scatters a little light (a faint glow).
 * The camera focuses on the scene, not the glass (Qian et al. capture their pairs so; Porav et al. 2019 model the
 * drop layer's defocus), so the whole drop layer, mask and appearance, is out of focus: soft, blurry blobs whose rims
 * have no sharp edges or highlights. Outlines are irregular (low angular harmonics of the radius) and stretched
 * downwards (gravity); sizes are log-uniform, many small drops and a few large ones.
 * The number of drops is a density per 512 x 512 of the photograph at a 512 px short side, so a tile of a photo
 * carries as many drops as that region of the whole photo. Calibrated against ../shared/data/real-raindrop (Qian et
 * al.'s demo inputs): drop size and edge sharpness of the bright-blob detector (bench:realism).
 * Candidate drops are drawn independently of the level; a level shows the first N of them at its size.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { gaussianBlur, blurPlane, reflect101 } from '../imgproc/filter.js';
import { defineSpec, spatialScale, r4, REFERENCE_SHORT_SIDE } from './spec.js';
import { fields, list, num, type z } from '../schema.js';

export const raindropSchema = fields({
  drops: list(fields({
    x: num(-1e5, 1e5, 'Centre x in pixels.'),
    y: num(-1e5, 1e5, 'Centre y in pixels.'),
    r: num(0.5, 4096, 'Radius in pixels (scaled).'),
    stretch: num(1, 4, 'Lower half-ellipse stretch (1 = circle), U(1, 1.5).'),
    zoom: num(1, 10, 'Field-of-view magnification of the refracted view, U(1.5, 3).'),
    wobble: num(0, 0.5, 'Irregularity of the outline: relative amplitude of its 2nd and 3rd angular harmonics, U(0.05, 0.25).'),
    phase: num(-7, 7, 'Orientation of the irregularity, radians.'),
  }), 1, 8192, 'Per drop: x, y (px), r (px, level radius x logU(0.4, 2) x scale), stretch, zoom, wobble, phase.'),
  blur: num(0, 256, 'Defocus of the view refracted by a drop, U(1.5, 3) px x scale.'),
  defocus: num(0, 256, 'Defocus of the drop layer itself (the glass is out of focus), Gaussian sigma U(0.25, 0.45) x the median drop radius.'),
  glow: num(0, 0.5, 'Light scattered by the water, added inside drops, U(0.02, 0.06).'),
  opacity: num(0, 1, 'Drop opacity at the centre, U(0.85, 0.98).'),
});
export type RaindropParams = z.infer<typeof raindropSchema>;
export type Drop = RaindropParams['drops'][number];

interface DropLevel { density: number; radius: number }
/** Drops per 512 x 512 and median radius in px, at a 512 px short side. */
export const DROP_LEVELS: readonly DropLevel[] = [
  { density: 20, radius: 4 }, { density: 34, radius: 4.5 }, { density: 52, radius: 5 }, { density: 75, radius: 5.5 }, { density: 100, radius: 6 },
  { density: 130, radius: 6.5 }, { density: 165, radius: 7 }, { density: 205, radius: 8 }, { density: 250, radius: 9 }, { density: 300, radius: 10 },
];

export function sampleDrops(lv: DropLevel, rng: Rng, size: { width: number; height: number; photo?: { width: number; height: number } }): RaindropParams {
  const s = spatialScale(size);
  const blur = rng.uniform(1.5, 3), defocus = rng.uniform(0.25, 0.45), glow = rng.uniform(0.02, 0.06), opacity = rng.uniform(0.85, 0.98);
  const area = (size.width * size.height) / (REFERENCE_SHORT_SIDE * s) ** 2; // this image, in 512 x 512 units of its photo
  const cap = Math.min(8192, Math.ceil(DROP_LEVELS[DROP_LEVELS.length - 1]!.density * area * 1.2) + 1);
  const want = Math.round(lv.density * area);
  const drops: Drop[] = [];
  for (let i = 0; i < cap; i++) {
    const x = rng.next() * size.width, y = rng.next() * size.height;
    const rs = rng.logUniform(0.4, 2), st = rng.uniform(1, 1.5), zm = rng.uniform(1.5, 3), wb = rng.uniform(0.05, 0.25), ph = rng.uniform(-Math.PI, Math.PI);
    if (i < Math.max(1, want)) drops.push({ x: r4(x), y: r4(y), r: r4(Math.max(1, lv.radius * rs * s)), stretch: r4(st), zoom: r4(zm), wobble: r4(wb), phase: r4(ph) });
  }
  return { drops, blur: r4(blur * s), defocus: r4(defocus * lv.radius * s), glow: r4(glow), opacity: r4(opacity) };
}

export function renderDrops(img: Image, p: RaindropParams): Image {
  const { width: W, height: H } = img;
  const view = p.blur > 0.05 ? gaussianBlur(img, p.blur) : img;
  const src = view.data;
  // the drop layer in focus: coverage M and premultiplied appearance A; then defocused as a whole
  const M = new Float32Array(W * H), A = new Float32Array(W * H * 3);
  for (const d of p.drops) {
    const reach = d.r * d.stretch * (1 + d.wobble) + 2;
    const x0 = Math.max(0, Math.floor(d.x - reach)), x1 = Math.min(W - 1, Math.ceil(d.x + reach));
    const y0 = Math.max(0, Math.floor(d.y - d.r * (1 + d.wobble) - 2)), y1 = Math.min(H - 1, Math.ceil(d.y + reach));
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      const dx = x - d.x, dy = y - d.y;
      const phi = Math.atan2(dy, dx);
      const rr = d.r * (1 + d.wobble * (0.6 * Math.cos(2 * phi + d.phase) + 0.4 * Math.cos(3 * phi + 2 * d.phase)));
      const ny = dy > 0 ? dy / (rr * d.stretch) : dy / rr, nx = dx / rr;
      const rho = Math.sqrt(nx * nx + ny * ny);
      const cover = Math.min(1, Math.max(0, (1 - rho) * rr + 0.5)); // anti-aliased outline
      if (cover <= 0) continue;
      const i = y * W + x;
      if (cover <= M[i]!) continue;
      // refraction: inverted, magnified view; stronger bending near the rim (spherical-cap lens)
      const bend = d.zoom * (1 + 0.6 * rho * rho);
      const sx = d.x - nx * rr * bend, sy = d.y - ny * rr * bend;
      const xi = Math.floor(sx), yi = Math.floor(sy), ax = sx - xi, ay = sy - yi;
      const xa = reflect101(xi, W), xb = reflect101(xi + 1, W), ya = reflect101(yi, H), yb = reflect101(yi + 1, H);
      M[i] = cover;
      for (let c = 0; c < 3; c++) {
        const top = src[(ya * W + xa) * 3 + c]! * (1 - ax) + src[(ya * W + xb) * 3 + c]! * ax;
        const bot = src[(yb * W + xa) * 3 + c]! * (1 - ax) + src[(yb * W + xb) * 3 + c]! * ax;
        A[i * 3 + c] = cover * Math.min(1, top * (1 - ay) + bot * ay + p.glow);
      }
    }
  }
  const Mb = p.defocus > 0.05 ? blurPlane(M, W, H, p.defocus) : M;
  const Ab = p.defocus > 0.05 ? gaussianBlur({ data: A, width: W, height: H, channels: 3 }, p.defocus).data : A;
  const out = new Float32Array(W * H * 3), d0 = img.data;
  for (let i = 0; i < W * H; i++) {
    const m = p.opacity * Mb[i]!;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = d0[i * 3 + c]! * (1 - m) + p.opacity * Ab[i * 3 + c]!;
  }
  return { data: out, width: W, height: H, channels: 3 };
}

export default defineSpec({
  id: 'raindrop',
  code: 'RD',
  summary: 'Adherent raindrops out of focus on the glass: soft, irregular blobs refracting an inverted, blurred view',
  model: 'Qian et al. 2018 I = (1 - M) B + R; drop = small lens (ROLE-style shape and inverted fisheye view)',
  kind: 'single',
  random: true,
  seedFree: true,
  levels: DROP_LEVELS.map((l) => ({ summary: `${l.density} drops per 512x512, median radius ${l.radius} px at 512 px short side` })),
  schema: raindropSchema,
  sample(level, rng, size) {
    return sampleDrops(DROP_LEVELS[level - 1]!, rng, size);
  },
  apply(img, p) {
    return renderDrops(img, p);
  },
});
