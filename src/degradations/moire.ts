/**
 * moire (MR): photographing a screen (Liu, Shu & Wu 2018, "Demoiréing of Camera-Captured Screen Images"; the
 * TIP2018 moire dataset): the image is shown on an LCD whose pixels are R, G, B vertical stripes separated by a
 * black matrix; a camera at a slight angle and distance, through a lens with radial distortion, samples that
 * sub-pixel pattern through the lens' point spread (a Gaussian of `psf` sensor pixels, integrated with the pixel's
 * own area by 4x4 supersampling over the footprint) onto a Bayer sensor; sensor noise, demosaicking and JPEG follow.
 * The screen's pixels are finer than the sensor's (pitch > 1, as when a phone frames a monitor), so the grid itself
 * is not resolved: what survives is its aliased beat against the sensor grid, the moire bands of real captures
 * (../shared/data/real-moire). Each channel's emission is normalised to mean 1 over the frame, so the capture has no
 * colour cast. The content stays registered with the clean image (as in aligned moire pairs); the level sets how
 * strongly the pattern shows (contrast) and the JPEG quality.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { clamp01 } from '../image.js';
import { mosaic, demosaic } from '../imgproc/bayer.js';
import { jpegRoundTrip } from './jpeg.js';
import { defineSpec, r4 } from './spec.js';
import { fields, int, num } from '../schema.js';

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
  /** Lens point spread, Gaussian sigma in sensor pixels. */
  psf: number;
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
  const ss = 4, reach = 0.5 + 1.5 * p.psf; // samples cover the pixel and its point spread
  const wts: number[] = [], offs: number[] = [];
  for (let i = 0; i < ss; i++) {
    const o = ((i + 0.5) / ss - 0.5) * 2 * reach;
    offs.push(o);
    // the pixel's box convolved with the Gaussian point spread, evaluated at the sample
    const box = Math.min(1, Math.max(0, reach - Math.abs(o)));
    wts.push(Math.exp(-(o * o) / (2 * (p.psf * p.psf + 1 / 12))) * (0.5 + 0.5 * box));
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let r = 0, g = 0, b = 0, tw = 0;
    for (let j = 0; j < ss; j++) for (let i = 0; i < ss; i++) {
      const wgt = wts[i]! * wts[j]!;
      tw += wgt;
      // sensor position -> undistorted, normalised coordinates
      let u = (x + offs[i]! - cx) / norm, v = (y + offs[j]! - cy) / norm;
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
      if (k === 0) r += wgt; else if (k === 1) g += wgt; else b += wgt;
    }
    const o = (y * W + x) * 3;
    mask[o] = r / tw; mask[o + 1] = g / tw; mask[o + 2] = b / tw;
  }
  // each channel's mean emission over the frame is 1: a white screen looks white, whatever the geometry
  for (let c = 0; c < 3; c++) {
    let m = 0;
    for (let i = c; i < mask.length; i += 3) m += mask[i]!;
    m /= W * H;
    const k = m > 0 ? 1 / m : 0;
    for (let i = c; i < mask.length; i += 3) mask[i]! *= k;
  }
  return mask;
}

export function sampleMoire(contrast: number, jpegQuality: number, rng: Rng): MoireParams {
  const near = rng.bool(0.5);
  return {
    // screen pixels finer than sensor pixels: slow, wide beats near 1, finer ones further
    pitch: r4(near ? rng.uniform(1.02, 1.25) : rng.uniform(1.25, 2.2)),
    angle: r4(rng.uniform(-0.25, 0.25)),
    perspX: r4(rng.uniform(-0.15, 0.15)), perspY: r4(rng.uniform(-0.15, 0.15)),
    k1: r4(rng.uniform(-0.08, 0.08)),
    gapX: r4(rng.uniform(0.1, 0.3)), gapY: r4(rng.uniform(0.05, 0.2)),
    contrast, psf: r4(rng.uniform(0.3, 0.5)), noise: r4(rng.uniform(0.003, 0.012)), jpegQuality,
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
  pitch: num(0.1, 10, 'Screen pixels per sensor pixel: U(1.02, 1.25) or U(1.25, 2.2), half each (the grid itself finer than the sensor).'),
  angle: num(-3.2, 3.2, 'Screen grid rotation, U(-0.25, 0.25) rad.'),
  perspX: num(-1, 1, 'Projective term along x, U(-0.15, 0.15).'),
  perspY: num(-1, 1, 'Projective term along y, U(-0.15, 0.15).'),
  k1: num(-1, 1, 'Radial distortion coefficient, U(-0.08, 0.08).'),
  gapX: num(0, 0.9, 'Black matrix between sub-pixels, U(0.1, 0.3).'),
  gapY: num(0, 0.9, 'Black matrix between rows, U(0.05, 0.2).'),
  contrast: num(0, 1, 'Visibility of the sub-pixel pattern; the level sets it (0.1 ... 0.95).'),
  psf: num(0.05, 4, 'Lens point spread, Gaussian sigma in sensor pixels, U(0.3, 0.5).'),
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
