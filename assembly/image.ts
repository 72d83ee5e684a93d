// SIMD pixel kernels for uir, compiled to WebAssembly by AssemblyScript at build time (npm run build:wasm).
// Everything works on raw pointers into this module's memory; the JS side (src/imgproc/wasm.ts) lays out buffers.
// Plain f32x4 mul/add (no fused multiply-add) so results are identical on every CPU.

/**
 * dst[y*rowLen + j] = sum_t w[t] * src[y*srcStride + off[t] + j] for y < rows, j < rowLen (in floats).
 * One routine serves horizontal and vertical separable passes and sparse 2-D kernels, on padded inputs.
 */
export function convTaps(src: usize, srcStride: i32, dst: usize, rowLen: i32, rows: i32, offs: usize, ws: usize, nTaps: i32): void {
  const vecEnd = rowLen & ~3;
  for (let y = 0; y < rows; y++) {
    const d = dst + ((<usize>(y * rowLen)) << 2);
    const s = src + ((<usize>(y * srcStride)) << 2);
    memory.fill(d, 0, <usize>rowLen << 2);
    // four taps per sweep over the row: one load/store of the accumulator per four multiply-adds
    let t = 0;
    for (; t + 4 <= nTaps; t += 4) {
      const o = offs + (<usize>t << 2), wp = ws + (<usize>t << 2);
      const p0 = s + (<usize>load<i32>(o) << 2), p1 = s + (<usize>load<i32>(o, 4) << 2);
      const p2 = s + (<usize>load<i32>(o, 8) << 2), p3 = s + (<usize>load<i32>(o, 12) << 2);
      const w0 = load<f32>(wp), w1 = load<f32>(wp, 4), w2 = load<f32>(wp, 8), w3 = load<f32>(wp, 12);
      const v0 = f32x4.splat(w0), v1 = f32x4.splat(w1), v2 = f32x4.splat(w2), v3 = f32x4.splat(w3);
      let j = 0;
      for (; j < vecEnd; j += 4) {
        const b = <usize>j << 2;
        const a = d + b;
        let acc = v128.load(a);
        acc = f32x4.add(acc, f32x4.mul(v0, v128.load(p0 + b)));
        acc = f32x4.add(acc, f32x4.mul(v1, v128.load(p1 + b)));
        acc = f32x4.add(acc, f32x4.mul(v2, v128.load(p2 + b)));
        acc = f32x4.add(acc, f32x4.mul(v3, v128.load(p3 + b)));
        v128.store(a, acc);
      }
      for (; j < rowLen; j++) {
        const b = <usize>j << 2;
        const a = d + b;
        store<f32>(a, load<f32>(a) + w0 * load<f32>(p0 + b) + w1 * load<f32>(p1 + b) + w2 * load<f32>(p2 + b) + w3 * load<f32>(p3 + b));
      }
    }
    for (; t < nTaps; t++) {
      const w = load<f32>(ws + (<usize>t << 2));
      const wv = f32x4.splat(w);
      const p = s + (<usize>load<i32>(offs + (<usize>t << 2)) << 2);
      let j = 0;
      for (; j < vecEnd; j += 4) {
        const a = d + (<usize>j << 2);
        v128.store(a, f32x4.add(v128.load(a), f32x4.mul(wv, v128.load(p + (<usize>j << 2)))));
      }
      for (; j < rowLen; j++) {
        const a = d + (<usize>j << 2);
        store<f32>(a, load<f32>(a) + w * load<f32>(p + (<usize>j << 2)));
      }
    }
  }
}

/** bytes -> floats in [0, 1]. */
export function u8ToF32(src: usize, dst: usize, n: i32): void {
  const s = f32x4.splat(<f32>(1.0 / 255.0));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b = v128.load32_zero(src + <usize>i);
    const w = i16x8.extend_low_i8x16_u(b);
    const q = i32x4.extend_low_i16x8_u(w);
    v128.store(dst + (<usize>i << 2), f32x4.mul(f32x4.convert_i32x4_u(q), s));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<u8>(src + <usize>i) * <f32>(1.0 / 255.0));
}

/** floats -> bytes: clamp to [0, 1], x * 255 + 0.5, truncate (round half up). NaN becomes 0. */
export function f32ToU8(src: usize, dst: usize, n: i32): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1), k = f32x4.splat(255), h = f32x4.splat(0.5);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = src + (<usize>i << 2);
    const q0 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.pmin(f32x4.pmax(v128.load(o), zero), one), k), h));
    const q1 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.pmin(f32x4.pmax(v128.load(o, 16), zero), one), k), h));
    const q2 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.pmin(f32x4.pmax(v128.load(o, 32), zero), one), k), h));
    const q3 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.pmin(f32x4.pmax(v128.load(o, 48), zero), one), k), h));
    v128.store(dst + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
  }
  for (; i < n; i++) {
    let v = load<f32>(src + (<usize>i << 2));
    v = v > 0 ? (v < 1 ? v : 1) : 0;
    store<u8>(dst + <usize>i, <u8>(<i32>(v * 255.0 + 0.5)));
  }
}

// sfc32 generator state lives at `state` (4 x u32), shared with the JS Rng so sequences continue seamlessly.
// @ts-ignore: decorator
@inline function sfc32(state: usize): u32 {
  let a = load<u32>(state), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12);
  const t = a + b + d;
  d = d + 1;
  a = b ^ (b >>> 9);
  b = c + (c << 3);
  c = (c << 21) | (c >>> 11);
  c = c + t;
  store<u32>(state, a); store<u32>(state, b, 4); store<u32>(state, c, 8); store<u32>(state, d, 12);
  return t;
}

// Ziggurat tables (Marsaglia & Tsang 2000, 128 layers), built once by zigInit().
const KN = memory.data(128 * 4);
const WN = memory.data(128 * 4);
const FN = memory.data(128 * 4);
let zigReady = false;

function zigInit(): void {
  const m1: f64 = 2147483648.0;
  let dn: f64 = 3.442619855899, tn: f64 = dn;
  const vn: f64 = 9.91256303526217e-3;
  const q = vn / Math.exp(-0.5 * dn * dn);
  store<u32>(KN, <u32>((dn / q) * m1));
  store<u32>(KN + 4, 0);
  store<f32>(WN, <f32>(q / m1));
  store<f32>(WN + 127 * 4, <f32>(dn / m1));
  store<f32>(FN, 1.0);
  store<f32>(FN + 127 * 4, <f32>Math.exp(-0.5 * dn * dn));
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2.0 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    store<u32>(KN + (<usize>(i + 1) << 2), <u32>((dn / tn) * m1));
    tn = dn;
    store<f32>(FN + (<usize>i << 2), <f32>Math.exp(-0.5 * dn * dn));
    store<f32>(WN + (<usize>i << 2), <f32>(dn / m1));
  }
  zigReady = true;
}

// @ts-ignore: decorator
@inline function uni(state: usize): f64 {
  return (<f64>sfc32(state) + 0.5) * (1.0 / 4294967296.0);
}

function zigFix(hzIn: i32, izIn: i32, state: usize): f32 {
  const r: f64 = 3.442620;
  let hz = hzIn, iz = izIn;
  for (;;) {
    let x: f64 = <f64>hz * <f64>load<f32>(WN + (<usize>iz << 2));
    if (iz == 0) {
      let y: f64;
      do {
        x = -Math.log(uni(state)) * 0.2904764;
        y = -Math.log(uni(state));
      } while (y + y < x * x);
      return <f32>(hz > 0 ? r + x : -r - x);
    }
    const f0 = <f64>load<f32>(FN + (<usize>iz << 2)), f1 = <f64>load<f32>(FN + (<usize>(iz - 1) << 2));
    if (f0 + uni(state) * (f1 - f0) < Math.exp(-0.5 * x * x)) return <f32>x;
    hz = <i32>sfc32(state);
    iz = hz & 127;
    if (<u32>abs<i32>(hz) < load<u32>(KN + (<usize>iz << 2))) return <f32>(<f64>hz * <f64>load<f32>(WN + (<usize>iz << 2)));
  }
  return 0; // unreachable
}

/** n standard normals by the ziggurat method (~99% of draws need no transcendental function). */
export function fillNormal(dst: usize, n: i32, state: usize): void {
  if (!zigReady) zigInit();
  for (let i = 0; i < n; i++) {
    const hz = <i32>sfc32(state);
    const iz = hz & 127;
    let v: f32;
    if (<u32>abs<i32>(hz) < load<u32>(KN + (<usize>iz << 2))) v = <f32>hz * load<f32>(WN + (<usize>iz << 2));
    else v = zigFix(hz, iz, state);
    store<f32>(dst + (<usize>i << 2), v);
  }
}

/** n uniforms in [0, 1) from the sfc32 state. */
export function fillUniform(dst: usize, n: i32, state: usize): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>(<f64>sfc32(state) * (1.0 / 4294967296.0)));
}

/** dst = clamp01(a + s * b) elementwise. */
export function addScaledClamp(a: usize, b: usize, s: f32, dst: usize, n: i32): void {
  const sv = f32x4.splat(s), zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = f32x4.add(v128.load(a + o), f32x4.mul(sv, v128.load(b + o)));
    v128.store(dst + o, f32x4.pmin(f32x4.pmax(v, zero), one));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(a + o) + s * load<f32>(b + o);
    store<f32>(dst + o, v > 0 ? (v < 1 ? v : 1) : 0);
  }
}

/**
 * addScaledClamp for an 8-bit source: clamp01(src8 / 255 + s * b), the source read as u8ToF32 reads it, written as
 * floats to `dst` and/or as bytes quantised as f32ToU8 does to `dst8` (either may be 0): the same values as
 * converting, adding and quantising separately.
 */
export function addScaledClampU8(src8: usize, b: usize, s: f32, dst: usize, dst8: usize, n: i32): void {
  const sv = f32x4.splat(s), zero = f32x4.splat(0), one = f32x4.splat(1), inv = f32x4.splat(<f32>(1.0 / 255.0));
  const k = f32x4.splat(255), h = f32x4.splat(0.5);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const x = v128.load(src8 + <usize>i), o = <usize>i << 2;
    const l16 = i16x8.extend_low_i8x16_u(x), h16 = i16x8.extend_high_i8x16_u(x);
    const v0 = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(l16)), inv), f32x4.mul(sv, v128.load(b + o))), zero), one);
    const v1 = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(l16)), inv), f32x4.mul(sv, v128.load(b + o, 16))), zero), one);
    const v2 = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(h16)), inv), f32x4.mul(sv, v128.load(b + o, 32))), zero), one);
    const v3 = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(h16)), inv), f32x4.mul(sv, v128.load(b + o, 48))), zero), one);
    if (dst) { v128.store(dst + o, v0); v128.store(dst + o, v1, 16); v128.store(dst + o, v2, 32); v128.store(dst + o, v3, 48); }
    if (dst8) {
      const q0 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(v0, k), h)), q1 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(v1, k), h));
      const q2 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(v2, k), h)), q3 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(v3, k), h));
      v128.store(dst8 + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
    }
  }
  for (; i < n; i++) {
    let v = <f32>load<u8>(src8 + <usize>i) * <f32>(1.0 / 255.0) + s * load<f32>(b + (<usize>i << 2));
    v = v > 0 ? (v < 1 ? v : 1) : 0;
    if (dst) store<f32>(dst + (<usize>i << 2), v);
    if (dst8) store<u8>(dst8 + <usize>i, <u8>(<i32>(v * 255.0 + 0.5)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fast PNG encoding (the idea of fpng/fpnge): Paeth filter + one dynamic-Huffman deflate block of literals only.
// Filtered photographs hold few long repeats, so dropping LZ77 matching costs a few percent of size and makes the
// encoder 3x faster than zlib level 1. Huffman code lengths are chosen in JS (png-fast.ts).

/**
 * Paeth-filter RGB8 rows into dst, each row prefixed with its filter type (4). The predictor only reads original
 * bytes, so eight bytes are filtered at once in i16 lanes. `zeroRow` must point at width*3 zero bytes (row -1).
 */
export function pngFilterPaeth(src: usize, width: i32, height: i32, dst: usize, zeroRow: usize): void {
  const stride = width * 3;
  const vecEnd = 3 + ((stride - 3) & ~7);
  for (let y = 0; y < height; y++) {
    const row = src + <usize>(y * stride);
    const prev = y > 0 ? row - <usize>stride : zeroRow;
    const out = dst + <usize>(y * (stride + 1)) + 1;
    store<u8>(out - 1, 4);
    // first pixel: a = c = 0, so the predictor is b
    for (let i = 0; i < 3; i++) store<u8>(out + <usize>i, load<u8>(row + <usize>i) - load<u8>(prev + <usize>i));
    let i = 3;
    for (; i < vecEnd; i += 8) {
      const x = i16x8.extend_low_i8x16_u(v128.load64_zero(row + <usize>i));
      const a = i16x8.extend_low_i8x16_u(v128.load64_zero(row + <usize>(i - 3)));
      const b = i16x8.extend_low_i8x16_u(v128.load64_zero(prev + <usize>i));
      const c = i16x8.extend_low_i8x16_u(v128.load64_zero(prev + <usize>(i - 3)));
      const pa = i16x8.abs(i16x8.sub(b, c));
      const pb = i16x8.abs(i16x8.sub(a, c));
      const pc = i16x8.abs(i16x8.sub(i16x8.add(a, b), i16x8.add(c, c)));
      const useA = v128.and(i16x8.le_s(pa, pb), i16x8.le_s(pa, pc));
      const pred = v128.bitselect(a, v128.bitselect(b, c, i16x8.le_s(pb, pc)), useA);
      const d = i16x8.sub(x, pred);
      const bytes = i8x16.shuffle(d, d, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
      v128.store64_lane(out + <usize>i, bytes, 0);
    }
    for (; i < stride; i++) {
      const x = <i32>load<u8>(row + <usize>i);
      const a = <i32>load<u8>(row + <usize>(i - 3));
      const b = <i32>load<u8>(prev + <usize>i);
      const c = <i32>load<u8>(prev + <usize>(i - 3));
      const p = a + b - c;
      const pa = abs<i32>(p - a), pb = abs<i32>(p - b), pc = abs<i32>(p - c);
      const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      store<u8>(out + <usize>i, <u8>(x - pred));
    }
  }
}

export function histogram(src: usize, n: i32, hist: usize): void {
  // four sub-histograms so that runs of equal bytes do not serialise on one counter
  memory.fill(hist, 0, 256 * 4 * 4);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = load<u32>(src + <usize>i);
    const a0 = hist + ((<usize>(v & 255)) << 2), a1 = hist + 1024 + ((<usize>((v >> 8) & 255)) << 2);
    const a2 = hist + 2048 + ((<usize>((v >> 16) & 255)) << 2), a3 = hist + 3072 + ((<usize>(v >> 24)) << 2);
    store<u32>(a0, load<u32>(a0) + 1); store<u32>(a1, load<u32>(a1) + 1);
    store<u32>(a2, load<u32>(a2) + 1); store<u32>(a3, load<u32>(a3) + 1);
  }
  for (; i < n; i++) {
    const a = hist + (<usize>load<u8>(src + <usize>i) << 2);
    store<u32>(a, load<u32>(a) + 1);
  }
  for (let k = 0; k < 256; k++) {
    const a = hist + (<usize>k << 2);
    store<u32>(a, load<u32>(a) + load<u32>(a, 1024) + load<u32>(a, 2048) + load<u32>(a, 3072));
  }
}

/** zlib's Adler-32, 16 bytes per step: a += sum(x), b += 16 a + sum((16 - j) x_j), reduced every 5536 bytes. */
export function adler32(src: usize, n: i32): u32 {
  let a: u64 = 1, b: u64 = 0;
  const wLo = i16x8(16, 15, 14, 13, 12, 11, 10, 9), wHi = i16x8(8, 7, 6, 5, 4, 3, 2, 1);
  let i = 0;
  while (i + 16 <= n) {
    const blocks = min<i32>((n - i) >> 4, 346); // 346 * 16 = 5536 <= NMAX (5552)
    let s1 = i32x4.splat(0), s2 = i32x4.splat(0), ps = i32x4.splat(0);
    for (let k = 0; k < blocks; k++) {
      const x = v128.load(src + <usize>i);
      const lo = i16x8.extend_low_i8x16_u(x), hi = i16x8.extend_high_i8x16_u(x);
      ps = i32x4.add(ps, s1);
      s1 = i32x4.add(s1, i32x4.extadd_pairwise_i16x8_u(i16x8.add(lo, hi)));
      s2 = i32x4.add(s2, i32x4.add(i32x4.dot_i16x8_s(lo, wLo), i32x4.dot_i16x8_s(hi, wHi)));
      i += 16;
    }
    const hs = (v: v128): u64 => <u64><u32>i32x4.extract_lane(v, 0) + <u64><u32>i32x4.extract_lane(v, 1) + <u64><u32>i32x4.extract_lane(v, 2) + <u64><u32>i32x4.extract_lane(v, 3);
    b = (b + <u64>(blocks * 16) * a + 16 * hs(ps) + hs(s2)) % 65521;
    a = (a + hs(s1)) % 65521;
  }
  for (; i < n; i++) { a += <u64>load<u8>(src + <usize>i); b += a; }
  a %= 65521; b %= 65521;
  return (<u32>b << 16) | <u32>a;
}

/**
 * Huffman-code n literal bytes with (codes, lens) (bit-reversed codes, u16 and u8 per symbol 0..256, 256 = end of
 * block) after `headBytes` bytes already at `out` plus `headBits` pending bits in `headAcc`; `pairs` is 512 KiB of
 * scratch. Returns the number of bytes written at `out` in total.
 */
export function huffLiterals(src: usize, n: i32, codes: usize, lens: usize, out: usize, headBytes: i32, headAcc: u32, headBits: i32, pairs: usize): i32 {
  let acc: u64 = <u64>headAcc;
  let bits: i32 = headBits;
  let o = out + <usize>headBytes;
  // codes are at most 15 bits, so a pair of symbols is at most 30: one table entry per byte pair (built here, 64Ki
  // entries of code | length << 32) halves the serial chain of shifts and adds
  for (let s1 = 0; s1 < 256; s1++) {
    const c1 = <u64>load<u16>(codes + (<usize>s1 << 1)), l1 = <u64>load<u8>(lens + <usize>s1);
    for (let s0 = 0; s0 < 256; s0++) {
      const l0 = <u64>load<u8>(lens + <usize>s0);
      const e = <u64>load<u16>(codes + (<usize>s0 << 1)) | (c1 << l0) | ((l0 + l1) << 32);
      store<u64>(pairs + (<usize>((s1 << 8) | s0) << 3), e);
    }
  }
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const e = load<u64>(pairs + (<usize>load<u16>(src + <usize>i) << 3));
    acc |= (e & 0xffffffff) << <u64>bits;
    bits += <i32>(e >> 32);
    if (bits >= 32) {
      store<u32>(o, <u32>acc);
      o += 4;
      acc >>= 32;
      bits -= 32;
    }
  }
  for (; i < n; i++) {
    const s = <usize>load<u8>(src + <usize>i);
    acc |= <u64>load<u16>(codes + (s << 1)) << <u64>bits;
    bits += <i32>load<u8>(lens + s);
    if (bits >= 32) {
      store<u32>(o, <u32>acc);
      o += 4;
      acc >>= 32;
      bits -= 32;
    }
  }
  acc |= <u64>load<u16>(codes + 512) << <u64>bits;
  bits += <i32>load<u8>(lens + 256);
  while (bits > 0) {
    store<u8>(o, <u8>acc);
    o++;
    acc >>= 8;
    bits -= 8;
  }
  return <i32>(o - out);
}

/**
 * Poisson(x * peak) / peak, clamped to [0, 1], for inputs on the 8-bit grid, by inversion of per-level CDF tables
 * built in JS with a guide table (Chen & Asau) so the search takes one or two steps: level k's table starts at
 * offs[k] (in entries) with lens[k] entries, guide[offs[k] + j] = first index whose CDF exceeds j / lens[k], and its
 * first value is los[k]. The source is bytes (`srcU8`: level = byte) or floats, where an element off the grid
 * (farther than 1e-4 from k / 255) draws nothing and is left as -1 in `dst` for the caller to draw exactly in JS.
 * The result goes to `dst` as floats and/or to `dst8` as bytes quantised as f32ToU8 does (either may be 0 = none;
 * `dst8` only with a byte source). The generator state is kept in locals and written back at the end.
 */
export function poissonGrid(src: usize, srcU8: i32, n: i32, cdf: usize, guide: usize, offs: usize, lens: usize, los: usize, invPeak: f32, state: usize, dst: usize, dst8: usize): void {
  let a = load<u32>(state), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12);
  for (let i = 0; i < n; i++) {
    let k: i32;
    if (srcU8) {
      k = <i32>load<u8>(src + <usize>i);
    } else {
      const x = load<f32>(src + (<usize>i << 2));
      const xc = x > 0 ? (x < 1 ? x : 1) : 0;
      k = <i32>(xc * 255.0 + 0.5);
      if (abs<f32>(xc * 255.0 - <f32>k) > 1e-4) { store<f32>(dst + (<usize>i << 2), -1); continue; }
    }
    // sfc32, as in sfc32() above
    const t = a + b + d;
    d = d + 1; a = b ^ (b >>> 9); b = c + (c << 3); c = (c << 21) | (c >>> 11); c = c + t;
    const u = <f64>t * (1.0 / 4294967296.0);
    const off = load<i32>(offs + (<usize>k << 2)), len = load<i32>(lens + (<usize>k << 2));
    const base = cdf + (<usize>off << 3);
    let j = load<i32>(guide + (<usize>(off + <i32>(u * <f64>len)) << 2));
    // the first two steps without branches (the search rarely needs more); the last entry exceeds any u
    j += <i32>(load<f64>(base + (<usize>j << 3)) <= u);
    j += <i32>(load<f64>(base + (<usize>j << 3)) <= u);
    while (load<f64>(base + (<usize>j << 3)) <= u) j++;
    let v = <f32>(load<i32>(los + (<usize>k << 2)) + j) * invPeak;
    v = v < 1 ? v : 1;
    if (dst) store<f32>(dst + (<usize>i << 2), v);
    if (dst8) store<u8>(dst8 + <usize>i, <u8>(<i32>(v * <f32>255 + <f32>0.5)));
  }
  store<u32>(state, a); store<u32>(state, b, 4); store<u32>(state, c, 8); store<u32>(state, d, 12);
}

/** Clamp n floats in place to [0, 1]; NaN becomes 0 (as `v > 0 ? (v < 1 ? v : 1) : 0`). */
export function clamp01(p: usize, n: i32): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  // pmax(0, v) = 0 < v ? v : 0 (NaN -> 0); pmin(1, v) = v < 1 ? v : 1
  for (; i + 4 <= n; i += 4) {
    const o = p + (<usize>i << 2);
    v128.store(o, f32x4.pmin(one, f32x4.pmax(zero, v128.load(o))));
  }
  for (; i < n; i++) {
    const o = p + (<usize>i << 2);
    const v = load<f32>(o);
    store<f32>(o, v > 0 ? (v < 1 ? v : 1) : 0);
  }
}

// exp(x) for x in [-87, 0] (Cephes expf: x = k ln2 + r, |r| <= ln2/2, degree-5 polynomial, 2^k by exponent bits);
// relative error < 2e-7. Plain mul/add in a fixed order: the vector and scalar forms give identical bits.
// @ts-ignore: decorator
@inline function expNeg4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87));
  const k = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504)), f32x4.splat(0.5)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375))), f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let q = f32x4.splat(1.9875691500e-4);
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(1.3981999507e-3));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(8.3334519073e-3));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(4.1665795894e-2));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(1.6666665459e-1));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(5.0000001201e-1));
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(r, r), q), r), f32x4.splat(1));
  const pow2k = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return f32x4.mul(e, pow2k);
}
// @ts-ignore: decorator
@inline function expNeg(x: f32): f32 {
  return f32x4.extract_lane(expNeg4(f32x4.splat(x)), 0);
}

/**
 * Atmospheric scattering I = J t + A (1 - t), t = exp(-beta d), with the depth d read bilinearly from a w x h grid
 * stretched over the W x H image (pixel-centre alignment; w = W, h = H reads it 1:1); the result is clamped to
 * [0, 1]. `tmp` holds W * 8 + w * 4 bytes (column lookups and one interpolated grid row). Four pixels at a time.
 * The source is floats, or bytes when `srcU8` (read as u8ToF32 reads them, 16 bytes of room after the last pixel);
 * the result goes to `dst` as floats and/or to `dst8` as bytes quantised as f32ToU8 does (either may be 0 = none),
 * so every combination gives the same values.
 */
export function hazeScatter(src: usize, srcU8: i32, W: i32, H: i32, depth: usize, w: i32, h: i32, beta: f32, a0: f32, a1: f32, a2: f32, dst: usize, dst8: usize, tmp: usize): void {
  const sx: f32 = <f32>w / <f32>W, sy: f32 = <f32>h / <f32>H;
  const colX = tmp, colF = tmp + (<usize>W << 2), row = tmp + (<usize>W << 3);
  for (let x = 0; x < W; x++) {
    let gx = (<f32>x + 0.5) * sx - 0.5;
    gx = gx < 0 ? 0 : gx > <f32>(w - 1) ? <f32>(w - 1) : gx;
    const x0 = min<i32>(<i32>gx, max<i32>(0, w - 2));
    store<i32>(colX + (<usize>x << 2), x0);
    store<f32>(colF + (<usize>x << 2), w > 1 ? gx - <f32>x0 : 0);
  }
  const zero = f32x4.splat(0), one = f32x4.splat(1), nb = f32x4.splat(-beta), inv = f32x4.splat(<f32>(1.0 / 255.0));
  const k255 = f32x4.splat(255), half = f32x4.splat(0.5);
  const A0 = f32x4(a0, a1, a2, a0), A1 = f32x4(a1, a2, a0, a1), A2 = f32x4(a2, a0, a1, a2);
  const w1 = w > 1 ? 1 : 0;
  for (let y = 0; y < H; y++) {
    let gy = (<f32>y + 0.5) * sy - 0.5;
    gy = gy < 0 ? 0 : gy > <f32>(h - 1) ? <f32>(h - 1) : gy;
    const y0 = <i32>gy, y1 = min<i32>(y0 + 1, h - 1), fy = gy - <f32>y0;
    const r0 = depth + (<usize>(y0 * w) << 2), r1 = depth + (<usize>(y1 * w) << 2);
    for (let i = 0; i < w; i++) {
      const o = <usize>i << 2;
      store<f32>(row + o, load<f32>(r0 + o) * (1 - fy) + load<f32>(r1 + o) * fy);
    }
    const rowOff = <usize>(y * W * 3);
    const s = src + (srcU8 ? rowOff : rowOff << 2), d = dst + (rowOff << 2), d8 = dst8 + rowOff;
    let x = 0;
    for (; x + 4 <= W; x += 4) {
      let dv = f32x4.splat(0);
      // the four depths (bilinear along the row; gathers are scalar in wasm)
      const c = colX + (<usize>x << 2), f = colF + (<usize>x << 2);
      const i0 = <usize>load<i32>(c) << 2, i1 = <usize>load<i32>(c, 4) << 2, i2 = <usize>load<i32>(c, 8) << 2, i3 = <usize>load<i32>(c, 12) << 2;
      const off = <usize>w1 << 2;
      const lo = f32x4(load<f32>(row + i0), load<f32>(row + i1), load<f32>(row + i2), load<f32>(row + i3));
      const hi = f32x4(load<f32>(row + i0 + off), load<f32>(row + i1 + off), load<f32>(row + i2 + off), load<f32>(row + i3 + off));
      const fx = v128.load(f);
      dv = f32x4.add(f32x4.mul(lo, f32x4.sub(one, fx)), f32x4.mul(hi, fx));
      const t = expNeg4(f32x4.mul(nb, dv)), u = f32x4.sub(one, t);
      const T0 = v128.shuffle<f32>(t, t, 0, 0, 0, 1), T1 = v128.shuffle<f32>(t, t, 1, 1, 2, 2), T2 = v128.shuffle<f32>(t, t, 2, 3, 3, 3);
      const U0 = v128.shuffle<f32>(u, u, 0, 0, 0, 1), U1 = v128.shuffle<f32>(u, u, 1, 1, 2, 2), U2 = v128.shuffle<f32>(u, u, 2, 3, 3, 3);
      const p = <usize>(x * 3);
      let j0: v128, j1: v128, j2: v128;
      if (srcU8) {
        const b = v128.load(s + p);
        const l16 = i16x8.extend_low_i8x16_u(b), h16 = i16x8.extend_high_i8x16_u(b);
        j0 = f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(l16)), inv);
        j1 = f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(l16)), inv);
        j2 = f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(h16)), inv);
      } else {
        j0 = v128.load(s + (p << 2)); j1 = v128.load(s + (p << 2), 16); j2 = v128.load(s + (p << 2), 32);
      }
      const o0 = f32x4.pmin(one, f32x4.pmax(zero, f32x4.add(f32x4.mul(j0, T0), f32x4.mul(A0, U0))));
      const o1 = f32x4.pmin(one, f32x4.pmax(zero, f32x4.add(f32x4.mul(j1, T1), f32x4.mul(A1, U1))));
      const o2 = f32x4.pmin(one, f32x4.pmax(zero, f32x4.add(f32x4.mul(j2, T2), f32x4.mul(A2, U2))));
      if (dst) { v128.store(d + (p << 2), o0); v128.store(d + (p << 2), o1, 16); v128.store(d + (p << 2), o2, 32); }
      if (dst8) {
        const q0 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(o0, k255), half));
        const q1 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(o1, k255), half));
        const q2 = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(o2, k255), half));
        const b8 = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q2));
        store<i64>(d8 + p, i64x2.extract_lane(b8, 0));
        store<i32>(d8 + p + 8, i32x4.extract_lane(b8, 2));
      }
    }
    for (; x < W; x++) {
      const i0 = <usize>load<i32>(colX + (<usize>x << 2)) << 2, fx = load<f32>(colF + (<usize>x << 2));
      const dd = load<f32>(row + i0) * (1 - fx) + load<f32>(row + i0 + (<usize>w1 << 2)) * fx;
      const t = expNeg(-beta * dd), u: f32 = 1 - t;
      const p = <usize>(x * 3);
      for (let c = 0; c < 3; c++) {
        const a = c === 0 ? a0 : c === 1 ? a1 : a2;
        const j: f32 = srcU8 ? <f32>load<u8>(s + p + c) * <f32>(1.0 / 255.0) : load<f32>(s + ((p + c) << 2));
        let v = j * t + a * u;
        v = v > 0 ? (v < 1 ? v : 1) : 0;
        if (dst) store<f32>(d + ((p + c) << 2), v);
        if (dst8) store<u8>(d8 + p + c, <u8>(<i32>(v * 255.0 + 0.5)));
      }
    }
  }
}

/**
 * The dark channel (min over RGB) of a W x H RGB image averaged over f x f blocks onto a w x h grid (the last row and
 * column of blocks take the remainder); `sums` receives w * h floats, `counts` needs w * h floats of room.
 */
export function darkChannelGrid(src: usize, srcU8: i32, W: i32, H: i32, f: i32, w: i32, h: i32, sums: usize, counts: usize): void {
  memory.fill(sums, 0, <usize>(w * h) << 2);
  memory.fill(counts, 0, <usize>(w * h) << 2);
  for (let y = 0; y < H; y++) {
    const gy = min<i32>(h - 1, y / f) * w;
    const s = src + (srcU8 ? <usize>(y * W * 3) : <usize>(y * W * 3) << 2);
    for (let gx = 0; gx < w; gx++) {
      const x1 = gx === w - 1 ? W : (gx + 1) * f;
      let acc: f32 = 0;
      if (srcU8) {
        // the byte minimum read as u8ToF32 reads it: the same float as the minimum of the three floats
        for (let x = gx * f; x < x1; x++) {
          const p = s + <usize>(x * 3);
          const a = load<u8>(p), b = load<u8>(p, 1), c = load<u8>(p, 2);
          acc += <f32>(a < b ? (a < c ? a : c) : (b < c ? b : c)) * <f32>(1.0 / 255.0);
        }
      } else for (let x = gx * f; x < x1; x++) {
        const p = s + (<usize>(x * 3) << 2);
        const a = load<f32>(p), b = load<f32>(p, 4), c = load<f32>(p, 8);
        acc += a < b ? (a < c ? a : c) : (b < c ? b : c);
      }
      const g = <usize>(gy + gx) << 2;
      store<f32>(sums + g, load<f32>(sums + g) + acc);
      store<f32>(counts + g, load<f32>(counts + g) + <f32>(x1 - gx * f));
    }
  }
  for (let i = 0; i < w * h; i++) {
    const o = <usize>i << 2;
    store<f32>(sums + o, load<f32>(sums + o) / load<f32>(counts + o));
  }
}
