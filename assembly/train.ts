// SIMD kernels for training on the tfjs wasm backend. Compiled with --importMemory: they run directly on the tfjs
// wasm heap (pointers are tensor memory offsets), so no data is copied in or out. No static data in this module
// (it must not write into the tfjs heap when instantiated).
// Built twice: wasm/train.wasm with f32x4 mul + add (the same bits on every CPU) and wasm/train-fma.wasm with relaxed
// SIMD's multiply-add, which is one fused instruction on CPUs with FMA (register.ts picks; UIR_FMA=0 forces the
// first). `madd` is the one place that differs.

// @ts-ignore: decorator
@inline function ld(p: usize): v128 { return v128.load(p); }
/** c + a * b. */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Floats of packing room gemmNN wants for these sizes (0: it works on B in place). A B of more than 32 KiB is copied
 * in column panels of ~32 KiB, contiguous, so a panel stays in L1 while every row block of A passes over it: rows of a
 * deep layer's weights lie 2-4 KiB apart, and reading 8 floats from each of K such rows thrashed the L1 sets.
 */
export function gemmPackFloats(M: i32, N: i32, K: i32): i32 {
  if (M < 32 || K * N <= 8192 || N <= 8) return 0;
  return K * gemmPanel(K);
}
// @ts-ignore: decorator
@inline function gemmPanel(K: i32): i32 { return max<i32>(8, (8192 / max<i32>(K, 1)) & ~7); }

/** C[M,N] (+)= A[M,K] . B[K,N], row-major with leading dimensions (in floats); `pack` has gemmPackFloats() floats or is 0. */
export function gemmNN(A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, acc: i32, pack: usize): void {
  if (!pack || gemmPackFloats(M, N, K) == 0) { gemmNNPanel(A, lda, B, ldb, C, ldc, M, N, K, acc); return; }
  const NB = gemmPanel(K);
  for (let j0 = 0; j0 < N; j0 += NB) {
    const nb = min<i32>(NB, N - j0);
    for (let k = 0; k < K; k++) memory.copy(pack + (<usize>(k * nb) << 2), B + (<usize>(k * ldb + j0) << 2), <usize>nb << 2);
    gemmNNPanel(A, lda, pack, nb, C + (<usize>j0 << 2), ldc, M, nb, K, acc);
  }
}

/** gemmNN on one panel of B. 4x8 register blocks: per k, two B vectors and four broadcast A scalars feed eight accumulators. */
function gemmNNPanel(A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, acc: i32): void {
  const N8 = N & ~7;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = A + (<usize>(i * lda) << 2), a1 = a0 + (<usize>lda << 2), a2 = a1 + (<usize>lda << 2), a3 = a2 + (<usize>lda << 2);
    const c0 = C + (<usize>(i * ldc) << 2), c1 = c0 + (<usize>ldc << 2), c2 = c1 + (<usize>ldc << 2), c3 = c2 + (<usize>ldc << 2);
    let j = 0;
    for (; j < N8; j += 8) {
      const jo = <usize>j << 2;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let b = B + jo;
      for (let k = 0; k < K; k++) {
        const ko = <usize>k << 2;
        const b0 = ld(b), b1 = ld(b + 16);
        const x0 = v128.load32_splat(a0 + ko), x1 = v128.load32_splat(a1 + ko);
        const x2 = v128.load32_splat(a2 + ko), x3 = v128.load32_splat(a3 + ko);
        s00 = madd(x0, b0, s00); s01 = madd(x0, b1, s01);
        s10 = madd(x1, b0, s10); s11 = madd(x1, b1, s11);
        s20 = madd(x2, b0, s20); s21 = madd(x2, b1, s21);
        s30 = madd(x3, b0, s30); s31 = madd(x3, b1, s31);
        b += <usize>ldb << 2;
      }
      if (acc) {
        s00 = f32x4.add(s00, ld(c0 + jo)); s01 = f32x4.add(s01, ld(c0 + jo + 16));
        s10 = f32x4.add(s10, ld(c1 + jo)); s11 = f32x4.add(s11, ld(c1 + jo + 16));
        s20 = f32x4.add(s20, ld(c2 + jo)); s21 = f32x4.add(s21, ld(c2 + jo + 16));
        s30 = f32x4.add(s30, ld(c3 + jo)); s31 = f32x4.add(s31, ld(c3 + jo + 16));
      }
      v128.store(c0 + jo, s00); v128.store(c0 + jo + 16, s01);
      v128.store(c1 + jo, s10); v128.store(c1 + jo + 16, s11);
      v128.store(c2 + jo, s20); v128.store(c2 + jo + 16, s21);
      v128.store(c3 + jo, s30); v128.store(c3 + jo + 16, s31);
    }
    for (; j < N; j++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      for (let k = 0; k < K; k++) {
        const bv = load<f32>(B + (<usize>(k * ldb + j) << 2)), ko = <usize>k << 2;
        s0 += load<f32>(a0 + ko) * bv; s1 += load<f32>(a1 + ko) * bv; s2 += load<f32>(a2 + ko) * bv; s3 += load<f32>(a3 + ko) * bv;
      }
      const jo = <usize>j << 2;
      if (acc) { s0 += load<f32>(c0 + jo); s1 += load<f32>(c1 + jo); s2 += load<f32>(c2 + jo); s3 += load<f32>(c3 + jo); }
      store<f32>(c0 + jo, s0); store<f32>(c1 + jo, s1); store<f32>(c2 + jo, s2); store<f32>(c3 + jo, s3);
    }
  }
  for (; i < M; i++) {
    const a0 = A + (<usize>(i * lda) << 2), c0 = C + (<usize>(i * ldc) << 2);
    let j = 0;
    for (; j < N8; j += 8) {
      const jo = <usize>j << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      let b = B + jo;
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(a0 + (<usize>k << 2));
        s0 = madd(x, ld(b), s0); s1 = madd(x, ld(b + 16), s1);
        b += <usize>ldb << 2;
      }
      if (acc) { s0 = f32x4.add(s0, ld(c0 + jo)); s1 = f32x4.add(s1, ld(c0 + jo + 16)); }
      v128.store(c0 + jo, s0); v128.store(c0 + jo + 16, s1);
    }
    for (; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) s += load<f32>(a0 + (<usize>k << 2)) * load<f32>(B + (<usize>(k * ldb + j) << 2));
      const jo = <usize>j << 2;
      if (acc) s += load<f32>(c0 + jo);
      store<f32>(c0 + jo, s);
    }
  }
}

/**
 * C[M,N] (+)= A[K,M]^T . B[K,N]: the weight-gradient shape (K = positions, large; M x N = channels, small).
 * K is walked in chunks that keep the A and B panels in cache while every 4 (M) x 8 (N) register block of C
 * accumulates over the chunk.
 */
export function gemmTN(A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, acc: i32, pack: usize): void {
  const KC = 256;
  const packed = pack != 0 && gemmTNPackFloats(M, N, K) != 0;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kn = min<i32>(KC, K - k0), a = A + (<usize>(k0 * lda) << 2), b = B + (<usize>(k0 * ldb) << 2), ac = acc != 0 || k0 > 0 ? 1 : 0;
    if (packed) gemmTNPacked(a, lda, b, ldb, C, ldc, M, N, kn, ac, pack);
    else gemmTNPanel(a, lda, b, ldb, C, ldc, M, N, kn, ac);
  }
}

/**
 * Floats of packing room gemmTN wants (0: none). With large M and N the rows of A and B lie 1-4 KiB apart, and a 4x8
 * block reading 16 and 32 bytes from each of 256 such rows thrashed the L1 sets; packed, each block's A and B are
 * contiguous strips (A as [M/4][KC][4], B as [N/8][KC][8], zero-padded).
 */
export function gemmTNPackFloats(M: i32, N: i32, K: i32): i32 {
  if (M < 16 || N < 16 || K < 64 || M * N < 16384) return 0; // measured: no gain below 128 x 128 channels
  return 256 * (((M + 3) & ~3) + ((N + 7) & ~7));
}

function gemmTNPacked(A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, acc: i32, pack: usize): void {
  const Mp = (M + 3) & ~3, Np = (N + 7) & ~7;
  const pa = pack, pb = pack + (<usize>(256 * Mp) << 2);
  for (let i = 0; i < Mp; i += 4) {
    const strip = pa + (<usize>(i * K) << 2);
    for (let k = 0; k < K; k++) {
      const src = A + (<usize>(k * lda + i) << 2), dst = strip + (<usize>(k * 4) << 2);
      if (i + 4 <= M) v128.store(dst, v128.load(src));
      else for (let r = 0; r < 4; r++) store<f32>(dst + (<usize>r << 2), i + r < M ? load<f32>(src + (<usize>r << 2)) : 0);
    }
  }
  for (let j = 0; j < Np; j += 8) {
    const strip = pb + (<usize>(j * K) << 2);
    for (let k = 0; k < K; k++) {
      const src = B + (<usize>(k * ldb + j) << 2), dst = strip + (<usize>(k * 8) << 2);
      if (j + 8 <= N) { v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16); }
      else for (let c = 0; c < 8; c++) store<f32>(dst + (<usize>c << 2), j + c < N ? load<f32>(src + (<usize>c << 2)) : 0);
    }
  }
  // each 4 x 8 block of C: the panel kernel over one A strip (lda 4) and one B strip (ldb 8), now contiguous
  for (let i = 0; i < M; i += 4) {
    for (let j = 0; j < N; j += 8) {
      gemmTNPanel(pa + (<usize>(i * K) << 2), 4, pb + (<usize>(j * K) << 2), 8, C + (<usize>(i * ldc + j) << 2), ldc, min<i32>(4, M - i), min<i32>(8, N - j), K, acc);
    }
  }
}

function gemmTNPanel(A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, M: i32, N: i32, K: i32, acc: i32): void {
  const N8 = N & ~7;
  let i = 0;
  for (; i < M; i += 4) {
    const rows = min<i32>(4, M - i);
    let j = 0;
    for (; j < N8; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let a = A + (<usize>i << 2), b = B + (<usize>j << 2);
      if (rows == 4) {
        for (let k = 0; k < K; k++) {
          const b0 = ld(b), b1 = ld(b + 16);
          const x0 = v128.load32_splat(a), x1 = v128.load32_splat(a, 4), x2 = v128.load32_splat(a, 8), x3 = v128.load32_splat(a, 12);
          s00 = madd(x0, b0, s00); s01 = madd(x0, b1, s01);
          s10 = madd(x1, b0, s10); s11 = madd(x1, b1, s11);
          s20 = madd(x2, b0, s20); s21 = madd(x2, b1, s21);
          s30 = madd(x3, b0, s30); s31 = madd(x3, b1, s31);
          a += <usize>lda << 2; b += <usize>ldb << 2;
        }
      } else {
        for (let k = 0; k < K; k++) {
          const b0 = ld(b), b1 = ld(b + 16);
          const x0 = v128.load32_splat(a);
          const x1 = f32x4.splat(rows > 1 ? load<f32>(a, 4) : 0), x2 = f32x4.splat(rows > 2 ? load<f32>(a, 8) : 0);
          s00 = madd(x0, b0, s00); s01 = madd(x0, b1, s01);
          s10 = madd(x1, b0, s10); s11 = madd(x1, b1, s11);
          s20 = madd(x2, b0, s20); s21 = madd(x2, b1, s21);
          a += <usize>lda << 2; b += <usize>ldb << 2;
        }
      }
      const c = C + (<usize>(i * ldc + j) << 2), st = <usize>ldc << 2;
      if (acc) {
        s00 = f32x4.add(s00, ld(c)); s01 = f32x4.add(s01, ld(c + 16));
        if (rows > 1) { s10 = f32x4.add(s10, ld(c + st)); s11 = f32x4.add(s11, ld(c + st + 16)); }
        if (rows > 2) { s20 = f32x4.add(s20, ld(c + 2 * st)); s21 = f32x4.add(s21, ld(c + 2 * st + 16)); }
        if (rows > 3) { s30 = f32x4.add(s30, ld(c + 3 * st)); s31 = f32x4.add(s31, ld(c + 3 * st + 16)); }
      }
      v128.store(c, s00); v128.store(c + 16, s01);
      if (rows > 1) { v128.store(c + st, s10); v128.store(c + st + 16, s11); }
      if (rows > 2) { v128.store(c + 2 * st, s20); v128.store(c + 2 * st + 16, s21); }
      if (rows > 3) { v128.store(c + 3 * st, s30); v128.store(c + 3 * st + 16, s31); }
    }
    for (; j < N; j++) {
      for (let r = 0; r < rows; r++) {
        let s: f32 = 0;
        for (let k = 0; k < K; k++) s += load<f32>(A + (<usize>(k * lda + i + r) << 2)) * load<f32>(B + (<usize>(k * ldb + j) << 2));
        const c = C + (<usize>((i + r) * ldc + j) << 2);
        store<f32>(c, acc ? load<f32>(c) + s : s);
      }
    }
  }
}

/** dst[cols, rows] = src[rows, cols]^T. */
export function transpose2d(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) store<f32>(dst + (<usize>(c * rows + r) << 2), load<f32>(src + (<usize>(r * cols + c) << 2)));
}

/** dst[j] = sum_i src[i, j] (a sum over leading axes). */
export function colSum(src: usize, rows: i32, cols: i32, dst: usize): void {
  const c4 = cols & ~3;
  memory.fill(dst, 0, <usize>cols << 2);
  for (let i = 0; i < rows; i++) {
    const s = src + (<usize>(i * cols) << 2);
    let j = 0;
    for (; j < c4; j += 4) { const o = <usize>j << 2; v128.store(dst + o, f32x4.add(ld(dst + o), ld(s + o))); }
    for (; j < cols; j++) { const o = <usize>j << 2; store<f32>(dst + o, load<f32>(dst + o) + load<f32>(s + o)); }
  }
}

/** Copy `rows` runs of `len` floats: from src + i*srcStride to dst + i*dstStride (channel slices and concats). */
export function copyRows(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, len: i32): void {
  const bytes = <usize>len << 2;
  for (let i = 0; i < rows; i++) memory.copy(dst + (<usize>(i * dstStride) << 2), src + (<usize>(i * srcStride) << 2), bytes);
}

/**
 * Depthwise convolution, stride 1, NHWC, filter [KH, KW, C] (multiplier 1), explicit top/left padding.
 * out[n, y, x, c] = sum_{i,j} in[n, y + i - pt, x + j - pl, c] * f[i, j, c]   (zero outside)
 * With flip = 1 the filter is rotated 180 degrees: the input gradient of a stride-1 depthwise conv.
 */
export function depthwise(inp: usize, N: i32, H: i32, W: i32, C: i32, f: usize, KH: i32, KW: i32, pt: i32, pl: i32, OH: i32, OW: i32, out: usize, flip: i32): void {
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) for (let y = 0; y < OH; y++) for (let x = 0; x < OW; x++) {
    const o = out + (<usize>(((n * OH + y) * OW + x) * C) << 2);
    memory.fill(o, 0, <usize>C << 2);
    for (let i = 0; i < KH; i++) {
      const iy = y + i - pt;
      if (iy < 0 || iy >= H) continue;
      for (let j = 0; j < KW; j++) {
        const ix = x + j - pl;
        if (ix < 0 || ix >= W) continue;
        const fi = flip ? (KH - 1 - i) * KW + (KW - 1 - j) : i * KW + j;
        const fp = f + (<usize>(fi * C) << 2);
        const ip = inp + (<usize>(((n * H + iy) * W + ix) * C) << 2);
        let c = 0;
        for (; c < C4; c += 4) { const co = <usize>c << 2; v128.store(o + co, madd(ld(ip + co), ld(fp + co), ld(o + co))); }
        for (; c < C; c++) { const co = <usize>c << 2; store<f32>(o + co, load<f32>(o + co) + load<f32>(ip + co) * load<f32>(fp + co)); }
      }
    }
  }
}

/** Filter gradient of a stride-1 depthwise conv: df[i, j, c] = sum_{n,y,x} in[n, y+i-pt, x+j-pl, c] * dy[n, y, x, c]. */
export function depthwiseFilterGrad(inp: usize, N: i32, H: i32, W: i32, C: i32, dy: usize, OH: i32, OW: i32, KH: i32, KW: i32, pt: i32, pl: i32, df: usize): void {
  const C4 = C & ~3;
  memory.fill(df, 0, <usize>(KH * KW * C) << 2);
  for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
    const fp = df + (<usize>((i * KW + j) * C) << 2);
    for (let n = 0; n < N; n++) for (let y = 0; y < OH; y++) {
      const iy = y + i - pt;
      if (iy < 0 || iy >= H) continue;
      const x0 = max<i32>(0, pl - j), x1 = min<i32>(OW, W + pl - j);
      for (let x = x0; x < x1; x++) {
        const ip = inp + (<usize>(((n * H + iy) * W + x + j - pl) * C) << 2);
        const gp = dy + (<usize>(((n * OH + y) * OW + x) * C) << 2);
        let c = 0;
        for (; c < C4; c += 4) { const co = <usize>c << 2; v128.store(fp + co, madd(ld(ip + co), ld(gp + co), ld(fp + co))); }
        for (; c < C; c++) { const co = <usize>c << 2; store<f32>(fp + co, load<f32>(fp + co) + load<f32>(ip + co) * load<f32>(gp + co)); }
      }
    }
  }
}

/**
 * LayerNorm over the last axis: y = (x - mean) * rstd * g + b, per row of C; saves mean and rstd per row.
 */
export function layerNorm(x: usize, g: usize, b: usize, rows: i32, C: i32, eps: f32, y: usize, mean: usize, rstd: usize): void {
  const inv: f32 = 1.0 / <f32>C;
  for (let r = 0; r < rows; r++) {
    const xp = x + (<usize>(r * C) << 2), yp = y + (<usize>(r * C) << 2);
    let s: f32 = 0;
    for (let c = 0; c < C; c++) s += load<f32>(xp + (<usize>c << 2));
    const m = s * inv;
    let v: f32 = 0;
    for (let c = 0; c < C; c++) { const d = load<f32>(xp + (<usize>c << 2)) - m; v += d * d; }
    const rs: f32 = 1.0 / Mathf.sqrt(v * inv + eps);
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      store<f32>(yp + o, (load<f32>(xp + o) - m) * rs * load<f32>(g + o) + load<f32>(b + o));
    }
    store<f32>(mean + (<usize>r << 2), m);
    store<f32>(rstd + (<usize>r << 2), rs);
  }
}

/**
 * LayerNorm backward: xh = (x - mean) rstd; dxh = dy g; dx = rstd (dxh - mean(dxh) - xh mean(dxh xh));
 * dg += sum_rows dy xh; db += sum_rows dy (dg, db zeroed here).
 */
export function layerNormGrad(dy: usize, x: usize, g: usize, mean: usize, rstd: usize, rows: i32, C: i32, dx: usize, dg: usize, db: usize): void {
  const inv: f32 = 1.0 / <f32>C;
  memory.fill(dg, 0, <usize>C << 2);
  memory.fill(db, 0, <usize>C << 2);
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * C) << 2;
    const m = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    let s1: f32 = 0, s2: f32 = 0;
    for (let c = 0; c < C; c++) {
      const co = <usize>c << 2;
      const d = load<f32>(dy + o + co), xh = (load<f32>(x + o + co) - m) * rs;
      const dxh = d * load<f32>(g + co);
      s1 += dxh; s2 += dxh * xh;
      store<f32>(dg + co, load<f32>(dg + co) + d * xh);
      store<f32>(db + co, load<f32>(db + co) + d);
    }
    s1 *= inv; s2 *= inv;
    for (let c = 0; c < C; c++) {
      const co = <usize>c << 2;
      const xh = (load<f32>(x + o + co) - m) * rs;
      store<f32>(dx + o + co, rs * (load<f32>(dy + o + co) * load<f32>(g + co) - s1 - xh * s2));
    }
  }
}

/** SimpleGate: y[r, c] = x[r, c] * x[r, c + H] for rows of 2H channels. */
export function simpleGate(x: usize, rows: i32, H: i32, y: usize): void {
  const H4 = H & ~3;
  for (let r = 0; r < rows; r++) {
    const a = x + (<usize>(r * 2 * H) << 2), bb = a + (<usize>H << 2), o = y + (<usize>(r * H) << 2);
    let c = 0;
    for (; c < H4; c += 4) { const co = <usize>c << 2; v128.store(o + co, f32x4.mul(ld(a + co), ld(bb + co))); }
    for (; c < H; c++) { const co = <usize>c << 2; store<f32>(o + co, load<f32>(a + co) * load<f32>(bb + co)); }
  }
}

/** SimpleGate backward: dx[r, c] = dy[r, c] x[r, c + H]; dx[r, c + H] = dy[r, c] x[r, c]. */
export function simpleGateGrad(dy: usize, x: usize, rows: i32, H: i32, dx: usize): void {
  const H4 = H & ~3;
  for (let r = 0; r < rows; r++) {
    const a = x + (<usize>(r * 2 * H) << 2), bb = a + (<usize>H << 2), g = dy + (<usize>(r * H) << 2);
    const da = dx + (<usize>(r * 2 * H) << 2), db = da + (<usize>H << 2);
    let c = 0;
    for (; c < H4; c += 4) {
      const co = <usize>c << 2, d = ld(g + co);
      v128.store(da + co, f32x4.mul(d, ld(bb + co)));
      v128.store(db + co, f32x4.mul(d, ld(a + co)));
    }
    for (; c < H; c++) {
      const co = <usize>c << 2, d = load<f32>(g + co);
      store<f32>(da + co, d * load<f32>(bb + co));
      store<f32>(db + co, d * load<f32>(a + co));
    }
  }
}

/** AdamW step in place (decoupled weight decay): p -= lr (m_hat / (sqrt(v_hat) + eps) + wd p). */
export function adamw(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = b1 * load<f32>(m + o) + (1 - b1) * gi;
    const vi = b2 * load<f32>(v + o) + (1 - b2) * gi * gi;
    store<f32>(m + o, mi); store<f32>(v + o, vi);
    const pi = load<f32>(p + o);
    store<f32>(p + o, pi - lr * ((mi / bc1) / (Mathf.sqrt(vi / bc2) + eps) + wd * pi));
  }
}
