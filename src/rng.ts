/**
 * Seeded pseudo-random generator (sfc32, 128-bit state) for every random choice in uir.
 *
 * Why not the global generator of JavaScript: results must be byte-identical for a seed whatever the worker count, order or sharding.
 * A generator is identified by a string key; `fork(label)` derives an independent child from the key and the label
 * only (not from the parent's state), so the order in which children are created or consumed never matters.
 */

import { fillRandom, type RandomState } from './wasm/pixels.js';

/** cyrb128: a fast 128-bit string hash (public domain), used to turn seed keys into generator state. */
export function hash128(str: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4; h2 ^= h1; h3 ^= h1; h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A 32-bit unsigned seed derived from any list of parts (used for per-pair seeds). */
export function deriveSeed(...parts: (string | number)[]): number {
  return hash128(parts.join('\u241f'))[0];
}

const INV_2_32 = 1 / 4294967296;

export class Rng {
  readonly key: string;
  private a: number; private b: number; private c: number; private d: number;
  private spare = NaN;

  constructor(seed: number | string) {
    this.key = String(seed);
    [this.a, this.b, this.c, this.d] = hash128('uir-rng:' + this.key);
    for (let i = 0; i < 12; i++) this.nextU32(); // warm up: sfc32 mixes poorly in its first outputs
  }

  /** An independent generator for a named sub-task; depends only on this generator's key and the label. */
  fork(label: string | number): Rng {
    return new Rng(this.key + '/' + label);
  }

  nextU32(): number {
    let a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a; this.b = b; this.c = c; this.d = d;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number { return this.nextU32() * INV_2_32; }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }

  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }

  /** Log-uniform in [lo, hi). */
  logUniform(lo: number, hi: number): number { return Math.exp(this.uniform(Math.log(lo), Math.log(hi))); }

  bool(p = 0.5): boolean { return this.next() < p; }

  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]!; }

  /** Index drawn with the given (unnormalised) weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) { r -= weights[i]!; if (r < 0) return i; }
    return weights.length - 1;
  }

  /** Standard normal (Box-Muller, pairs cached). */
  normal(): number {
    if (!Number.isNaN(this.spare)) { const s = this.spare; this.spare = NaN; return s; }
    const u1 = 1 - this.next(), u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Fill `out` with N(0, 1) samples; the hot path for noise operators (SIMD module for large fills). */
  fillNormal(out: Float32Array): void {
    if (out.length >= 4096) { this.fillWasm(out, 'normal'); return; }
    const n = out.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const u1 = 1 - this.next(), u2 = this.next();
      const r = Math.sqrt(-2 * Math.log(u1));
      const th = 6.283185307179586 * u2;
      out[i] = r * Math.cos(th);
      out[i + 1] = r * Math.sin(th);
    }
    if (i < n) out[i] = this.normal();
  }

  /** Fill `out` with uniforms in [0, 1) (same stream as next(), rounded to float32). */
  fillUniform(out: Float32Array): void {
    if (out.length >= 4096) { this.fillWasm(out, 'uniform'); return; }
    for (let i = 0; i < out.length; i++) out[i] = this.next();
  }

  /** Run the generator inside the wasm module, continuing this generator's exact state. */
  private fillWasm(out: Float32Array, kind: 'normal' | 'uniform'): void {
    this.lend((st) => fillRandom(out, kind, st));
  }

  /** Lend this generator's state to a wasm kernel (4 u32 it updates) and continue from what it left. */
  lend<T>(fn: (state: RandomState) => T): T {
    const st = Uint32Array.of(this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0);
    const r = fn(st);
    this.a = st[0]! | 0; this.b = st[1]! | 0; this.c = st[2]! | 0; this.d = st[3]! | 0;
    return r;
  }

  /** A copy at the same point of the stream (it continues exactly as this one would). */
  clone(): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    Object.assign(r, { key: this.key, a: this.a, b: this.b, c: this.c, d: this.d, spare: this.spare });
    return r;
  }

  /** Poisson(lambda) by inversion (small lambda) or PTRS (Hormann 1993) for lambda >= 10. */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 10) {
      const L = Math.exp(-lambda);
      let k = 0, p = this.next();
      while (p > L) { k++; p *= this.next(); }
      return k;
    }
    const slam = Math.sqrt(lambda), loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b, invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.next() - 0.5, V = this.next();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor((2 * a / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) return k;
    }
  }
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7); accurate to ~1e-13, enough for Poisson rejection sampling. */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}
