/**
 * The one image type inside uir: interleaved float RGB (HWC), values nominally in [0, 1].
 * Like transformers.js' RawImage: a plain record over a typed array, so pixel kernels stay pure functions.
 */
import { bytesToFloats, clampInPlace, floatsToBytes } from './wasm/pixels.js';

export interface Image {
  data: Float32Array;
  width: number;
  height: number;
  /** Always 3 (RGB) for images; 1 for single-channel maps (depth, masks) that use the same type. */
  channels: number;
  /**
   * Present on images that were made as 8-bit samples (see `imageFromBytes`): exactly what `toUint8` makes of `data`
   * (for a decoded image data[i] = bytes[i] / 255 to 1 ulp). Encoders use them instead of quantising again. Read-only.
   */
  readonly bytes?: Uint8Array;
}

/**
 * An RGB image that exists as 8-bit samples first: from a decoder, a codec operator, or an operator that wrote its
 * quantised result directly. Its floats are made on first use of `data` (bytes / 255, or the operator's own float
 * result), so a pair that is only read, degraded and written as 8 bits never makes them. They are made in a wasm scope
 * of their own (src/wasm/runtime.ts), so reading `data` can never disturb memory a caller is using. `bytes` is an accessor on the prototype, so a spread copy (`{ ...img, data }`) never carries bytes that no
 * longer match its data; assigning `data` drops them too. Images are never modified in place once made (clamp01 on an
 * operator's own fresh output is the one exception, and it leaves byte images alone).
 */
class ByteImage implements Image {
  #bytes: Uint8Array | undefined;
  #data: Float32Array | undefined;
  #floats: (() => Float32Array) | undefined;
  /** True when the floats are bytes / 255 (no float result of an operator's own behind them). */
  readonly plain: boolean;
  readonly channels = 3;
  constructor(bytes: Uint8Array, readonly width: number, readonly height: number, floats?: () => Float32Array) {
    if (bytes.length !== width * height * 3) throw new Error(`imageFromBytes: ${bytes.length} bytes for ${width}x${height}x3`);
    this.#bytes = bytes;
    this.#floats = floats;
    this.plain = floats === undefined;
  }
  get data(): Float32Array {
    if (!this.#data) {
      const bytes = this.#bytes!;
      this.#data = this.#floats ? this.#floats() : bytesToFloats(bytes);
      this.#floats = undefined;
    }
    return this.#data;
  }
  set data(v: Float32Array) { this.#data = v; this.#bytes = undefined; this.#floats = undefined; }
  get bytes(): Uint8Array | undefined { return this.#bytes; }
}

/**
 * Wrap 8-bit interleaved RGB (not copied; the caller hands it over) as an Image whose floats are made on first use:
 * bytes / 255, or `floats()` when given, which must return samples in [0, 1] whose quantisation (as toUint8 makes it)
 * is exactly `bytes`.
 */
export function imageFromBytes(bytes: Uint8Array, width: number, height: number, floats?: () => Float32Array): Image {
  return new ByteImage(bytes, width, height, floats);
}

/**
 * The 8-bit samples of an image whose floats are exactly bytes / 255 (a decoded photo, a codec's output), which a
 * kernel may read instead of the floats for the same values; undefined for any other image.
 */
export function plainBytes(img: Image): Uint8Array | undefined {
  return img instanceof ByteImage && img.plain ? img.bytes : undefined;
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
  if (img.bytes) return img; // in [0, 1] by construction, and its floats may not even exist yet
  const d = img.data, n = d.length;
  if (n < 4096) {
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      d[i] = v > 0 ? (v < 1 ? v : 1) : 0;
    }
    return img;
  }
  // V8 runs this loop at ~4 ns per float; the SIMD kernel with both copies takes a third of that
  clampInPlace(d);
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
  if (img.bytes) return img.bytes; // exact already; callers never modify the result
  return floatsToBytes(img.data);
}

/**
 * The result of an 8-bit kernel: `run(floats)` makes it as bytes (floats false) or as floats (true), the same values
 * either way. The bytes are made now; the floats only when `data` is first read (see imageFromBytes).
 */
export function byteImageFromKernel(width: number, height: number, run: (floats: boolean) => Uint8Array | Float32Array): Image {
  return imageFromBytes(run(false) as Uint8Array, width, height, () => run(true) as Float32Array);
}

/** Bytes to floats in [0, 1] (x / 255). */
export function fromUint8(bytes: Uint8Array, width: number, height: number, channels = 3): Image {
  return { data: bytesToFloats(bytes), width, height, channels };
}
