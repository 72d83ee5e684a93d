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
  memory.fill(hist, 0, 256 * 4);
  for (let i = 0; i < n; i++) {
    const a = hist + (<usize>load<u8>(src + <usize>i) << 2);
    store<u32>(a, load<u32>(a) + 1);
  }
}

export function adler32(src: usize, n: i32): u32 {
  let a: u32 = 1, b: u32 = 0;
  let i = 0;
  while (i < n) {
    const end = min<i32>(n, i + 5552);
    for (; i < end; i++) { a += <u32>load<u8>(src + <usize>i); b += a; }
    a %= 65521; b %= 65521;
  }
  return (b << 16) | a;
}

/**
 * Huffman-code n literal bytes with (codes, lens) (bit-reversed codes, u16 and u8 per symbol 0..256, 256 = end of
 * block) after `headBytes` bytes already at `out` plus `headBits` pending bits in `headAcc`. Returns the number of
 * bytes written at `out` in total.
 */
export function huffLiterals(src: usize, n: i32, codes: usize, lens: usize, out: usize, headBytes: i32, headAcc: u32, headBits: i32): i32 {
  let acc: u64 = <u64>headAcc;
  let bits: i32 = headBits;
  let o = out + <usize>headBytes;
  for (let i = 0; i < n; i++) {
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
 * Poisson(x * peak) / peak for inputs on the 8-bit grid (within 1e-4 of k / 255), by inversion of per-level CDF
 * tables built in JS with a guide table (Chen & Asau) so the search takes one or two steps: level k's table starts
 * at offs[k] (in entries) with lens[k] entries, guide[offs[k] + j] = first index whose CDF exceeds j / lens[k], and
 * its first value is los[k]. Elements off the grid are left as -1 for the caller to draw exactly in JS.
 */
export function poissonGrid(src: usize, n: i32, cdf: usize, guide: usize, offs: usize, lens: usize, los: usize, invPeak: f32, state: usize, dst: usize): void {
  for (let i = 0; i < n; i++) {
    const x = load<f32>(src + (<usize>i << 2));
    const xc = x > 0 ? (x < 1 ? x : 1) : 0;
    const k = <i32>(xc * 255.0 + 0.5);
    if (abs<f32>(xc * 255.0 - <f32>k) > 1e-4) { store<f32>(dst + (<usize>i << 2), -1); continue; }
    const u = <f64>sfc32(state) * (1.0 / 4294967296.0);
    const off = load<i32>(offs + (<usize>k << 2)), len = load<i32>(lens + (<usize>k << 2));
    const base = cdf + (<usize>off << 3);
    let j = load<i32>(guide + (<usize>(off + <i32>(u * <f64>len)) << 2));
    while (load<f64>(base + (<usize>j << 3)) <= u) j++;
    store<f32>(dst + (<usize>i << 2), <f32>(load<i32>(los + (<usize>k << 2)) + j) * invPeak);
  }
}

/**
 * Atmospheric scattering I = J t + A (1 - t), t = exp(-beta d), with the depth d read bilinearly from a w x h grid
 * stretched over the W x H image (pixel-centre alignment; w = W, h = H reads it 1:1).
 */
export function hazeScatter(src: usize, W: i32, H: i32, depth: usize, w: i32, h: i32, beta: f32, a0: f32, a1: f32, a2: f32, dst: usize): void {
  const sx: f32 = <f32>w / <f32>W, sy: f32 = <f32>h / <f32>H;
  for (let y = 0; y < H; y++) {
    let gy = (<f32>y + 0.5) * sy - 0.5;
    gy = gy < 0 ? 0 : gy > <f32>(h - 1) ? <f32>(h - 1) : gy;
    const y0 = <i32>gy, y1 = min<i32>(y0 + 1, h - 1), fy = gy - <f32>y0;
    const r0 = depth + (<usize>(y0 * w) << 2), r1 = depth + (<usize>(y1 * w) << 2);
    for (let x = 0; x < W; x++) {
      let gx = (<f32>x + 0.5) * sx - 0.5;
      gx = gx < 0 ? 0 : gx > <f32>(w - 1) ? <f32>(w - 1) : gx;
      const x0 = <i32>gx, x1 = min<i32>(x0 + 1, w - 1), fx = gx - <f32>x0;
      const top = load<f32>(r0 + (<usize>x0 << 2)) * (1 - fx) + load<f32>(r0 + (<usize>x1 << 2)) * fx;
      const bot = load<f32>(r1 + (<usize>x0 << 2)) * (1 - fx) + load<f32>(r1 + (<usize>x1 << 2)) * fx;
      const d = top * (1 - fy) + bot * fy;
      const t = Mathf.exp(-beta * d), u: f32 = 1 - t;
      const o = <usize>((y * W + x) * 3) << 2;
      store<f32>(dst + o, load<f32>(src + o) * t + a0 * u);
      store<f32>(dst + o + 4, load<f32>(src + o + 4) * t + a1 * u);
      store<f32>(dst + o + 8, load<f32>(src + o + 8) * t + a2 * u);
    }
  }
}
