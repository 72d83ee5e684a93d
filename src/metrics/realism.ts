/**
 * Realism statistics: how a degraded image differs from its clean one (or, without a reference, what it looks like),
 * measured the same way on real benchmark data and on uir's pairs (../shared/notes/realism-reference.md defines
 * them; bench:realism prints them side by side). Images are 8-bit RGB as floats 0-255 here.
 */
import type { Image } from '../image.js';
import { blurPlane } from '../imgproc/filter.js';

type Plane = Float32Array;

/** Interleaved RGB as three 0-255 planes. */
export function planes(img: Image): [Plane, Plane, Plane] {
  const n = img.width * img.height, d = img.data, out: [Plane, Plane, Plane] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c]![i] = Math.round(Math.min(1, Math.max(0, d[i * 3 + c]!)) * 255);
  return out;
}

const mean3 = (p: [Plane, Plane, Plane]): Plane => { const o = new Float32Array(p[0].length); for (let i = 0; i < o.length; i++) o[i] = (p[0][i]! + p[1][i]! + p[2][i]!) / 3; return o; };

/** BT.601 luma (16-235 range, as MATLAB rgb2ycbcr) of 0-255 planes. */
export function luma601(p: [Plane, Plane, Plane]): Plane {
  const o = new Float32Array(p[0].length);
  for (let i = 0; i < o.length; i++) o[i] = 16 + (65.481 * p[0][i]! + 128.553 * p[1][i]! + 24.966 * p[2][i]!) / 255;
  return o;
}

/** Sobel gradients (x, y) of a plane, replicated borders. */
export function sobel(p: Plane, W: number, H: number): { gx: Plane; gy: Plane } {
  const gx = new Float32Array(W * H), gy = new Float32Array(W * H);
  const at = (x: number, y: number): number => p[Math.min(H - 1, Math.max(0, y)) * W + Math.min(W - 1, Math.max(0, x))]!;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const a = at(x - 1, y - 1), b = at(x, y - 1), c = at(x + 1, y - 1), d = at(x - 1, y), f = at(x + 1, y), g = at(x - 1, y + 1), h = at(x, y + 1), k = at(x + 1, y + 1);
    gx[y * W + x] = c + 2 * f + k - a - 2 * d - g;
    gy[y * W + x] = g + 2 * h + k - a - 2 * b - c;
  }
  return { gx, gy };
}

/** 3x3 box mean of a plane (replicated borders). */
export function box3(p: Plane, W: number, H: number): Plane {
  const o = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let s = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += p[Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))]!;
    o[y * W + x] = s / 9;
  }
  return o;
}

/** Binary erosion with a (2r+1)^2 square. */
function erode(m: Uint8Array, W: number, H: number, r: number): Uint8Array {
  const tmp = new Uint8Array(W * H), out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let ok = 1;
    for (let d = -r; d <= r && ok; d++) { const xx = x + d; if (xx < 0 || xx >= W || !m[y * W + xx]) ok = 0; }
    tmp[y * W + x] = ok;
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let ok = 1;
    for (let d = -r; d <= r && ok; d++) { const yy = y + d; if (yy < 0 || yy >= H || !tmp[yy * W + x]) ok = 0; }
    out[y * W + x] = ok;
  }
  return out;
}

/** Flat regions of a grey plane: Gaussian sigma 1.5, Sobel magnitude / 8 below `thr`, eroded 5x5. */
export function flatMask(grey: Plane, W: number, H: number, thr = 4): Uint8Array {
  const s = blurPlane(grey, W, H, 1.5);
  const { gx, gy } = sobel(s, W, H);
  const m = new Uint8Array(W * H);
  for (let i = 0; i < m.length; i++) m[i] = Math.hypot(gx[i]!, gy[i]!) / 8 < thr ? 1 : 0;
  return erode(m, W, H, 2);
}

function corr(a: number[], b: number[]): number {
  const n = a.length;
  if (n < 3) return NaN;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const x = a[i]! - ma, y = b[i]! - mb; sab += x * y; saa += x * x; sbb += y * y; }
  return sab / Math.sqrt(saa * sbb || 1);
}

function std(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i]!;
  m /= v.length || 1;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i]! - m) ** 2;
  return Math.sqrt(s / (v.length || 1));
}

export const BRIGHTNESS_BINS = [0, 40, 80, 120, 160, 200, 256] as const;

export interface NoiseStats {
  /** std of the residual per channel over flat regions, DN. */
  std: [number, number, number];
  /** G std per brightness bin of the clean image (NaN where a bin has 200 pixels or fewer). */
  gByBrightness: number[];
  /** R/G and B/G std ratios in the middle bin [80, 120). */
  rg: number; bg: number;
  lag1: number; lag2: number;
  corrRG: number; corrGB: number;
  /** Share of the residual's variance above a 3x3 box mean. */
  highFreq: number;
  flatPixels: number;
}

/** Noise statistics of a pair (lq - gt over gt's flat regions), as realism-reference.md defines them. */
export function noiseStats(lq: Image, gt: Image): NoiseStats {
  const W = gt.width, H = gt.height, L = planes(lq), G = planes(gt);
  const r = [0, 1, 2].map((c) => { const o = new Float32Array(W * H); for (let i = 0; i < o.length; i++) o[i] = L[c]![i]! - G[c]![i]!; return o; }) as [Plane, Plane, Plane];
  const grey = mean3(G);
  const mask = flatMask(grey, W, H);
  const sel = (p: Plane, m: (i: number) => boolean): number[] => { const o: number[] = []; for (let i = 0; i < p.length; i++) if (mask[i] && m(i)) o.push(p[i]!); return o; };
  const all = (): boolean => true;
  const s = r.map((p) => std(sel(p, all))) as [number, number, number];
  const gBins: number[] = [];
  for (let b = 0; b + 1 < BRIGHTNESS_BINS.length; b++) {
    const v = sel(r[1], (i) => grey[i]! >= BRIGHTNESS_BINS[b]! && grey[i]! < BRIGHTNESS_BINS[b + 1]!);
    gBins.push(v.length > 200 ? std(v) : NaN);
  }
  const mid = (i: number): boolean => grey[i]! >= 80 && grey[i]! < 120;
  const [rm, gm, bm] = r.map((p) => sel(p, mid)) as [number[], number[], number[]];
  const lag = (d: number, both: boolean): number => {
    let acc = 0;
    for (const p of r) {
      const a: number[] = [], b: number[] = [];
      for (let y = 0; y < H - d; y++) for (let x = 0; x < W - d; x++) {
        const i = y * W + x;
        if (!mask[i] || !mask[i + d] || !mask[i + d * W]) continue;
        a.push(p[i]!); b.push(p[i + d]!);
        if (both) { a.push(p[i]!); b.push(p[i + d * W]!); }
      }
      acc += corr(a, b);
    }
    return acc / 3;
  };
  const hf: number[] = [];
  for (const p of r) {
    const bx = box3(p, W, H);
    let e = 0, n = 0;
    const v: number[] = [];
    for (let i = 0; i < p.length; i++) if (mask[i]) { e += (p[i]! - bx[i]!) ** 2; n++; v.push(p[i]!); }
    hf.push(e / n / (std(v) ** 2 || 1));
  }
  return {
    std: s, gByBrightness: gBins, rg: std(rm) / (std(gm) || 1), bg: std(bm) / (std(gm) || 1),
    lag1: lag(1, true), lag2: lag(2, false), corrRG: corr(sel(r[0], all), sel(r[1], all)), corrGB: corr(sel(r[1], all), sel(r[2], all)),
    highFreq: hf.reduce((a, b) => a + b, 0) / 3, flatPixels: mask.reduce((a, b) => a + b, 0),
  };
}

/** 2-D FFT (in place, radix 2; sizes powers of two). */
export function fft2(re: Float64Array, im: Float64Array, n: number, inverse: boolean): void {
  const row = (off: number, stride: number): void => {
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) { const a = off + i * stride, b = off + j * stride; [re[a], re[b]] = [re[b]!, re[a]!]; [im[a], im[b]] = [im[b]!, im[a]!]; }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const ang = (2 * Math.PI) / len * (inverse ? 1 : -1), wr = Math.cos(ang), wi = Math.sin(ang);
      for (let i = 0; i < n; i += len) {
        let cr = 1, ci = 0;
        for (let k = 0; k < len / 2; k++) {
          const a = off + (i + k) * stride, b = off + (i + k + len / 2) * stride;
          const tr = re[b]! * cr - im[b]! * ci, ti = re[b]! * ci + im[b]! * cr;
          re[b] = re[a]! - tr; im[b] = im[a]! - ti; re[a] = re[a]! + tr; im[a] = im[a]! + ti;
          const nr = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = nr;
        }
      }
    }
  };
  for (let y = 0; y < n; y++) row(y * n, 1);
  for (let x = 0; x < n; x++) row(x, n);
}

/**
 * Autocorrelation of a plane (a centred window of at most 256 x 256, zero-padded to 512), normalised to 1 at lag 0:
 * returns a lookup of lag (dx, dy) with bilinear interpolation.
 */
export function autocorrelation(p: Plane, W: number, H: number): (dx: number, dy: number) => number {
  const S = Math.min(256, W, H), N = 512, x0 = Math.floor((W - S) / 2), y0 = Math.floor((H - S) / 2);
  const re = new Float64Array(N * N), im = new Float64Array(N * N);
  let m = 0;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) m += p[(y0 + y) * W + x0 + x]!;
  m /= S * S;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) re[y * N + x] = p[(y0 + y) * W + x0 + x]! - m;
  fft2(re, im, N, false);
  for (let i = 0; i < N * N; i++) { re[i] = re[i]! * re[i]! + im[i]! * im[i]!; im[i] = 0; }
  fft2(re, im, N, true);
  const c0 = re[0]! || 1;
  const at = (x: number, y: number): number => re[((y % N) + N) % N * N + ((x % N) + N) % N]! / c0;
  return (dx, dy) => {
    const fx = Math.floor(dx), fy = Math.floor(dy), ax = dx - fx, ay = dy - fy;
    return (1 - ax) * (1 - ay) * at(fx, fy) + ax * (1 - ay) * at(fx + 1, fy) + (1 - ax) * ay * at(fx, fy + 1) + ax * ay * at(fx + 1, fy + 1);
  };
}

export interface RainStats {
  brightened10: number; brightened30: number; darkened10: number;
  /** Median of the luma residual (a veil lifts it). */
  median: number;
  /** Mean of the residual's Gaussian (sigma 8) low-pass: the veil. */
  veil: number;
  /** Share of the residual's energy in that low-pass. */
  lowFreqShare: number;
  /** Share of the residual's energy in its 3x3 high-pass (the residual minus its 3x3 mean): hard-edged streaks keep more there. */
  fineShare: number;
  /** 99th percentile of the high-pass: how bright streak cores are. */
  peak: number;
  /** Magnitude-weighted mean streak angle from vertical, degrees (signed). */
  angle: number;
  /** Streak length and width from the autocorrelation of the high-pass (twice the 0.5 crossing), pixels. */
  length: number; width: number;
}

/** Rain statistics of a pair from its luma residual (realism-reference.md). */
export function rainStats(lq: Image, gt: Image): RainStats {
  const W = gt.width, H = gt.height;
  const yl = luma601(planes(lq)), yg = luma601(planes(gt));
  const r = new Float32Array(W * H);
  for (let i = 0; i < r.length; i++) r[i] = (yl[i]! - yg[i]!) * 255 / 219;
  const n = r.length;
  let b10 = 0, b30 = 0, d10 = 0;
  for (const v of r) { if (v > 10) b10++; if (v > 30) b30++; if (v < -10) d10++; }
  const sorted = Float32Array.from(r).sort();
  const lp = blurPlane(r, W, H, 8);
  const hp = new Float32Array(n);
  let eAll = 0, eLow = 0, veil = 0;
  for (let i = 0; i < n; i++) { hp[i] = r[i]! - lp[i]!; eAll += r[i]! ** 2; eLow += lp[i]! ** 2; veil += lp[i]!; }
  const hs = Float32Array.from(hp).sort();
  const m3 = box3(r, W, H);
  let eFine = 0;
  for (let i = 0; i < n; i++) eFine += (r[i]! - m3[i]!) ** 2;
  const { gx, gy } = sobel(hp, W, H);
  const mags = new Float32Array(n);
  for (let i = 0; i < n; i++) mags[i] = Math.hypot(gx[i]!, gy[i]!);
  const thr = Float32Array.from(mags).sort()[Math.floor(0.9 * n)]!;
  let cx = 0, cy = 0;
  for (let i = 0; i < n; i++) {
    if (mags[i]! < thr || mags[i]! === 0) continue;
    // the gradient of a streak is across it: its angle from horizontal is the streak's from vertical
    const a = Math.atan2(gy[i]!, gx[i]!);
    cx += mags[i]! * Math.cos(2 * a); cy += mags[i]! * Math.sin(2 * a);
  }
  let angle = (Math.atan2(cy, cx) / 2) * (180 / Math.PI);
  if (angle > 90) angle -= 180;
  if (angle <= -90) angle += 180;
  const ac = autocorrelation(hp, W, H);
  const th = (angle * Math.PI) / 180;
  // along the streak: vertical rotated by the angle (image y grows downwards); across: perpendicular
  const walk = (ux: number, uy: number): number => { for (let d = 0.5; d < 128; d += 0.5) if (ac(d * ux, d * uy) < 0.5) return 2 * d; return 256; };
  return {
    brightened10: b10 / n, brightened30: b30 / n, darkened10: d10 / n, median: sorted[Math.floor(n / 2)]!, veil: veil / n,
    lowFreqShare: eLow / (eAll || 1), fineShare: eFine / (eAll || 1), peak: hs[Math.floor(0.99 * n)]!, angle,
    length: walk(-Math.sin(th), Math.cos(th)), width: walk(Math.cos(th), Math.sin(th)),
  };
}

export interface LowLightStats {
  /** Mean of the dark image, DN. */
  mean: number;
  /** Noise in the dark image: std of lq minus its 3x3 mean over flat regions (of gt, or of lq itself), DN. */
  darkNoise: number;
  /** Where gt is near white (>= 245 in every channel): the 99th percentile of max - min of lq over its mean (0 neutral). */
  highlightTint: number;
  highlightPixels: number;
}

export function lowLightStats(lq: Image, gt?: Image): LowLightStats {
  const W = lq.width, H = lq.height, L = planes(lq);
  const grey = mean3(L);
  let mean = 0;
  for (const v of grey) mean += v;
  mean /= grey.length;
  // flat regions of the reference, or of the dark image itself (where gradients are small in absolute terms)
  const mask = gt ? flatMask(mean3(planes(gt)), W, H) : flatMask(grey, W, H, 1);
  const hp: number[] = [];
  for (const p of L) {
    const bx = box3(p, W, H);
    for (let i = 0; i < p.length; i++) if (mask[i]) hp.push(p[i]! - bx[i]!);
  }
  // the std of x - box3(x) is 8/9 x sqrt(1 + 1/8) of white noise's: report the noise's own std
  const darkNoise = std(hp) / Math.sqrt(8 / 9);
  let tint = NaN, count = 0;
  if (gt) {
    const G = planes(gt), t: number[] = [];
    for (let i = 0; i < grey.length; i++) {
      if (G[0][i]! >= 245 && G[1][i]! >= 245 && G[2][i]! >= 245) {
        const a = L[0][i]!, b = L[1][i]!, c = L[2][i]!, m = (a + b + c) / 3;
        t.push((Math.max(a, b, c) - Math.min(a, b, c)) / Math.max(1, m));
      }
    }
    count = t.length;
    if (t.length > 20) { t.sort((x, y) => x - y); tint = t[Math.floor(0.99 * (t.length - 1))]!; }
  }
  return { mean, darkNoise, highlightTint: tint, highlightPixels: count };
}

export interface BlobStats {
  /** Blobs found (bright, compact: drops and flakes). */
  count: number;
  /** Median equivalent diameter over the image's short side. */
  sizeShare: number;
  /** 90th percentile of the equivalent diameter, px. */
  size90: number;
  /** Edge sharpness: mean gradient magnitude at a blob's rim over its contrast (about 1 / edge width in px). */
  sharpness: number;
  /** Median elongation of blobs of 8+ px: the ratio of the long to the short axis of their pixels' spread (1 = round; a fall streak is long). */
  elongation: number;
}

/**
 * Bright blob statistics of an image: the luma minus its Gaussian (sigma s) background, thresholded, connected
 * components (4-neighbour) of 4+ pixels. For flakes and drops, with or without a clean reference (the residual when
 * gt is given; else the image's own local contrast); `white` keeps only bright, nearly neutral pixels (snow).
 */
export function blobStats(lq: Image, gt?: Image, o: { sigma?: number; threshold?: number; white?: boolean } = {}): BlobStats {
  const W = lq.width, H = lq.height, yl = luma601(planes(lq));
  const base = gt ? luma601(planes(gt)) : blurPlane(yl, W, H, o.sigma ?? 8);
  const d = new Float32Array(W * H), P = o.white ? planes(lq) : null;
  for (let i = 0; i < d.length; i++) {
    d[i] = yl[i]! - base[i]!;
    // white blobs only (snow): nearly neutral and bright
    if (P && (Math.max(P[0][i]!, P[1][i]!, P[2][i]!) - Math.min(P[0][i]!, P[1][i]!, P[2][i]!) > 40 || yl[i]! < 150)) d[i] = 0;
  }
  const thr = o.threshold ?? 12;
  const label = new Int32Array(W * H).fill(-1);
  const sizes: number[] = [], sharp: number[] = [], elong: number[] = [];
  const { gx, gy } = sobel(yl, W, H);
  const stack: number[] = [];
  for (let s = 0; s < d.length; s++) {
    if (label[s] !== -1 || d[s]! < thr) continue;
    const id = sizes.length;
    let area = 0, peak = 0, rimG = 0, rimN = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    stack.push(s); label[s] = id;
    while (stack.length) {
      const i = stack.pop()!, x = i % W, y = (i - x) / W;
      area++; peak = Math.max(peak, d[i]!);
      sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
      let rim = false;
      for (const [nx, ny] of [[x + 1, y], [x - 1, y], [x, y + 1], [x, y - 1]] as const) {
        if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
        const j = ny * W + nx;
        if (d[j]! >= thr) { if (label[j] === -1) { label[j] = id; stack.push(j); } } else rim = true;
      }
      if (rim) { rimG += Math.hypot(gx[i]!, gy[i]!) / 8; rimN++; }
    }
    const blob = area < (W * H) / 20; // larger regions are the scene's, not a drop or a flake
    sizes.push(area >= 4 && blob ? area : -1);
    sharp.push(area >= 4 && rimN ? rimG / rimN / Math.max(thr, peak) : NaN);
    if (area >= 8 && blob) elong.push(axisRatio(sx / area, sy / area, sxx / area, syy / area, sxy / area));
  }
  const keep = sizes.map((a, i) => [a, sharp[i]!] as const).filter(([a]) => a > 0);
  const diam = keep.map(([a]) => 2 * Math.sqrt(a / Math.PI)).sort((a, b) => a - b);
  const sh = keep.map(([, s]) => s).filter(Number.isFinite);
  return {
    count: keep.length, sizeShare: diam.length ? diam[Math.floor(diam.length / 2)]! / Math.min(W, H) : NaN,
    size90: diam.length ? diam[Math.floor(0.9 * (diam.length - 1))]! : NaN,
    sharpness: sh.length ? sh.reduce((a, b) => a + b, 0) / sh.length : NaN,
    elongation: elong.length ? elong.sort((a, b) => a - b)[Math.floor(elong.length / 2)]! : NaN,
  };
}

/** Long over short axis of a pixel set from its coordinate moments (the square root of its covariance's eigenvalue ratio; a pixel's own extent, 1/12, keeps it finite). */
function axisRatio(mx: number, my: number, mxx: number, myy: number, mxy: number): number {
  const a = mxx - mx * mx + 1 / 12, b = myy - my * my + 1 / 12, c = mxy - mx * my;
  const mid = (a + b) / 2, dev = Math.sqrt(((a - b) / 2) ** 2 + c * c);
  return Math.sqrt((mid + dev) / (mid - dev));
}

/** Mean colour cast of a residual: mean of lq - gt per channel minus its grey mean, DN (0 = no tint). */
export function colourCast(lq: Image, gt: Image): [number, number, number] {
  const L = planes(lq), G = planes(gt), n = L[0].length, m = [0, 0, 0];
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) m[c]! += L[c]![i]! - G[c]![i]!;
  const g = (m[0]! + m[1]! + m[2]!) / 3 / n;
  return [m[0]! / n - g, m[1]! / n - g, m[2]! / n - g];
}
