/**
 * The SIMD pixel kernels (assembly/image.ts, compiled to wasm/image.wasm by `npm run build:wasm`) and the
 * scratch memory they work in. V8 runs our scalar float loops at ~0.4 GFLOP/s on the target machines; the f32x4
 * kernels run 5-10x faster, which is what makes the synthesizer faster than OpenCV-based Python.
 *
 * Memory is a bump arena above the module's own data: `scratch()` hands out regions that stay valid until the
 * next `reset()`; each public filter resets it on entry, so regions never outlive one call.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';

interface Exports {
  memory: WebAssembly.Memory;
  convTaps(src: number, srcStride: number, dst: number, rowLen: number, rows: number, offs: number, ws: number, nTaps: number): void;
  u8ToF32(src: number, dst: number, n: number): void;
  f32ToU8(src: number, dst: number, n: number): void;
  fillNormal(dst: number, n: number, state: number): void;
  fillUniform(dst: number, n: number, state: number): void;
  addScaledClamp(a: number, b: number, s: number, dst: number, n: number): void;
  addScaledClampU8(src8: number, b: number, s: number, dst: number, dst8: number, n: number): void;
  pngFilterPaeth(src: number, width: number, height: number, dst: number, zeroRow: number): void;
  histogram(src: number, n: number, hist: number): void;
  adler32(src: number, n: number): number;
  poissonGrid(src: number, srcU8: number, n: number, cdf: number, guide: number, offs: number, lens: number, los: number, invPeak: number, state: number, dst: number, dst8: number): void;
  hazeScatter(src: number, srcU8: number, W: number, H: number, depth: number, w: number, h: number, beta: number, a0: number, a1: number, a2: number, dst: number, dst8: number, tmp: number): void;
  darkChannelGrid(src: number, srcU8: number, W: number, H: number, f: number, w: number, h: number, sums: number, counts: number): void;
  clamp01(p: number, n: number): void;
  huffLiterals(src: number, n: number, codes: number, lens: number, out: number, headBytes: number, headAcc: number, headBits: number, pairs: number): number;
}

/** One instance of the kernels with its own memory and bump arena. */
export class Arena {
  private exports: Exports | null = null;
  private base = 0;
  private top = 0;
  get kernels(): Exports {
    if (this.exports) return this.exports;
    const file = path.join(packageRoot(), 'wasm', 'image.wasm');
    if (!existsSync(file)) throw new Error(`uir: ${file} is missing; run \`npm run build\` (it compiles the SIMD kernels)`);
    module ??= new WebAssembly.Module(readFileSync(file));
    const instance = new WebAssembly.Instance(module, { env: { abort: () => { throw new Error('wasm abort'); } } });
    this.exports = instance.exports as unknown as Exports;
    this.base = this.top = (this.exports.memory.buffer.byteLength + 63) & ~63;
    return this.exports;
  }
  /** Start a new set of scratch regions (invalidates earlier ones). */
  reset(): void { void this.kernels; this.top = this.base; }
  /** A 64-byte aligned region of `bytes` bytes; grows memory when needed. Returns its byte offset. */
  scratch(bytes: number): number {
    const k = this.kernels, at = this.top;
    this.top = (this.top + bytes + 63) & ~63;
    const have = k.memory.buffer.byteLength;
    if (this.top > have) k.memory.grow(Math.ceil((this.top - have) / 65536));
    return at;
  }
  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.kernels.memory.buffer, ptr, n); }
  u8(ptr: number, n: number): Uint8Array { return new Uint8Array(this.kernels.memory.buffer, ptr, n); }
  u32(ptr: number, n: number): Uint32Array { return new Uint32Array(this.kernels.memory.buffer, ptr, n); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.kernels.memory.buffer, ptr, n); }
}

let module: WebAssembly.Module | null = null;
const main = new Arena();
const side = new Arena();
let inSide = false;

/**
 * Run fn on a second instance with its own memory and arena: for work that may start while a caller holds regions
 * and typed-array views of the main arena (an image making its floats on first use of `data`), which a reset or a
 * memory growth of the main arena would clobber or detach. Not re-entrant.
 */
export function isolated<T>(fn: (a: Arena) => T): T {
  if (inSide) throw new Error('uir: wasm.isolated() is not re-entrant');
  inSide = true;
  try { side.reset(); return fn(side); } finally { inSide = false; }
}

/** The main arena (what the module-level functions below use). */
export const mainArena = main;

export function kernels(): Exports { return main.kernels; }

/** Start a new set of scratch regions (invalidates earlier ones). */
export function reset(): void { main.reset(); }

/** A 64-byte aligned region of `bytes` bytes; grows memory when needed. Returns its byte offset. */
export function scratch(bytes: number): number { return main.scratch(bytes); }

export function f32(ptr: number, n: number): Float32Array { return main.f32(ptr, n); }
export function u8(ptr: number, n: number): Uint8Array { return main.u8(ptr, n); }
export function i32(ptr: number, n: number): Int32Array { return main.i32(ptr, n); }
export function u32(ptr: number, n: number): Uint32Array { return main.u32(ptr, n); }
