/**
 * moire (MR): photographing a screen (Liu, Shu & Wu 2018, "Demoiréing of Camera-Captured Screen Images"; the
 * TIP2018 moire dataset): the image is shown on an LCD whose pixels are R, G, B vertical stripes separated by a
 * black matrix; a camera at a slight angle and distance, through a lens with radial distortion, samples that
 * sub-pixel pattern with an anti-aliasing filter (here 3x3 supersampling per sensor pixel, a flat-top filter),
 * onto a Bayer sensor; sensor noise, demosaicking and JPEG follow. The beat between the stripe pitch and the
 * sensor grid is the moire. The content stays registered with the clean image (as in aligned moire pairs); the
 * level sets how strongly the sub-pixel structure shows (contrast) and the JPEG quality.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { clamp01 } from '../image.js';
import { mosaic, demosaic } from '../imgproc/bayer.js';
import { jpegRoundTrip } from './jpeg.js';
import { defineSpec, r4 } from './spec.js';
import { fields, int, num } from './schema.js';

export interface MoireParams {
  /** Screen pixels per sensor pixel (near 1 the beat is slow and wide). */
  pitch: number;
  /** Rotation of the screen grid in radians. */
  angle: number;
  /** Projective terms (perspective foreshortening) per normalised coordinate. */
  perspX: number;
  perspY: number;
  /** Radial lens distortion k1. */
  k1: number;
  /** Black-matrix share of each sub-pixel (horizontal) and of each row (vertical). */
  gapX: number;
  gapY: number;
  /** How much of the sub-pixel structure survives (0 = none). */
  contrast: number;
  /** Sensor noise sigma. */
  noise: number;
  jpegQuality: number;
}

export const MOIRE_CONTRAST = [0.1, 0.18, 0.26, 0.34, 0.42, 0.5, 0.6, 0.7, 0.82, 0.95] as const;
const MOIRE_JPEG = [95, 93, 91, 89, 87, 85, 82, 79, 76, 72] as const;

/** Per-pixel emission factor of each channel (mean ~1) for the given screen geometry. */
export function subpixelMask(W: number, H: number, p: MoireParams): Float32Array {
  const mask = new Float32Array(W * H * 3);
  const cx = (W - 1) / 2, cy = (H - 1) / 2, norm = Math.max(W, H) / 2;
  const ca = Math.cos(p.angle), sa = Math.sin(p.angle);
  const ss = 3;
  const lit = (1 - p.gapX) * (1 - p.gapY) / 3; // mean emission per channel of an all-white screen
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let r = 0, g = 0, b = 0;
    for (let j = 0; j < ss; j++) for (let i = 0; i < ss; i++) {
      // sensor position -> undistorted, normalised coordinates
      let u = (x - 0.5 + (i + 0.5) / ss - cx) / norm, v = (y - 0.5 + (j + 0.5) / ss - cy) / norm;
      const rr = u * u + v * v, f = 1 + p.k1 * rr;
      u *= f; v *= f;
      const w = 1 + p.perspX * u + p.perspY * v;
      u /= w; v /= w;
      // screen coordinates, in screen pixels
      const su = ((ca * u - sa * v) * norm) * p.pitch, sv = ((sa * u + ca * v) * norm) * p.pitch;
      const fu = su - Math.floor(su), fv = sv - Math.floor(sv);
      if (fv >= 1 - p.gapY) continue;
      const sub = fu * 3, k = Math.floor(sub), f2 = sub - k;
      if (f2 < p.gapX / 2 || f2 >= 1 - p.gapX / 2) continue;
      if (k === 0) r++; else if (k === 1) g++; else b++;
    }
    const o = (y * W + x) * 3, s = 1 / (ss * ss * lit);
    mask[o] = r * s; mask[o + 1] = g * s; mask[o + 2] = b * s;
  }
  return mask;
}

export function sampleMoire(contrast: number, jpegQuality: number, rng: Rng): MoireParams {
  const nearOne = rng.bool(0.5);
  return {
    pitch: r4(nearOne ? rng.uniform(0.85, 1.2) : rng.uniform(0.5, 0.8)),
    angle: r4(rng.uniform(-0.25, 0.25)),
    perspX: r4(rng.uniform(-0.15, 0.15)), perspY: r4(rng.uniform(-0.15, 0.15)),
    k1: r4(rng.uniform(-0.08, 0.08)),
    gapX: r4(rng.uniform(0.1, 0.3)), gapY: r4(rng.uniform(0.05, 0.2)),
    contrast, noise: r4(rng.uniform(0.003, 0.012)), jpegQuality,
  };
}

export async function screenCapture(img: Image, p: MoireParams, rng: Rng): Promise<Image> {
  const { width: W, height: H, data } = img;
  const mask = subpixelMask(W, H, p);
  const shown = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) shown[i] = data[i]! * (1 - p.contrast + p.contrast * mask[i]!);
  const raw = mosaic({ data: shown, width: W, height: H, channels: 3 });
  const z = new Float32Array(raw.length);
  rng.fillNormal(z);
  for (let i = 0; i < raw.length; i++) raw[i]! += p.noise * z[i]!;
  const rgb = clamp01(demosaic(raw, W, H, 'bilinear'));
  return jpegRoundTrip(rgb, p.jpegQuality);
}

export const moireSchema = fields({
  pitch: num(0.1, 10, 'Screen pixels per sensor pixel: U(0.85, 1.2) or U(0.5, 0.8), half each.'),
  angle: num(-3.2, 3.2, 'Screen grid rotation, U(-0.25, 0.25) rad.'),
  perspX: num(-1, 1, 'Projective term along x, U(-0.15, 0.15).'),
  perspY: num(-1, 1, 'Projective term along y, U(-0.15, 0.15).'),
  k1: num(-1, 1, 'Radial distortion coefficient, U(-0.08, 0.08).'),
  gapX: num(0, 0.9, 'Black matrix between sub-pixels, U(0.1, 0.3).'),
  gapY: num(0, 0.9, 'Black matrix between rows, U(0.05, 0.2).'),
  contrast: num(0, 1, 'Visibility of the sub-pixel pattern; the level sets it (0.1 ... 0.95).'),
  noise: num(0, 1, 'Sensor noise sigma, U(0.003, 0.012).'),
  jpegQuality: int(1, 100, 'Camera JPEG quality; the level sets it (95 ... 72).'),
});

export default defineSpec({
  id: 'moire',
  code: 'MR',
  summary: 'Screen-capture moire: LCD sub-pixel stripes seen through a tilted, distorting lens onto a Bayer sensor',
  model: 'Liu, Shu & Wu 2018 screen-capture pipeline (sub-pixel mosaic, projective + radial warp, AA filter, CFA, noise, demosaic, JPEG)',
  kind: 'single',
  random: true,
  levels: MOIRE_CONTRAST.map((c, i) => ({ summary: `sub-pixel contrast ${c}, JPEG ${MOIRE_JPEG[i]}` })),
  schema: moireSchema,
  sample(level, rng) {
    return sampleMoire(MOIRE_CONTRAST[level - 1]!, MOIRE_JPEG[level - 1]!, rng);
  },
  apply(img, p, rng) {
    return screenCapture(img, p, rng);
  },
});
