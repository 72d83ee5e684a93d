/**
 * RGGB Bayer sampling and demosaicing (DPIR/KAIR utils_mosaic conventions).
 * Site types: (even row, even col) = R, (even, odd) and (odd, even) = G, (odd, odd) = B.
 * Borders are mirrored without repeating the edge (reflect-101), which preserves the pattern's parity, so a flat
 * colour demosaics exactly with every method.
 */
import type { Image } from '../image.js';
import { reflect101 } from './filter.js';

export type DemosaicMethod = 'malvar' | 'bilinear' | 'nearest';

/** Keep, at each pixel, only the channel its colour filter passes: a single-channel raw plane. */
export function mosaic(img: Image): Float32Array {
  const { width: W, height: H, data } = img;
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const c = (y & 1) === 0 ? ((x & 1) === 0 ? 0 : 1) : ((x & 1) === 0 ? 1 : 2);
    out[y * W + x] = data[(y * W + x) * 3 + c]!;
  }
  return out;
}

export function siteColour(x: number, y: number): 0 | 1 | 2 {
  return (y & 1) === 0 ? ((x & 1) === 0 ? 0 : 1) : ((x & 1) === 0 ? 1 : 2);
}

export function demosaic(raw: Float32Array, W: number, H: number, method: DemosaicMethod): Image {
  switch (method) {
    case 'bilinear': return demosaicBilinear(raw, W, H);
    case 'malvar': return demosaicMalvar(raw, W, H);
    case 'nearest': return demosaicNearest(raw, W, H);
  }
}

/** The raw plane mirrored by 2 pixels on each side (reflect-101), so kernels index without bounds checks. */
function padPlane(raw: Float32Array, W: number, H: number): { p: Float32Array; PW: number } {
  const PW = W + 4, p = new Float32Array(PW * (H + 4));
  for (let y = -2; y < H + 2; y++) {
    const sy = reflect101(y, H), o = (y + 2) * PW;
    p.set(raw.subarray(sy * W, sy * W + W), o + 2);
    for (const x of [-2, -1, W, W + 1]) p[o + x + 2] = raw[sy * W + reflect101(x, W)]!;
  }
  return { p, PW };
}

export function demosaicBilinear(raw: Float32Array, W: number, H: number): Image {
  const out = new Float32Array(W * H * 3);
  const { p, PW } = padPlane(raw, W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const s = siteColour(x, y), o = (y * W + x) * 3, i = (y + 2) * PW + x + 2, v = p[i]!;
    const cross = (p[i - 1]! + p[i + 1]! + p[i - PW]! + p[i + PW]!) / 4;
    const diag = (p[i - PW - 1]! + p[i - PW + 1]! + p[i + PW - 1]! + p[i + PW + 1]!) / 4;
    const horiz = (p[i - 1]! + p[i + 1]!) / 2;
    const vert = (p[i - PW]! + p[i + PW]!) / 2;
    if (s === 0) { out[o] = v; out[o + 1] = cross; out[o + 2] = diag; }
    else if (s === 2) { out[o] = diag; out[o + 1] = cross; out[o + 2] = v; }
    else if ((y & 1) === 0) { out[o] = horiz; out[o + 1] = v; out[o + 2] = vert; } // G in an R row
    else { out[o] = vert; out[o + 1] = v; out[o + 2] = horiz; } // G in a B row
  }
  return { data: out, width: W, height: H, channels: 3 };
}

/** Each 2x2 cell shares one R, the mean of its two Gs, and one B: blocky, with strong colour fringes. */
export function demosaicNearest(raw: Float32Array, W: number, H: number): Image {
  const out = new Float32Array(W * H * 3);
  const { p, PW } = padPlane(raw, W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = ((y & ~1) + 2) * PW + (x & ~1) + 2, o = (y * W + x) * 3;
    out[o] = p[i]!;
    out[o + 1] = (p[i + 1]! + p[i + PW]!) / 2;
    out[o + 2] = p[i + PW + 1]!;
  }
  return { data: out, width: W, height: H, channels: 3 };
}

// Malvar-He-Cutler 5x5 gradient-corrected kernels (x8), listed as [dy, dx, w].
const K_G_AT_RB: number[][] = [[0, 0, 4], [-1, 0, 2], [1, 0, 2], [0, -1, 2], [0, 1, 2], [-2, 0, -1], [2, 0, -1], [0, -2, -1], [0, 2, -1]];
/** R (or B) at a G site whose row contains R (or B): horizontal neighbours carry the colour. */
const K_ROW: number[][] = [[0, 0, 5], [0, -1, 4], [0, 1, 4], [0, -2, -1], [0, 2, -1], [-1, -1, -1], [-1, 1, -1], [1, -1, -1], [1, 1, -1], [-2, 0, 0.5], [2, 0, 0.5]];
const K_COL: number[][] = K_ROW.map(([dy, dx, w]) => [dx!, dy!, w!]);
const K_DIAG: number[][] = [[0, 0, 6], [-1, -1, 2], [-1, 1, 2], [1, -1, 2], [1, 1, 2], [-2, 0, -1.5], [2, 0, -1.5], [0, -2, -1.5], [0, 2, -1.5]];

function compile(k: number[][], PW: number): { off: Int32Array; w: Float32Array } {
  return { off: Int32Array.from(k.map((t) => t[0]! * PW + t[1]!)), w: Float32Array.from(k.map((t) => t[2]! / 8)) };
}

export function demosaicMalvar(raw: Float32Array, W: number, H: number): Image {
  const out = new Float32Array(W * H * 3);
  const { p, PW } = padPlane(raw, W, H);
  const G = compile(K_G_AT_RB, PW), ROW = compile(K_ROW, PW), COL = compile(K_COL, PW), DIAG = compile(K_DIAG, PW);
  const apply = (k: { off: Int32Array; w: Float32Array }, i: number): number => {
    let s = 0;
    for (let t = 0; t < k.off.length; t++) s += k.w[t]! * p[i + k.off[t]!]!;
    return s;
  };
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const s = siteColour(x, y), o = (y * W + x) * 3, i = (y + 2) * PW + x + 2, v = p[i]!;
    if (s === 0) { out[o] = v; out[o + 1] = apply(G, i); out[o + 2] = apply(DIAG, i); }
    else if (s === 2) { out[o] = apply(DIAG, i); out[o + 1] = apply(G, i); out[o + 2] = v; }
    else if ((y & 1) === 0) { out[o] = apply(ROW, i); out[o + 1] = v; out[o + 2] = apply(COL, i); }
    else { out[o] = apply(COL, i); out[o + 1] = v; out[o + 2] = apply(ROW, i); }
  }
  return { data: out, width: W, height: H, channels: 3 };
}
