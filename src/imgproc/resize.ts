/**
 * Separable resampling with antialiasing on downscale (the PIL / torchvision antialias=True convention):
 * the filter support grows with the scale factor so that shrinking never aliases.
 */
import type { Image } from '../image.js';
import { reflect101 } from './filter.js';

export type ResizeMode = 'nearest' | 'bilinear' | 'bicubic' | 'area';

function cubic(x: number): number {
  const a = -0.5; // Keys; PIL and the MATLAB imresize convention
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}
const FILTERS: Record<Exclude<ResizeMode, 'nearest'>, { support: number; f: (x: number) => number }> = {
  bilinear: { support: 1, f: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: { support: 2, f: cubic },
  area: { support: 0.5, f: (x) => (x >= -0.5 && x < 0.5 ? 1 : 0) },
};

interface Weights { start: Int32Array; count: Int32Array; idx: Int32Array; w: Float32Array; maxTaps: number }

function weights(inSize: number, outSize: number, mode: Exclude<ResizeMode, 'nearest'>): Weights {
  const scale = inSize / outSize;
  const { support, f } = FILTERS[mode];
  const fs = Math.max(1, scale);
  const span = Math.ceil(support * fs) * 2 + 1;
  const idx = new Int32Array(outSize * span), w = new Float32Array(outSize * span);
  const start = new Int32Array(outSize), count = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.floor(centre - support * fs), hi = Math.ceil(centre + support * fs);
    let n = 0, sum = 0;
    for (let i = lo; i <= hi && n < span; i++) {
      const v = f((i + 0.5 - centre) / fs);
      if (v === 0) continue;
      idx[o * span + n] = reflect101(i, inSize);
      w[o * span + n] = v; sum += v; n++;
    }
    if (n === 0) { idx[o * span] = reflect101(Math.floor(centre), inSize); w[o * span] = 1; n = 1; sum = 1; }
    for (let k = 0; k < n; k++) w[o * span + k]! /= sum;
    start[o] = o * span; count[o] = n;
  }
  return { start, count, idx, w, maxTaps: span };
}

export function resize(img: Image, outW: number, outH: number, mode: ResizeMode = 'bicubic'): Image {
  const { width: W, height: H, channels: C } = img;
  if (outW === W && outH === H) return { ...img, data: img.data.slice() };
  if (mode === 'nearest') {
    const out = new Float32Array(outW * outH * C);
    for (let y = 0; y < outH; y++) {
      const sy = Math.min(H - 1, Math.floor((y + 0.5) * H / outH));
      for (let x = 0; x < outW; x++) {
        const sx = Math.min(W - 1, Math.floor((x + 0.5) * W / outW));
        for (let c = 0; c < C; c++) out[(y * outW + x) * C + c] = img.data[(sy * W + sx) * C + c]!;
      }
    }
    return { data: out, width: outW, height: outH, channels: C };
  }
  // horizontal
  const wx = weights(W, outW, mode);
  const tmp = new Float32Array(outW * H * C);
  const src = img.data;
  for (let y = 0; y < H; y++) {
    const ro = y * W * C, to = y * outW * C;
    for (let x = 0; x < outW; x++) {
      const s = wx.start[x]!, n = wx.count[x]!;
      for (let c = 0; c < C; c++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += wx.w[s + k]! * src[ro + wx.idx[s + k]! * C + c]!;
        tmp[to + x * C + c] = acc;
      }
    }
  }
  // vertical
  const wy = weights(H, outH, mode);
  const out = new Float32Array(outW * outH * C);
  const n = outW * C;
  for (let y = 0; y < outH; y++) {
    const s = wy.start[y]!, cnt = wy.count[y]!, o = y * n;
    for (let k = 0; k < cnt; k++) {
      const w = wy.w[s + k]!, r = wy.idx[s + k]! * n;
      for (let j = 0; j < n; j++) out[o + j]! += w * tmp[r + j]!;
    }
  }
  return { data: out, width: outW, height: outH, channels: C };
}

/**
 * Sample the image at arbitrary positions (bilinear, mirrored borders). mapX/mapY give, for each output pixel,
 * the source position in pixel-centre coordinates (x = 0 is the centre of the first column).
 */
export function remap(img: Image, mapX: Float32Array, mapY: Float32Array, outW: number, outH: number): Image {
  const { width: W, height: H, channels: C } = img;
  const out = new Float32Array(outW * outH * C), src = img.data;
  for (let i = 0; i < outW * outH; i++) {
    const fx = mapX[i]!, fy = mapY[i]!;
    const x0 = Math.floor(fx), y0 = Math.floor(fy);
    const ax = fx - x0, ay = fy - y0;
    const xa = reflect101(x0, W), xb = reflect101(x0 + 1, W), ya = reflect101(y0, H), yb = reflect101(y0 + 1, H);
    const p00 = (ya * W + xa) * C, p01 = (ya * W + xb) * C, p10 = (yb * W + xa) * C, p11 = (yb * W + xb) * C;
    for (let c = 0; c < C; c++) {
      const top = src[p00 + c]! + ax * (src[p01 + c]! - src[p00 + c]!);
      const bot = src[p10 + c]! + ax * (src[p11 + c]! - src[p10 + c]!);
      out[i * C + c] = top + ay * (bot - top);
    }
  }
  return { data: out, width: outW, height: outH, channels: C };
}
