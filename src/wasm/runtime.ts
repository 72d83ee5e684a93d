/**
 * The wasm runtime, the bottom layer of uir: it loads the SIMD pixel kernels (assembly/image.ts, compiled to
 * wasm/image.wasm by `npm run build:wasm`) and lends their memory in scopes. Nothing above src/wasm/ sees a pointer:
 * the typed wrappers of pixels.ts take and return typed arrays, and are the only users of `withScratch`.
 *
 * A scope (`withScratch(fn)`) gets an instance of the module no other open scope is using (a nested scope gets the
 * next instance of a small pool), hands out 64-byte aligned regions from its start, and closes when fn returns: its
 * regions are gone, `alloc` and the views throw, and fn may not return a view of the memory (a copy is returned
 * instead of a view that the next scope would overwrite). Growing memory detaches earlier views, so a wrapper
 * allocates every region of a call before it takes views.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import type { ImageKernelExports } from './signatures.js';

/** The regions and views of one open scope. */
export interface Scratch {
  readonly kernels: ImageKernelExports;
  /** A region of `bytes` bytes (64-byte aligned); its byte offset. */
  alloc(bytes: number): number;
  /** A region holding a copy of `src`; its byte offset. */
  put(src: Uint8Array | Float32Array | Int32Array | Uint32Array | Uint16Array | Float64Array): number;
  f32(ptr: number, n: number): Float32Array;
  f64(ptr: number, n: number): Float64Array;
  u8(ptr: number, n: number): Uint8Array;
  u16(ptr: number, n: number): Uint16Array;
  i32(ptr: number, n: number): Int32Array;
  u32(ptr: number, n: number): Uint32Array;
}

let module: WebAssembly.Module | null = null;

function instantiate(): { exports: ImageKernelExports; base: number } {
  const file = path.join(packageRoot(), 'wasm', 'image.wasm');
  if (!existsSync(file)) throw new Error(`uir: ${file} is missing; run \`npm run build\` (it compiles the SIMD kernels)`);
  module ??= new WebAssembly.Module(readFileSync(file));
  const exports = new WebAssembly.Instance(module, { env: { abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as ImageKernelExports;
  return { exports, base: (exports.memory.buffer.byteLength + 63) & ~63 };
}

/** Instances by nesting depth: scope d uses pool[d], so an inner scope never touches an outer scope's regions. */
const pool: { exports: ImageKernelExports; base: number }[] = [];
let depth = 0;

export function withScratch<T>(fn: (s: Scratch) => T): T {
  const inst = (pool[depth] ??= instantiate());
  const k = inst.exports, mem = k.memory;
  let top = inst.base, open = true;
  const live = (): ArrayBuffer => {
    if (!open) throw new Error('uir: a wasm scratch region was used after its scope closed');
    return mem.buffer;
  };
  const s: Scratch = {
    kernels: k,
    alloc(bytes) {
      live();
      const at = top;
      top = (top + bytes + 63) & ~63;
      const have = mem.buffer.byteLength;
      if (top > have) mem.grow(Math.ceil((top - have) / 65536));
      return at;
    },
    put(src) {
      const at = s.alloc(src.byteLength);
      new Uint8Array(live(), at, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
      return at;
    },
    f32: (ptr, n) => new Float32Array(live(), ptr, n),
    f64: (ptr, n) => new Float64Array(live(), ptr, n),
    u8: (ptr, n) => new Uint8Array(live(), ptr, n),
    u16: (ptr, n) => new Uint16Array(live(), ptr, n),
    i32: (ptr, n) => new Int32Array(live(), ptr, n),
    u32: (ptr, n) => new Uint32Array(live(), ptr, n),
  };
  depth++;
  try {
    const r = fn(s);
    if (ArrayBuffer.isView(r) && r.buffer === mem.buffer) throw new Error('uir: withScratch returned a view of its own memory; return a copy (.slice())');
    return r;
  } finally {
    open = false;
    depth--;
  }
}
