/**
 * Typed wrappers of the SIMD pixel kernels (assembly/image.ts): typed arrays in, fresh typed arrays out, every
 * pointer and copy inside one `withScratch` scope. This is the only file above the runtime that knows the kernels
 * take pointers. V8 runs our scalar float loops at ~0.4 GFLOP/s on the target machines; these run 5-10x faster.
 *
 * Random kernels continue a generator's exact stream: they take its state (4 u32, see Rng.lend) and update it.
 */
import { withScratch, type Scratch } from './runtime.js';

/** A xoshiro128** state, updated in place by the random kernels. */
export type RandomState = Uint32Array;

/** x / 255 for every byte. */
export function bytesToFloats(bytes: Uint8Array): Float32Array {
  return withScratch((s) => {
    const n = bytes.length, src = s.put(bytes), dst = s.alloc(n * 4);
    s.kernels.u8ToF32(src, dst, n);
    return s.f32(dst, n).slice();
  });
}

/** Clamp to [0, 1], scale by 255 and round half up: what encoders see. */
export function floatsToBytes(floats: Float32Array): Uint8Array {
  return withScratch((s) => {
    const n = floats.length, src = s.put(floats), dst = s.alloc(n);
    s.kernels.f32ToU8(src, dst, n);
    return s.u8(dst, n).slice();
  });
}

/** Clamp to [0, 1] in place (NaN becomes 0). */
export function clampInPlace(d: Float32Array): void {
  withScratch((s) => {
    const p = s.put(d);
    s.kernels.clamp01(p, d.length);
    d.set(s.f32(p, d.length));
  });
}

/** Fill with standard normals or uniforms in [0, 1), continuing the generator of `state`. */
export function fillRandom(out: Float32Array, kind: 'normal' | 'uniform', state: RandomState): void {
  withScratch((s) => {
    const dst = s.alloc(out.length * 4), st = s.put(state);
    if (kind === 'normal') s.kernels.fillNormal(dst, out.length, st); else s.kernels.fillUniform(dst, out.length, st);
    out.set(s.f32(dst, out.length));
    state.set(s.u32(st, 4));
  });
}

/** clamp(src + sigma z) with z standard normal per sample. */
export function gaussianNoise(src: Float32Array, sigma: number, state: RandomState): Float32Array {
  return withScratch((s) => {
    const n = src.length, a = s.put(src), z = s.alloc(n * 4), st = s.put(state);
    s.kernels.fillNormal(z, n, st);
    s.kernels.addScaledClamp(a, z, sigma, a, n);
    state.set(s.u32(st, 4));
    return s.f32(a, n).slice();
  });
}

/** gaussianNoise of 8-bit samples: the same values, as bytes (or as floats, when `floats`). */
export function gaussianNoiseBytes(src: Uint8Array, sigma: number, state: RandomState, floats: boolean): Uint8Array | Float32Array {
  return withScratch((s) => {
    const n = src.length, a = s.put(src), z = s.alloc(n * 4), st = s.put(state);
    const dst = floats ? s.alloc(n * 4) : 0, dst8 = floats ? 0 : s.alloc(n);
    s.kernels.fillNormal(z, n, st);
    s.kernels.addScaledClampU8(a, z, sigma, dst, dst8, n);
    state.set(s.u32(st, 4));
    return floats ? s.f32(dst, n).slice() : s.u8(dst8, n).slice();
  });
}

/** Per-level Poisson CDFs (concatenated) with their guide tables, offsets, lengths and lowest counts. */
export interface PoissonTables { cdf: Float64Array; guide: Int32Array; offs: Int32Array; lens: Int32Array; los: Int32Array }

/**
 * Poisson(x * peak) / peak by inversion of the CDF of x's 8-bit level; a float sample off the 8-bit grid comes back
 * negative (the caller draws it). Output as bytes, or as floats when `floats`.
 */
export function poissonGrid(src: Uint8Array | Float32Array, t: PoissonTables, invPeak: number, state: RandomState, floats: boolean): Uint8Array | Float32Array {
  return withScratch((s) => {
    const n = src.length, bytes = src instanceof Uint8Array;
    const cdf = s.put(t.cdf), guide = s.put(t.guide), offs = s.put(t.offs), lens = s.put(t.lens), los = s.put(t.los);
    const a = s.put(src), st = s.put(state), dst = floats ? s.alloc(n * 4) : 0, dst8 = floats ? 0 : s.alloc(n);
    s.kernels.poissonGrid(a, bytes ? 1 : 0, n, cdf, guide, offs, lens, los, invPeak, st, dst, dst8);
    state.set(s.u32(st, 4));
    return floats ? s.f32(dst, n).slice() : s.u8(dst8, n).slice();
  });
}

/** I = J t + A (1 - t), t = exp(-beta d) with d read bilinearly from a w x h grid; bytes or floats out. */
export function hazeScatter(src: Uint8Array | Float32Array, W: number, H: number, depth: Float32Array, w: number, h: number, beta: number, airlight: readonly number[], floats: boolean): Uint8Array | Float32Array {
  return withScratch((s) => {
    const n = W * H * 3, bytes = src instanceof Uint8Array;
    const a = s.alloc(bytes ? n + 16 : n * 4), dp = s.put(depth), tmp = s.alloc(W * 8 + w * 4);
    const dst = floats ? s.alloc(n * 4) : 0, dst8 = floats ? 0 : s.alloc(n);
    if (bytes) s.u8(a, n).set(src); else s.f32(a, n).set(src);
    s.kernels.hazeScatter(a, bytes ? 1 : 0, W, H, dp, w, h, beta, airlight[0]!, airlight[1]!, airlight[2]!, dst, dst8, tmp);
    return floats ? s.f32(dst, n).slice() : s.u8(dst8, n).slice();
  });
}

/** The dark channel (min over RGB) block-averaged over f x f cells onto a w x h grid. */
export function darkChannelGrid(src: Uint8Array | Float32Array, W: number, H: number, f: number, w: number, h: number): Float32Array {
  return withScratch((s) => {
    const a = s.put(src), sums = s.alloc(w * h * 4), counts = s.alloc(w * h * 4);
    s.kernels.darkChannelGrid(a, src instanceof Uint8Array ? 1 : 0, W, H, f, w, h, sums, counts);
    return s.f32(sums, w * h).slice();
  });
}

/** Pixels as the filters read them: 8-bit samples (as x / 255, what u8ToF32 makes of them) or floats. */
export type Samples = Uint8Array | Float32Array;

/**
 * A region holding `src` (W x H x C) as floats padded by mirrorCols.length / 2 columns and mirrorRows.length / 2 rows
 * a side: padding column i (left ones first, then right ones) repeats source column mirrorCols[i], padding row i (top
 * ones first) source row mirrorRows[i]. 8-bit samples are converted row by row inside the kernel's memory.
 */
function putPadded(s: Scratch, src: Samples, W: number, H: number, C: number, mirrorCols: Int32Array, mirrorRows: Int32Array): number {
  const px = mirrorCols.length / 2, py = mirrorRows.length / 2, row = W * C, prow = (W + 2 * px) * C, PH = H + 2 * py;
  const dst = s.alloc(prow * PH * 4), raw = src instanceof Uint8Array ? s.put(src) : -1;
  const v = s.f32(dst, prow * PH);
  for (let y = 0; y < H; y++) {
    const o = (y + py) * prow, at = o + px * C;
    if (raw >= 0) s.kernels.u8ToF32(raw + y * row, dst + at * 4, row);
    else v.set((src as Float32Array).subarray(y * row, y * row + row), at);
    for (let i = 0; i < 2 * px; i++) {
      const to = o + (i < px ? i : W + i) * C, from = at + mirrorCols[i]! * C;
      v.copyWithin(to, from, from + C);
    }
  }
  mirrorRowsInPlace(v, H, prow, mirrorRows);
  return dst;
}

/**
 * Fill the mirrorRows.length / 2 padding rows on each side of H rows of `rowLen` floats (stored from row
 * mirrorRows.length / 2 of `v`): padding row i (top ones first) repeats row mirrorRows[i].
 */
function mirrorRowsInPlace(v: Float32Array, H: number, rowLen: number, mirrorRows: Int32Array): void {
  const py = mirrorRows.length / 2;
  for (let i = 0; i < 2 * py; i++) {
    const to = (i < py ? i : H + i) * rowLen, from = (py + mirrorRows[i]!) * rowLen;
    v.copyWithin(to, from, from + rowLen);
  }
}

/** The n floats at `ptr` as a fresh array, or as bytes (clamped to [0, 1], x 255, rounded half up: what encoders see). */
function takeOut(s: Scratch, ptr: number, n: number, bytes: boolean): Uint8Array | Float32Array {
  if (!bytes) return s.f32(ptr, n).slice();
  const dst8 = s.alloc(n);
  s.kernels.f32ToU8(ptr, dst8, n);
  return s.u8(dst8, n).slice();
}

/**
 * A tap filter: out[p] = sum_t w[t] in[p + off[t]], offsets in floats relative to each output position in the input
 * padded as putPadded pads it (row stride (W + mirrorCols.length) * C). Floats out, or bytes when `bytes`.
 */
export function convolveTaps(src: Samples, W: number, H: number, C: number, mirrorCols: Int32Array, mirrorRows: Int32Array, offsets: readonly number[], weights: readonly number[], bytes: boolean): Uint8Array | Float32Array {
  return withScratch((s) => {
    const px = mirrorCols.length / 2, py = mirrorRows.length / 2, PW = W + 2 * px, n = offsets.length;
    if (n === 0) return bytes ? new Uint8Array(W * H * C) : new Float32Array(W * H * C);
    const padded = putPadded(s, src, W, H, C, mirrorCols, mirrorRows);
    const off = s.alloc(n * 4), ws = s.alloc(n * 4), dst = s.alloc(W * H * C * 4);
    s.i32(off, n).set(offsets);
    s.f32(ws, n).set(weights);
    s.kernels.convTaps(padded + (py * PW + px) * C * 4, PW * C, dst, W * C, H, off, ws, n);
    return takeOut(s, dst, W * H * C, bytes);
  });
}

/**
 * A separable filter as two tap passes in one scope: horizontal (offsets along x in the input padded by mirrorCols,
 * rows unpadded), then vertical (offsets in rows of the intermediate) over the intermediate padded by
 * `mirrorRows.length / 2` rows a side, whose mirrored rows (`mirrorRows[i]`: the intermediate row that padding row i
 * repeats, top rows first) are copied in place. The input and the intermediate never leave the kernel's memory: one
 * allocation per filter (its result), the same values as two convolveTaps passes. Floats out, or bytes when `bytes`.
 */
export function separableTaps(src: Samples, W: number, H: number, C: number, mirrorCols: Int32Array, mirrorRows: Int32Array, offX: readonly number[], wX: readonly number[], offY: readonly number[], wY: readonly number[], bytes: boolean): Uint8Array | Float32Array {
  return withScratch((s) => {
    const px = mirrorCols.length / 2, row = W * C, py = mirrorRows.length / 2, IH = H + 2 * py, nx = offX.length, ny = offY.length;
    if (nx === 0 || ny === 0) return bytes ? new Uint8Array(row * H) : new Float32Array(row * H);
    const padded = putPadded(s, src, W, H, C, mirrorCols, new Int32Array(0));
    const mid = s.alloc(row * IH * 4), dst = s.alloc(row * H * 4);
    const ox = s.alloc(nx * 4), wx = s.alloc(nx * 4), oy = s.alloc(ny * 4), wy = s.alloc(ny * 4);
    s.i32(ox, nx).set(offX); s.f32(wx, nx).set(wX); s.i32(oy, ny).set(offY); s.f32(wy, ny).set(wY);
    s.kernels.convTaps(padded + px * C * 4, (W + 2 * px) * C, mid + py * row * 4, row, H, ox, wx, nx);
    mirrorRowsInPlace(s.f32(mid, row * IH), H, row, mirrorRows);
    s.kernels.convTaps(mid + py * row * 4, row, dst, row, H, oy, wy, ny);
    return takeOut(s, dst, row * H, bytes);
  });
}

/** The deflate header of a Huffman code chosen from the filtered bytes' histogram (see png-fast.ts). */
export interface DeflateHeader { head: number[]; acc: number; bits: number; codes: Uint16Array; lens: Uint8Array }

/**
 * The zlib stream of an 8-bit RGB image's PNG rows: Paeth-filtered, then one dynamic Huffman block of literals whose
 * header `header(freq)` makes from the byte histogram (freq[256] is the end-of-block count), then the Adler-32.
 */
export function pngZlibStream(pixels: Uint8Array, width: number, height: number, header: (freq: number[]) => DeflateHeader): Uint8Array {
  return withScratch((s) => {
    const n = height * (width * 3 + 1), cap = Math.ceil((n * 15) / 8) + 1024;
    const src = s.put(pixels), filt = s.alloc(n), hist = s.alloc(4096), zero = s.alloc(width * 3);
    const codes = s.alloc(257 * 2), lens = s.alloc(257), out = s.alloc(cap), pairs = s.alloc(65536 * 8);
    s.u8(zero, width * 3).fill(0);
    s.kernels.pngFilterPaeth(src, width, height, filt, zero);
    s.kernels.histogram(filt, n, hist);
    const h = header([...s.u32(hist, 256), 1]);
    s.u8(out, h.head.length).set(h.head);
    s.u16(codes, 257).set(h.codes);
    s.u8(lens, 257).set(h.lens);
    const adler = s.kernels.adler32(filt, n) >>> 0;
    const used = s.kernels.huffLiterals(filt, n, codes, lens, out, h.head.length, h.acc >>> 0, h.bits, pairs);
    const stream = new Uint8Array(used + 4);
    stream.set(s.u8(out, used));
    new DataView(stream.buffer).setUint32(used, adler);
    return stream;
  });
}
