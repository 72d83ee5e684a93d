/**
 * The gradient kernel pack for the tfjs wasm backend (registered once, after tf.setBackend('wasm')).
 *
 * tfjs 4.22's wasm backend has no Conv2DBackpropFilter and no depthwise backprop kernels, and runs
 * Conv2DBackpropInput, transposed/batched BatchMatMul, channel-axis Slice/Concat/SplitV and leading-axis Sum in
 * slow loops. These replacements run SIMD kernels (assembly/train.ts) directly on the tfjs heap: a tensor's data
 * lives at `backend.dataIdMap.get(dataId).memoryOffset` of the module's memory, which our module imports. Cases a
 * kernel does not cover (dtype, layout, dilation, odd slices) go to the stock kernel. Pinned to tfjs 4.22.0.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { packageRoot } from '../../paths.js';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { TrainKernelExports } from '../../wasm/signatures.js';
import { markFused } from './fused.js';

/** The kernels' signatures are generated from assembly/train.ts (src/wasm/signatures.ts). */
export type TrainKernels = TrainKernelExports;

interface WasmBackendLike {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number; refCount: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

let kernels: TrainKernels | null = null;
let registered = false;
/** Names of the kernels this pack registered (for tests and profiles). */
export const REGISTERED: string[] = [];

export function trainKernels(): TrainKernels {
  if (!kernels) throw new Error('uir: the wasm training kernels are not loaded (select the wasm backend first)');
  return kernels;
}

const be = (b: unknown): WasmBackendLike => b as WasmBackendLike;

/**
 * A float32 tensor's data as a view onto the wasm heap (no copy), or null off the wasm backend. `exclusive` says
 * whether no other tensor shares the data (zero-copy Identity shares it), i.e. whether writing through it is safe.
 * The view is valid until the next allocation may grow the heap.
 */
export function heapView(t: tf.Tensor): { data: Float32Array; exclusive: boolean } | null {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return null;
  const b = be(tf.backend()), d = b.dataIdMap.get(t.dataId);
  return { data: new Float32Array(b.wasm.asm.memory.buffer, d.memoryOffset, t.size), exclusive: d.refCount === 1 };
}
const off = (b: WasmBackendLike, t: TensorInfo): number => b.dataIdMap.get(t.dataId).memoryOffset;
const size = (s: readonly number[]): number => s.reduce((a, c) => a * c, 1);

/** A temporary float32 buffer on the tfjs heap; free with done(). */
function temp(b: WasmBackendLike, n: number): { ptr: number; done(): void } {
  const t = b.makeOutput([n], 'float32');
  return { ptr: off(b, t), done: () => { b.disposeData(t.dataId, true); } };
}

function register(name: string, kernelFunc: (args: { inputs: Record<string, TensorInfo>; backend: WasmBackendLike; attrs: NamedAttrMap }, stock: KernelFunc | null) => TensorInfo | TensorInfo[]): void {
  const prior = tf.getKernel(name, 'wasm');
  const stock = prior ? prior.kernelFunc : null;
  if (prior) tf.unregisterKernel(name, 'wasm');
  const config: KernelConfig = {
    kernelName: name, backendName: 'wasm',
    kernelFunc: ((args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs: NamedAttrMap }) => kernelFunc({ ...args, backend: be(args.backend) }, stock)) as unknown as KernelFunc,
  };
  tf.registerKernel(config);
  REGISTERED.push(name);
}

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as [number, number], (attrs.dilations as [number, number]) ?? 1, attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined, depthwise, 'channelsLast');
}

/**
 * For each filter tap and each output row, the run of output columns whose input column lies inside the image:
 * fn(tap, inputRowOffset, outputRowOffset, count) with offsets in elements of one channel vector. Order 'taps' walks
 * all rows for one tap, then the next; 'rows' walks all taps for one output row, then the next (the row stays in cache
 * while it accumulates: the forward conv).
 */
function forEachTapRun(ci: ReturnType<typeof convInfo>, FH: number, FW: number, fn: (tap: number, inPos: number, outPos: number, count: number) => void, order: 'taps' | 'rows' = 'taps'): void {
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = ci;
  const pt = ci.padInfo.top, pl = ci.padInfo.left;
  const run = (fh: number, fw: number, n: number, oh: number): void => {
    const ih = oh * sh - pt + fh * dh;
    if (ih < 0 || ih >= H) return;
    const ow0 = Math.max(0, Math.ceil((pl - fw * dw) / sw)), ow1 = Math.min(OW - 1, Math.floor((W - 1 + pl - fw * dw) / sw));
    if (ow1 < ow0) return;
    fn(fh * FW + fw, (n * H + ih) * W + ow0 * sw - pl + fw * dw, (n * OH + oh) * OW + ow0, ow1 - ow0 + 1);
  };
  if (order === 'rows') {
    for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let fh = 0; fh < FH; fh++) for (let fw = 0; fw < FW; fw++) run(fh, fw, n, oh);
  } else {
    for (let fh = 0; fh < FH; fh++) for (let fw = 0; fw < FW; fw++) for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) run(fh, fw, n, oh);
  }
}

/** A 1x1, stride-1, unpadded conv: one GEMM over all positions. */
function isPointwise(ci: ReturnType<typeof convInfo>, FH: number, FW: number): boolean {
  return FH === 1 && FW === 1 && ci.strideHeight === 1 && ci.strideWidth === 1 && ci.padInfo.top === 0 && ci.padInfo.left === 0 && ci.outHeight === ci.inHeight && ci.outWidth === ci.inWidth;
}

/** Which build of the training kernels is loaded: 'fma' (relaxed-SIMD multiply-add) or 'plain' (mul + add). */
export let kernelVariant: 'fma' | 'plain' | null = null;

/**
 * The fused multiply-add build when this Node can run relaxed SIMD (Node 20 behind a V8 flag, set here; on by default
 * from V8 11.4) and UIR_FMA is not 0; otherwise the plain build. Both give the same results to float rounding; only the
 * plain one gives the same bits on every CPU.
 */
function trainModule(): WebAssembly.Module {
  const dir = path.join(packageRoot(), 'wasm'), plain = path.join(dir, 'train.wasm'), fma = path.join(dir, 'train-fma.wasm');
  if (process.env.UIR_FMA !== '0' && existsSync(fma)) {
    const bytes = readFileSync(fma);
    if (!WebAssembly.validate(bytes)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (WebAssembly.validate(bytes)) { kernelVariant = 'fma'; return new WebAssembly.Module(bytes); }
  }
  if (!existsSync(plain)) throw new Error(`uir: ${plain} is missing; run \`npm run build\``);
  kernelVariant = 'plain';
  return new WebAssembly.Module(readFileSync(plain));
}

/** GEMM helpers over a backend's heap: C (+)= A B (`gemm`) or A^T B (`gemmT`), with the packing room the kernel asks for. */
interface Gemms {
  gemm(b: WasmBackendLike, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, M: number, N: number, K: number, acc: number): void;
  gemmT(b: WasmBackendLike, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, M: number, N: number, K: number, acc: number): void;
}

function gemms(k: TrainKernels): Gemms {
  /**
   * One large GEMM (C (+)= A B, or A^T B when `transposeA`) with the packing room the kernel asks for; per-tap GEMMs
   * are small and call the kernels with pack 0 instead.
   */
  const gemmPacked = (transposeA: boolean, b: WasmBackendLike, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, M: number, N: number, K: number, acc: number): void => {
    const run = transposeA ? k.gemmTN : k.gemmNN;
    const floats = (transposeA ? k.gemmTNPackFloats : k.gemmPackFloats)(M, N, K);
    const pack = floats ? temp(b, floats) : null;
    try { run(A, lda, B, ldb, C, ldc, M, N, K, acc, pack?.ptr ?? 0); } finally { pack?.done(); }
  };
  return { gemm: gemmPacked.bind(null, false), gemmT: gemmPacked.bind(null, true) };

}

/** Identity and Cast without copies; leading-axis Sum; channel-axis SplitV, Concat and Slice as strided row copies. */
function registerLayoutKernels(k: TrainKernels): void {
  // --- zero-copy Identity and same-dtype Cast (the engine clones saved activations through these) ---
  register('Identity', ({ inputs, backend: b }) => { b.incRef(inputs.x!.dataId); return { dataId: inputs.x!.dataId, shape: inputs.x!.shape, dtype: inputs.x!.dtype }; });
  register('Cast', (args, stock) => {
    const x = args.inputs.x!;
    if (x.dtype === args.attrs.dtype) { args.backend.incRef(x.dataId); return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }; }
    return stock!(args as never) as TensorInfo;
  });

  // --- Sum over leading axes (bias gradients) ---
  register('Sum', (args, stock) => {
    const x = args.inputs.x!;
    const b = args.backend;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(args.attrs.axis as number[], x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((v, i) => v === i);
    if (x.dtype !== 'float32' || !leading) return stock!(args as never) as TensorInfo;
    const rows = size(x.shape.slice(0, axes.length)), cols = size(x.shape.slice(axes.length));
    const shape = args.attrs.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const out = b.makeOutput(shape, 'float32');
    k.colSum(off(b, x), rows, cols, off(b, out));
    return out;
  });

  // --- channel-axis SplitV / Concat / Slice as strided row copies ---
  register('SplitV', (args, stock) => {
    const x = args.inputs.x!;
    const b = args.backend;
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0]!;
    if (axis !== x.shape.length - 1 || x.dtype !== 'float32') return stock!(args as never) as TensorInfo[];
    const C = x.shape[axis]!;
    const sizes = tf.backend_util.prepareSplitSize(x as never, args.attrs.numOrSizeSplits as number[], axis) as number[];
    const rows = size(x.shape) / C;
    let at = 0;
    return sizes.map((s) => {
      const out = b.makeOutput([...x.shape.slice(0, -1), s], 'float32');
      k.copyRows(off(b, x) + at * 4, C, off(b, out), s, rows, s);
      at += s;
      return out;
    });
  });
  register('Concat', (args, stock) => {
    const ins = args.inputs as unknown as TensorInfo[];
    const b = args.backend;
    const first = ins[0]!;
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, first.shape)[0]!;
    const rank = first.shape.length;
    if (axis !== rank - 1 || ins.some((t) => t.dtype !== 'float32' || t.shape.length !== rank)) return stock!(args as never) as TensorInfo;
    const total = ins.reduce((s, t) => s + t.shape[axis]!, 0);
    const shape = [...first.shape.slice(0, -1), total];
    const out = b.makeOutput(shape, 'float32');
    const rows = size(shape) / total;
    let at = 0;
    for (const t of ins) {
      const c = t.shape[axis]!;
      if (c > 0) k.copyRows(off(b, t), c, off(b, out) + at * 4, total, rows, c);
      at += c;
    }
    return out;
  });
  register('Slice', (args, stock) => {
    const x = args.inputs.x!;
    const b = args.backend;
    const [begin, sz] = tf.slice_util.parseSliceParams(x as never, args.attrs.begin as number[], args.attrs.size as number[]);
    const rank = x.shape.length;
    const innerFull = x.shape.every((d, i) => i === rank - 1 || (begin[i] === 0 && sz[i] === d));
    if (x.dtype !== 'float32' || rank < 1 || !innerFull) return stock!(args as never) as TensorInfo;
    const C = x.shape[rank - 1]!, s = sz[rank - 1]!;
    const out = b.makeOutput(sz, 'float32');
    const rows = size(x.shape) / C;
    if (rows > 0 && s > 0) k.copyRows(off(b, x) + begin[rank - 1]! * 4, C, off(b, out), s, rows, s);
    return out;
  });

}

/** Conv2D and its two gradients as GEMMs. */
function registerConvKernels(k: TrainKernels, { gemm, gemmT }: Gemms): void {
  // --- dense convolutions as GEMMs: a 1x1 stride-1 conv is one GEMM over all positions; otherwise, for each output
  // row, one GEMM per filter tap over the run of columns whose input lies inside the image, so the row accumulates
  // in cache over the taps. With them (and FMA) the bench:train step at width 32 took 871 ms against 1350 ms with
  // XNNPACK's convolutions (which also re-pack the weights for every new filter tensor). ---
  register('Conv2D', (args, stock) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const b = args.backend;
    const [FH, FW, C, O] = filter.shape as [number, number, number, number];
    if (x.dtype !== 'float32' || (args.attrs.dataFormat && args.attrs.dataFormat !== 'NHWC')) return stock!(args as never) as TensorInfo;
    const ci = convInfo(x.shape, filter.shape, args.attrs, false);
    if (O < 8 && !isPointwise(ci, FH, FW)) return stock!(args as never) as TensorInfo; // our blocks are 8 wide along O
    const out = b.makeOutput([ci.batchSize, ci.outHeight, ci.outWidth, O], 'float32');
    const X = off(b, x), F = off(b, filter), Y = off(b, out);
    if (isPointwise(ci, FH, FW)) { gemm(b, X, C, F, O, Y, O, size(x.shape) / C, O, C, 0); return out; }
    new Float32Array(b.wasm.asm.memory.buffer, Y, size(out.shape)).fill(0);
    forEachTapRun(ci, FH, FW, (tap, inPos, outPos, count) => {
      k.gemmNN(X + inPos * C * 4, ci.strideWidth * C, F + tap * C * O * 4, O, Y + outPos * O * 4, O, count, O, C, 1, 0);
    }, 'rows');
    return out;
  });

  // --- dense conv weight gradient: per filter tap, a transposed GEMM over the output positions ---
  register('Conv2DBackpropFilter', (args, stock) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const b = args.backend;
    if (x.dtype !== 'float32' || (args.attrs.dataFormat && args.attrs.dataFormat !== 'NHWC')) {
      if (stock) return stock(args as never) as TensorInfo;
      throw new Error('uir: Conv2DBackpropFilter supports float32 NHWC only');
    }
    const fs = args.attrs.filterShape as number[];
    const ci = convInfo(x.shape, fs, args.attrs, false);
    const [FH, FW, C, O] = fs as [number, number, number, number];
    const out = b.makeOutput(fs, 'float32');
    const X = off(b, x), DY = off(b, dy), DW = off(b, out);
    new Float32Array(b.wasm.asm.memory.buffer, DW, size(fs)).fill(0);
    if (isPointwise(ci, FH, FW)) { gemmT(b, X, C, DY, O, DW, O, C, O, ci.batchSize * ci.inHeight * ci.inWidth, 1); return out; }
    if (O < 8 && C >= 8) {
      // few output channels (the last conv, to RGB): the 8-wide SIMD blocks run along C instead, on dW^T = dY^T X
      const t = temp(b, FH * FW * O * C);
      try {
        new Float32Array(b.wasm.asm.memory.buffer, t.ptr, FH * FW * O * C).fill(0);
        forEachTapRun(ci, FH, FW, (tap, inPos, outPos, count) => {
          k.gemmTN(DY + outPos * O * 4, O, X + inPos * C * 4, ci.strideWidth * C, t.ptr + tap * O * C * 4, C, O, C, count, 1, 0);
        });
        for (let tap = 0; tap < FH * FW; tap++) k.transpose2d(t.ptr + tap * O * C * 4, O, C, DW + tap * C * O * 4);
      } finally { t.done(); }
      return out;
    }
    forEachTapRun(ci, FH, FW, (tap, inPos, outPos, count) => {
      k.gemmTN(X + inPos * C * 4, ci.strideWidth * C, DY + outPos * O * 4, O, DW + tap * C * O * 4, O, C, O, count, 1, 0);
    });
    return out;
  });

  // --- dense conv input gradient: per tap, dx rows += dy rows . W_tap^T ---
  register('Conv2DBackpropInput', (args, stock) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const b = args.backend;
    if (dy.dtype !== 'float32' || (args.attrs.dataFormat && args.attrs.dataFormat !== 'NHWC')) return stock!(args as never) as TensorInfo;
    const inShape = args.attrs.inputShape as number[];
    const ci = convInfo(inShape, filter.shape, args.attrs, false);
    const [FH, FW, C, O] = filter.shape as [number, number, number, number];
    const out = b.makeOutput(inShape, 'float32');
    const DX = off(b, out), DY = off(b, dy), F = off(b, filter);
    new Float32Array(b.wasm.asm.memory.buffer, DX, size(inShape)).fill(0);
    const wt = temp(b, FH * FW * O * C);
    try {
      for (let t = 0; t < FH * FW; t++) k.transpose2d(F + t * C * O * 4, C, O, wt.ptr + t * O * C * 4); // [C,O] -> [O,C] per tap
      if (isPointwise(ci, FH, FW)) gemm(b, DY, O, wt.ptr, C, DX, C, ci.batchSize * ci.inHeight * ci.inWidth, C, O, 1);
      else forEachTapRun(ci, FH, FW, (tap, inPos, outPos, count) => {
        k.gemmNN(DY + outPos * O * 4, O, wt.ptr + tap * O * C * 4, C, DX + inPos * C * 4, ci.strideWidth * C, count, C, O, 1, 0);
      });
    } finally { wt.done(); }
    return out;
  });

}

/** Depthwise gradients (stride 1, dilation 1) and batched, transposed MatMul. */
function registerDepthwiseAndMatMulKernels(k: TrainKernels, { gemm, gemmT }: Gemms): void {
  // --- depthwise (stride 1, dilation 1) gradients ---
  const dwCheck = (attrs: NamedAttrMap): boolean => {
    const s = attrs.strides as number[] | number, d = (attrs.dilations as number[] | number) ?? 1;
    const ones = (v: number[] | number): boolean => (Array.isArray(v) ? v.every((q) => q === 1) : v === 1);
    return ones(s) && ones(d);
  };
  register('DepthwiseConv2dNativeBackpropInput', (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const b = args.backend;
    if (!dwCheck(args.attrs) || filter.shape[3] !== 1) throw new Error('uir: depthwise gradients support stride 1, dilation 1, channel multiplier 1');
    const inShape = args.attrs.inputShape as number[];
    const ci = convInfo(inShape, filter.shape, args.attrs, true);
    const [KH, KW, C] = filter.shape as [number, number, number, number];
    const out = b.makeOutput(inShape, 'float32');
    k.depthwise(off(b, dy), ci.batchSize, ci.outHeight, ci.outWidth, C, off(b, filter), KH, KW, KH - 1 - ci.padInfo.top, KW - 1 - ci.padInfo.left, ci.inHeight, ci.inWidth, off(b, out), 1);
    return out;
  });
  register('DepthwiseConv2dNativeBackpropFilter', (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const b = args.backend;
    const fs = args.attrs.filterShape as number[];
    if (!dwCheck(args.attrs) || fs[3] !== 1) throw new Error('uir: depthwise gradients support stride 1, dilation 1, channel multiplier 1');
    const ci = convInfo(x.shape, fs, args.attrs, true);
    const out = b.makeOutput(fs, 'float32');
    k.depthwiseFilterGrad(off(b, x), ci.batchSize, ci.inHeight, ci.inWidth, ci.inChannels, off(b, dy), ci.outHeight, ci.outWidth, fs[0]!, fs[1]!, ci.padInfo.top, ci.padInfo.left, off(b, out));
    return out;
  });

  // --- BatchMatMul with transposes and batches ---
  register('BatchMatMul', (args, stock) => {
    const { a, b: bm } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const b = args.backend;
    const tA = !!args.attrs.transposeA, tB = !!args.attrs.transposeB;
    if (a.dtype !== 'float32' || a.shape.length !== 3 || bm.shape.length !== 3) return stock!(args as never) as TensorInfo;
    const [ba, ar, ac] = a.shape as [number, number, number];
    const [bb, br, bc] = bm.shape as [number, number, number];
    const M = tA ? ac : ar, K = tA ? ar : ac, N = tB ? br : bc;
    if ((tB ? bc : br) !== K || (ba !== bb && ba !== 1 && bb !== 1)) return stock!(args as never) as TensorInfo;
    const batch = Math.max(ba, bb);
    const out = b.makeOutput([batch, M, N], 'float32');
    const A = off(b, a), B = off(b, bm), C = off(b, out);
    const bt = tB ? temp(b, K * N) : null;
    try {
      for (let i = 0; i < batch; i++) {
        const ap = A + (ba === 1 ? 0 : i * ar * ac * 4);
        let bp = B + (bb === 1 ? 0 : i * br * bc * 4);
        if (bt && (i === 0 || bb !== 1)) k.transpose2d(bp, N, K, bt.ptr);
        if (bt) bp = bt.ptr;
        if (tA) gemmT(b, ap, M, bp, N, C + i * M * N * 4, N, M, N, K, 0);
        else gemm(b, ap, K, bp, N, C + i * M * N * 4, N, M, N, K, 0);
      }
    } finally { bt?.done(); }
    return out;
  });

}

/** The fused ops of uir's models (ops.ts; other backends use the composite versions) and AdamW. */
function registerFusedKernels(k: TrainKernels): void {
  // --- fused ops used by uir's models (see ops.ts; other backends use the composite versions) ---
  register('UirLayerNorm', ({ inputs, backend: b, attrs }) => {
    const { x, g, b: beta } = inputs as { x: TensorInfo; g: TensorInfo; b: TensorInfo };
    const C = x.shape[x.shape.length - 1]!, rows = size(x.shape) / C;
    const y = b.makeOutput(x.shape, 'float32'), mean = b.makeOutput([rows], 'float32'), rstd = b.makeOutput([rows], 'float32');
    k.layerNorm(off(b, x), off(b, g), off(b, beta), rows, C, attrs.eps as number, off(b, y), off(b, mean), off(b, rstd));
    return [y, mean, rstd];
  });
  register('UirLayerNormGrad', ({ inputs, backend: b }) => {
    const { dy, x, g, s0: mean, s1: rstd } = inputs as Record<string, TensorInfo>;
    const C = x!.shape[x!.shape.length - 1]!, rows = size(x!.shape) / C;
    const dx = b.makeOutput(x!.shape, 'float32'), dg = b.makeOutput([C], 'float32'), db = b.makeOutput([C], 'float32');
    k.layerNormGrad(off(b, dy!), off(b, x!), off(b, g!), off(b, mean!), off(b, rstd!), rows, C, off(b, dx), off(b, dg), off(b, db));
    return [dx, dg, db];
  });
  register('UirSimpleGate', ({ inputs, backend: b }) => {
    const x = inputs.x!;
    const C = x.shape[x.shape.length - 1]!, rows = size(x.shape) / C;
    const y = b.makeOutput([...x.shape.slice(0, -1), C / 2], 'float32');
    k.simpleGate(off(b, x), rows, C / 2, off(b, y));
    return y;
  });
  register('UirSimpleGateGrad', ({ inputs, backend: b }) => {
    const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
    const C = x.shape[x.shape.length - 1]!, rows = size(x.shape) / C;
    const dx = b.makeOutput(x.shape, 'float32');
    k.simpleGateGrad(off(b, dy), off(b, x), rows, C / 2, off(b, dx));
    return dx;
  });
  // AdamW: m and v are updated in place; the parameter gets a new buffer, because the stock Conv2D and depthwise
  // kernels cache XNNPACK-packed weights by the filter's data id and would keep using stale weights.
  register('UirAdamW', ({ inputs, backend: b, attrs }) => {
    const { p, g, m, v } = inputs as Record<string, TensorInfo>;
    const n = size(p!.shape);
    const out = b.makeOutput(p!.shape, 'float32');
    const heap = new Uint8Array(b.wasm.asm.memory.buffer);
    heap.copyWithin(off(b, out), off(b, p!), off(b, p!) + n * 4);
    const a = attrs as Record<string, number>;
    k.adamw(off(b, out), off(b, g!), off(b, m!), off(b, v!), n, a.lr!, a.beta1!, a.beta2!, a.eps!, a.weightDecay!, a.bc1!, a.bc2!);
    return out;
  });
}

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const backend = be(tf.findBackend('wasm'));
  const inst = new WebAssembly.Instance(trainModule(), { env: { memory: backend.wasm.asm.memory } });
  kernels = inst.exports as unknown as TrainKernels;
  const g = gemms(kernels);
  registerLayoutKernels(kernels);
  registerConvKernels(kernels, g);
  registerDepthwiseAndMatMulKernels(kernels, g);
  registerFusedKernels(kernels);
  markFused('wasm');
  registered = true;
}

/** Memory offset of a tensor on the wasm backend (for in-place kernels such as the optimizer). */
export function tensorOffset(t: tf.Tensor): number {
  return be(tf.backend()).dataIdMap.get(t.dataId).memoryOffset;
}
