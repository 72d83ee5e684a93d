/**
 * The one image type inside uir: interleaved float RGB (HWC), values nominally in [0, 1].
 * Like transformers.js' RawImage: a plain record over a typed array, so pixel kernels stay pure functions.
 */
import * as wasm from './imgproc/wasm.js';

export interface Image {
  data: Float32Array;
  width: number;
  height: number;
  /** Always 3 (RGB) for images; 1 for single-channel maps (depth, masks) that use the same type. */
  channels: number;
}

export function createImage(width: number, height: number, channels = 3, fill = 0): Image {
  const data = new Float32Array(width * height * channels);
  if (fill !== 0) data.fill(fill);
  return { data, width, height, channels };
}

export function cloneImage(img: Image): Image {
  return { data: img.data.slice(), width: img.width, height: img.height, channels: img.channels };
}

/** Clamp in place to [0, 1]; operators call this once at the end (NaN becomes 0). */
export function clamp01(img: Image): Image {
  const d = img.data, n = d.length;
  if (n < 4096) {
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      d[i] = v > 0 ? (v < 1 ? v : 1) : 0;
    }
    return img;
  }
  // V8 runs this loop at ~4 ns per float; the SIMD kernel with both copies takes a third of that
  wasm.reset();
  const p = wasm.scratch(n * 4);
  wasm.f32(p, n).set(d);
  wasm.kernels().clamp01(p, n);
  d.set(wasm.f32(p, n));
  return img;
}

export function shortSide(img: { width: number; height: number }): number {
  return Math.min(img.width, img.height);
}

/** Extract one channel as a single-channel image. */
export function channel(img: Image, c: number): Image {
  const n = img.width * img.height, out = new Float32Array(n), d = img.data, ch = img.channels;
  for (let i = 0; i < n; i++) out[i] = d[i * ch + c]!;
  return { data: out, width: img.width, height: img.height, channels: 1 };
}

/** Rec. 601 luma as a single-channel image. */
export function luma(img: Image): Image {
  const n = img.width * img.height, out = new Float32Array(n), d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = 0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!;
  return { data: out, width: img.width, height: img.height, channels: 1 };
}

/** Crop a rectangle (no bounds checks beyond the caller's). */
export function crop(img: Image, x: number, y: number, w: number, h: number): Image {
  const out = createImage(w, h, img.channels), c = img.channels;
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * c;
    out.data.set(img.data.subarray(src, src + w * c), r * w * c);
  }
  return out;
}

/** Quantize to 8 bits the way encoders see it (round half up after clamping). */
export function toUint8(img: Image): Uint8Array {
  const n = img.data.length;
  wasm.reset();
  const src = wasm.scratch(n * 4), dst = wasm.scratch(n);
  wasm.f32(src, n).set(img.data);
  wasm.kernels().f32ToU8(src, dst, n);
  return wasm.u8(dst, n).slice();
}

/** Bytes to floats in [0, 1] (x / 255). */
export function fromUint8(bytes: Uint8Array, width: number, height: number, channels = 3): Image {
  const n = bytes.length;
  wasm.reset();
  const src = wasm.scratch(n), dst = wasm.scratch(n * 4);
  wasm.u8(src, n).set(bytes);
  wasm.kernels().u8ToF32(src, dst, n);
  return { data: wasm.f32(dst, n).slice(), width, height, channels };
}
