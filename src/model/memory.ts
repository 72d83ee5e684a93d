/**
 * Memory budgeting for training steps and forward passes, so that a batch or an image that does not fit is met with a
 * documented policy (a smaller tile, a one-line error saying what to lower) before any kernel runs, never with a wasm
 * abort deep inside one.
 *
 * - The tfjs wasm heap is 32-bit (4 GiB at most) and never shrinks: a pass that once took 3 GiB keeps the process at
 *   3 GiB. Other backends (cpu, tensorflow) hold tensors in ordinary process memory.
 * - The peak memory of an inference pass is measured, not modelled: one lean forward of a small probe image under
 *   tf.profile gives the bytes per pixel of that architecture on that backend (every stage of a lean pass is linear in
 *   the pixels; the probe's fixed costs make it an overestimate for large images, never an underestimate).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ResourceError } from '../errors.js';
import { WASM_HEAP_LIMIT } from './backend.js';
import type { MaskDcpt } from './maskdcpt.js';

/**
 * Peak bytes of one NAFNet training step (activations kept for the backward pass dominate): measured here at
 * 64x64, batch 8 (width 16: 0.63 GiB, width 32: 1.2 GiB) and fitted as bytes ~ a + b * batch * pixels * width.
 */
export function estimateStepBytes(width: number, batch: number, patch: number, blocks = 9): number {
  const perUnit = 56 * (blocks / 9); // bytes per (sample x pixel x channel of width), all levels together
  return 200 * 1024 ** 2 + perUnit * batch * patch * patch * width;
}

export function checkFits(what: { width: number; batch: number; patch: number; blocks?: number }, limit = WASM_HEAP_LIMIT * 0.9): void {
  const need = estimateStepBytes(what.width, what.batch, what.patch, what.blocks);
  if (need <= limit) return;
  const batch = Math.max(1, Math.floor(what.batch * (limit - 200 * 1024 ** 2) / (need - 200 * 1024 ** 2)));
  throw new ConfigError([{ path: '{batch}/{patch}', message: `batch ${what.batch} of ${what.patch}x${what.patch} at width ${what.width} needs about ${formatBytes(need)} of wasm heap (limit 4 GiB): lower {batch} to ${batch} or less, or {patch}, or train with {backend} tensorflow` }]);
}

/**
 * A wasm out-of-memory failure. tfjs' malloc failing shows as an abort, an out-of-bounds access or, when a null
 * pointer reaches a kernel's function table, "null function or function signature mismatch"; any wasm RuntimeError
 * with the heap grown to within 256 MiB of its 4 GiB counts (measured: 4044-4096 MiB at such failures).
 */
export function isWasmOom(e: unknown): boolean {
  if (e instanceof Error && e.name === 'WasmOomError') return true;
  const m = e instanceof Error ? e.message : String(e);
  if (/Cannot enlarge memory|out of memory|OOM|Out of bounds memory access|memory access out of bounds|^Aborted\(/i.test(m)) return true;
  return e instanceof WebAssembly.RuntimeError && wasmHeapBytes() >= WASM_HEAP_LIMIT - 256 * 1024 ** 2;
}

/** The size the tfjs wasm heap has grown to (0 on other backends). */
export function wasmHeapBytes(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.length ?? 0;
}

/** "1.5 GiB", "640 MiB". */
export function formatBytes(b: number): string {
  return b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GiB` : `${Math.max(1, Math.round(b / 1024 ** 2))} MiB`;
}

/** "2GiB", "512MiB", "1.5G", "800M", or plain bytes; the flag name goes into the message. */
export function parseBytes(s: string | number, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*$/i.exec(String(s));
  const v = m ? Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase()) : NaN;
  if (!(v >= 1)) throw new ConfigError([{ path: flag, message: `expected a size such as 2GiB or 512MiB, received ${JSON.stringify(s)}` }]);
  return Math.floor(v);
}

/** Default share of the wasm heap an inference pass may take: leaves room for weights and the module's own data. */
const WASM_INFERENCE_DEFAULT = 3 * 1024 ** 3;

export interface MemoryBudget { bytes: number; why: string }

/**
 * What one forward pass may allocate on the current backend: `limit` (a --memory-limit) when given, else 3 GiB of
 * the wasm heap, or half of this machine's memory elsewhere; never more than the wasm heap has left.
 */
export function inferenceBudget(limit?: number): MemoryBudget {
  const inUse = tf.memory().numBytes;
  if (tf.getBackend() === 'wasm') {
    const left = WASM_HEAP_LIMIT - 256 * 1024 ** 2 - inUse;
    const want = limit ?? WASM_INFERENCE_DEFAULT;
    const why = limit !== undefined && limit <= left ? `{memoryLimit} ${formatBytes(limit)}` : limit === undefined && want <= left ? 'the default budget: 3 GiB of the 4 GiB wasm heap' : `what the 4 GiB wasm heap has left, ${formatBytes(inUse)} being in use`;
    return { bytes: Math.max(0, Math.min(want, left)), why };
  }
  const want = limit ?? os.totalmem() / 2;
  return { bytes: want, why: limit !== undefined ? `{memoryLimit} ${formatBytes(limit)}` : `half of this machine's ${formatBytes(os.totalmem())}` };
}

/** What bytesPerPixel measures: the restoration output alone, or the classifier's logits too. */
export type PassKind = 'restore' | 'classify';

const measured = new WeakMap<MaskDcpt, Map<string, number>>();

/** Margin for what tf.profile does not see: the heap's fragmentation and kernels' own scratch buffers. */
const SAFETY = 1.25;

/**
 * Peak bytes per pixel (per sample) of a lean forward of `model` on the current backend, measured once per model,
 * backend and kind on a probe image of 4 x 4 network cells (at least 64 px a side).
 */
export async function bytesPerPixel(model: MaskDcpt, kind: PassKind): Promise<number> {
  const key = `${tf.getBackend()}/${kind}`;
  const known = measured.get(model)?.get(key);
  if (known !== undefined) return known;
  const mult = 2 ** model.net.depth, side = Math.max(64, 4 * mult);
  const x = tf.zeros([1, side, side, 3]) as tf.Tensor4D;
  const before = tf.memory().numBytes;
  const prof = await tf.profile(() => {
    for (const t of forwardPass(model, x, kind)) t.dispose();
  });
  x.dispose();
  const perPixel = (SAFETY * Math.max(0, prof.peakBytes - before)) / (side * side);
  if (!measured.has(model)) measured.set(model, new Map());
  measured.get(model)!.set(key, perPixel);
  return perPixel;
}

/** The lean inference pass of each kind: the restored image, or the classifier's logits (the network runs in full). */
export function forwardPass(model: MaskDcpt, x: tf.Tensor4D, kind: PassKind): tf.Tensor[] {
  if (kind === 'restore') return [model.net.forward(x, undefined, { lean: true }).out];
  const r = model.forward(x, undefined, { lean: true });
  r.recon.dispose();
  return [r.logits];
}

/**
 * Run one forward pass, turning a wasm out-of-memory failure (an estimate that was wrong, another tenant of the
 * heap) into a one-line error naming the image, its size and what to lower.
 */
export function guardMemory<T>(what: { name: string; width: number; height: number; lower: string }, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!isWasmOom(e)) throw e;
    throw new ResourceError(`${what.name} (${what.width}x${what.height}): ran out of memory in the forward pass on the ${tf.getBackend()} backend; lower ${what.lower}`, { cause: e });
  }
}
