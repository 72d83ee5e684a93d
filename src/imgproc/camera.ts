/**
 * A camera model for physically based noise: sRGB -> raw (unprocessing, Brooks et al. CVPR 2019) and raw -> sRGB.
 *
 * unprocess: inverse tone curve (smoothstep) -> gamma expansion (2.2) -> RGB->camera colour matrix -> inverse
 * white-balance/digital gains. process: gains -> camera->RGB -> gamma compression -> tone curve. Brooks' process()
 * omits the tone curve; we apply it so that a noiseless round trip returns the clean image.
 *
 * capture() is the camera the noise operators use: the signal goes through the exact inverse and forward pipelines
 * (no mosaic, no clipping between them), so with the noise off it is the clean image (exposed); the sensor noise is
 * drawn at each pixel's Bayer site, demosaicked (spatially correlated, as real raw noise becomes), white-balanced
 * with the signal, then smoothed as an in-camera denoiser does (chroma more than luma), before the tone curve.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { demosaic, siteColour, type DemosaicMethod } from './bayer.js';
import { blurPlane } from './filter.js';

const XYZ2CAMS = [
  [1.0234, -0.2969, -0.2266, -0.5625, 1.6328, -0.0469, -0.0703, 0.2188, 0.6406],
  [0.4913, -0.0541, -0.0202, -0.613, 1.3513, 0.2906, -0.1564, 0.2151, 0.7183],
  [0.838, -0.263, -0.0639, -0.2887, 1.0725, 0.2496, -0.0627, 0.1427, 0.5438],
  [0.6596, -0.2079, -0.0562, -0.4782, 1.3016, 0.1933, -0.097, 0.1581, 0.5181],
];
const RGB2XYZ = [0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522, 0.072175, 0.0193339, 0.119192, 0.9503041];

export interface CameraParams {
  /** RGB -> camera colour matrix, row-major 3x3, rows normalised to sum 1. */
  rgb2cam: number[];
  /** Overall digital gain (1 / N(0.8, 0.1) in Brooks et al.). */
  rgbGain: number;
  /** White-balance gains, U(1.9, 2.4) and U(1.5, 1.9). */
  redGain: number;
  blueGain: number;
}

function matmul3(a: number[], b: number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return o;
}

export function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/**
 * The two per-sample curves, tabulated (65536 intervals, linear interpolation; max error ~1e-6 away from 0, where
 * x^(1/2.2) is steep, ~1e-4): sRGB -> linear = (inverse smoothstep)^2.2, linear -> sRGB = smoothstep(x^(1/2.2)).
 * Three transcendental calls per sample made the camera pipeline the slowest operator; a table lookup is ~20x faster.
 */
const LUT_N = 65536;
function tabulate(f: (x: number) => number): Float32Array {
  const t = new Float32Array(LUT_N + 2);
  for (let i = 0; i <= LUT_N; i++) t[i] = f(i / LUT_N);
  t[LUT_N + 1] = t[LUT_N]!;
  return t;
}
const TO_LINEAR = tabulate((y) => Math.pow(Math.max(0.5 - Math.sin(Math.asin(1 - 2 * y) / 3), 1e-8), 2.2));
const TO_DISPLAY = tabulate((v) => { const g = Math.pow(Math.max(v, 1e-8), 1 / 2.2); return 3 * g * g - 2 * g * g * g; });
function lut(t: Float32Array, x: number): number {
  const p = (x < 0 ? 0 : x > 1 ? 1 : x) * LUT_N;
  const i = p | 0, f = p - i;
  return t[i]! + f * (t[i + 1]! - t[i]!);
}

/** Draw a random camera: a convex combination of four real cameras' matrices and random gains. */
export function sampleCamera(rng: Rng): CameraParams {
  const w = XYZ2CAMS.map(() => rng.uniform(1e-8, 1e8));
  const ws = w.reduce((a, b) => a + b, 0);
  const xyz2cam = new Array<number>(9).fill(0);
  XYZ2CAMS.forEach((m, k) => m.forEach((v, i) => { xyz2cam[i]! += (v * w[k]!) / ws; }));
  const m = matmul3(xyz2cam, RGB2XYZ);
  for (let r = 0; r < 3; r++) {
    const s = m[r * 3]! + m[r * 3 + 1]! + m[r * 3 + 2]!;
    for (let c = 0; c < 3; c++) m[r * 3 + c]! /= s;
  }
  return {
    rgb2cam: m.map(round6),
    rgbGain: round6(1 / Math.max(0.5, 0.8 + 0.1 * rng.normal())),
    redGain: round6(rng.uniform(1.9, 2.4)),
    blueGain: round6(rng.uniform(1.5, 1.9)),
  };
}

/** sRGB -> linear camera RGB with the exact inverse gains and no clipping (the forward pipeline undoes it exactly). */
export function toCameraExact(img: Image, cam: CameraParams): Float32Array {
  const n = img.width * img.height, src = img.data, out = new Float32Array(n * 3), M = cam.rgb2cam;
  const g = [1 / cam.redGain / cam.rgbGain, 1 / cam.rgbGain, 1 / cam.blueGain / cam.rgbGain];
  for (let i = 0; i < n; i++) {
    const l0 = lut(TO_LINEAR, src[i * 3]!), l1 = lut(TO_LINEAR, src[i * 3 + 1]!), l2 = lut(TO_LINEAR, src[i * 3 + 2]!);
    for (let r = 0; r < 3; r++) out[i * 3 + r] = (M[r * 3]! * l0 + M[r * 3 + 1]! * l1 + M[r * 3 + 2]! * l2) * g[r]!;
  }
  return out;
}

export interface SensorNoise {
  /** Shot-noise variance per unit raw signal. */
  shot: number;
  /** Read-noise variance, raw units. */
  read: number;
}

/**
 * The in-camera denoiser, as Gaussian smoothing (sigma, px) of the noise's luma and chroma; 0 leaves it. With `flat`
 * and `edge`, the luma denoising is edge-aware, as camera noise reduction is (bilateral / guided filters and wavelet
 * shrinkage keyed to the scene): where the scene is flat the luma noise keeps the share `flat` of its amplitude, where
 * its gradient is well above `edge` (sRGB units per pixel) all of it, blended by g^2 / (g^2 + edge^2). Real camera
 * output keeps its noise in texture and loses part of it in flat areas (PolyU: the residual's flat-region std is
 * 2.95 DN at 36 dB; a denoiser blind to the scene leaves 3.8 DN there at that PSNR).
 */
export interface IspDenoise { luma: number; chroma: number; flat?: number; edge?: number }

/** Per pixel, g^2 / (g^2 + edge^2) of the scene's luma gradient (Sobel / 8 after a sigma-1 blur), sRGB units / px. */
function edgeWeight(img: Image, edge: number): Float32Array {
  const W = img.width, H = img.height, n = W * H, d = img.data, grey = new Float32Array(n);
  for (let i = 0; i < n; i++) grey[i] = (d[i * 3]! + d[i * 3 + 1]! + d[i * 3 + 2]!) / 3;
  const s = blurPlane(grey, W, H, 1), e = new Float32Array(n), k2 = edge * edge;
  // replicated borders: the rows above and below, and the columns left and right, clamped to the image
  for (let y = 0; y < H; y++) {
    const up = Math.max(0, y - 1) * W, mid = y * W, dn = Math.min(H - 1, y + 1) * W;
    for (let x = 0; x < W; x++) {
      const xl = x > 0 ? x - 1 : 0, xr = x < W - 1 ? x + 1 : W - 1;
      const a = s[up + xl]!, b = s[up + x]!, c = s[up + xr]!, l = s[mid + xl]!, r = s[mid + xr]!, g = s[dn + xl]!, h = s[dn + x]!, q = s[dn + xr]!;
      const gx = (c + 2 * r + q - a - 2 * l - g) / 8, gy = (g + 2 * h + q - a - 2 * b - c) / 8, g2 = gx * gx + gy * gy;
      e[mid + x] = g2 / (g2 + k2);
    }
  }
  return e;
}

/** The denoised luma noise: Gaussian sigma `luma`, or edge-aware between `flat` and `luma` (see IspDenoise). */
function denoiseLuma(Y: Float32Array, img: Image, dn: IspDenoise): Float32Array {
  const W = img.width, H = img.height;
  const Ys = dn.luma > 0 ? blurPlane(Y, W, H, dn.luma) : Y;
  if (dn.flat === undefined || !dn.edge) return Ys;
  const f = dn.flat, e = edgeWeight(img, dn.edge), out = new Float32Array(Y.length);
  for (let i = 0; i < out.length; i++) out[i] = Ys[i]! * (f + e[i]! * (1 - f));
  return out;
}

/**
 * A photograph of the clean scene: linear light x exposure, sensor noise at the Bayer sites (var = x shot + read),
 * demosaicked, white-balanced, denoised, and processed to sRGB. Draws W x H normals.
 */
export function capture(img: Image, cam: CameraParams, exposure: number, noise: SensorNoise, denoise: IspDenoise, rng: Rng, method: DemosaicMethod = 'bilinear'): Image {
  const W = img.width, H = img.height, n = W * H;
  const sig = toCameraExact(img, cam);
  const z = new Float32Array(n);
  rng.fillNormal(z);
  const raw = new Float32Array(n);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x, v = sig[i * 3 + siteColour(x, y)]! * exposure;
    raw[i] = z[i]! * Math.sqrt(Math.max(v, 0) * noise.shot + noise.read);
  }
  const N = demosaic(raw, W, H, method).data;
  const gains = [cam.redGain * cam.rgbGain, cam.rgbGain, cam.blueGain * cam.rgbGain];
  // the noise after white balance, split into luma and two colour differences for the denoiser
  const Y = new Float32Array(n), Cr = new Float32Array(n), Cb = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = N[i * 3]! * gains[0]!, g = N[i * 3 + 1]! * gains[1]!, b = N[i * 3 + 2]! * gains[2]!;
    Y[i] = (r + 2 * g + b) / 4; Cr[i] = r - g; Cb[i] = b - g;
  }
  const Ys = denoiseLuma(Y, img, denoise);
  const Crs = denoise.chroma > 0 ? blurPlane(Cr, W, H, denoise.chroma) : Cr;
  const Cbs = denoise.chroma > 0 ? blurPlane(Cb, W, H, denoise.chroma) : Cb;
  const inv = invert3(cam.rgb2cam), out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const ng = Ys[i]! - (Crs[i]! + Cbs[i]!) / 4, nr = Crs[i]! + ng, nb = Cbs[i]! + ng;
    const a = sig[i * 3]! * exposure * gains[0]! + nr, b = sig[i * 3 + 1]! * exposure * gains[1]! + ng, c = sig[i * 3 + 2]! * exposure * gains[2]! + nb;
    for (let r = 0; r < 3; r++) out[i * 3 + r] = lut(TO_DISPLAY, inv[r * 3]! * a + inv[r * 3 + 1]! * b + inv[r * 3 + 2]! * c);
  }
  return { data: out, width: W, height: H, channels: 3 };
}
