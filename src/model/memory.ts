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
import { WASM_HEAP_LIMIT, currentBackend, type AdapterInfo, type BackendName } from './backend.js';
import type { NetConfig } from './archs/index.js';
import type { MaskDcpt } from './maskdcpt.js';

/**
 * A network's blocks weighted by the share of full-resolution pixels each one works on (a block at level l sees
 * 4^-l of them with 2^l times the channels): the bench NAFNet (one block a level) is 3.8, nafnet-5d about 7.
 */
export function fullResolutionBlocks(net: NetConfig): number {
  const at = (counts: number[]): number => counts.reduce((s, n, l) => s + n / 2 ** l, 0);
  if (net.family === 'restormer') return 1.5 * (at(net.blocks.slice(0, -1)) * 2 + net.blocks[net.blocks.length - 1]! / 2 ** (net.blocks.length - 1) + net.refinement);
  return at(net.encBlocks) + at(net.decBlocks) + net.middleBlocks / 2 ** net.encBlocks.length;
}

/** The bench NAFNet's weight, on which estimateStepBytes was measured. */
const MEASURED_BLOCKS = 3.8125;

/**
 * Peak bytes of one training step (activations kept for the backward pass dominate): measured on the wasm backend
 * for the bench NAFNet at 64x64, batch 8 (width 16: 0.63 GiB, width 32: 1.2 GiB), fitted as a + b * batch * pixels *
 * width, and scaled by the network's full-resolution blocks.
 */
export function estimateStepBytes(width: number, batch: number, patch: number, blocks = MEASURED_BLOCKS): number {
  return 200 * 1024 ** 2 + 56 * (blocks / MEASURED_BLOCKS) * batch * patch * patch * width;
}

/**
 * Channels of a network's widest full-resolution feature map, its largest single tensor: NAFNet's 2x expansion
 * before SimpleGate, Restormer's gated feed-forward at about 5.3x (counted as 6).
 */
export function widestChannels(net: NetConfig): number {
  return net.width * (net.family === 'restormer' ? 6 : 2);
}

/** The largest buffer a WebGPU adapter binds: one tensor must fit it. */
const largestBuffer = (a: AdapterInfo): number => Math.min(a.maxBufferSize, a.maxStorageBufferBindingSize);

/** Where a training step must fit: the backend, and for WebGPU its adapter's limits. */
export interface StepHost { name: BackendName; adapter?: AdapterInfo }

/**
 * Refuse, before training, a batch that cannot fit, with what to lower: on wasm the 4 GiB heap; on WebGPU the
 * adapter's largest buffer and storage binding (WebGPU reports no total memory: a GPU that runs out reports it at
 * the first step), and for a software adapter, which computes in this machine's memory, 80% of it; elsewhere 80% of
 * this machine's memory.
 */
export function checkFits(what: { width: number; batch: number; patch: number; net?: NetConfig }, host: StepHost = { name: 'wasm' }): void {
  const total = estimateStepBytes(what.width, what.batch, what.patch, what.net ? fullResolutionBlocks(what.net) : MEASURED_BLOCKS);
  const largest = 4 * what.batch * what.patch * what.patch * (what.net ? widestChannels(what.net) : 2 * what.width);
  const shape = `batch ${what.batch} of ${what.patch}x${what.patch} at width ${what.width}`;
  const fewer = (limit: number, need: number, fixed = 0): number => Math.max(1, Math.floor((what.batch * (limit - fixed)) / (need - fixed)));
  if (host.name === 'webgpu' && host.adapter) {
    const cap = largestBuffer(host.adapter);
    if (largest > cap) throw new ConfigError([{ path: '{batch}/{patch}', message: `${shape} makes a ${formatBytes(largest)} feature map, more than the WebGPU adapter's largest buffer (${formatBytes(cap)}): lower {batch} to ${fewer(cap, largest)} or less, or {patch}` }]);
  }
  const ram = os.totalmem() * 0.8;
  const [limit, where] = host.name === 'wasm' ? [WASM_HEAP_LIMIT * 0.9, 'wasm heap (limit 4 GiB)'] : host.name === 'webgpu' && !host.adapter?.software ? [Infinity, ''] : [ram, `memory (80% of this machine's ${formatBytes(os.totalmem())})`];
  if (total <= limit) return;
  const alt = host.name === 'wasm' ? ', or train with {backend} webgpu or tensorflow' : '';
  throw new ConfigError([{ path: '{batch}/{patch}', message: `${shape} needs about ${formatBytes(total)} of ${where}: lower {batch} to ${fewer(limit, total, 200 * 1024 ** 2)} or less, or {patch}${alt}` }]);
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

/** What WebGPU gets when no limit is given: an adapter reports no memory size, and 8 GiB fits most GPUs. */
const WEBGPU_INFERENCE_DEFAULT = 8 * 1024 ** 3;

/** Bytes per pixel of the largest single tensor of a pass, which on WebGPU must fit one storage buffer. */
export function largestBytesPerPixel(model: MaskDcpt): number {
  return 4 * widestChannels(model.config.net);
}

/**
 * What one forward pass may allocate on the current backend: `limit` (a --memory-limit) when given, else 3 GiB of
 * the wasm heap, 8 GiB of a GPU on WebGPU, or half of this machine's memory elsewhere; never more than the wasm heap
 * has left. On WebGPU, also no more pixels than fit the adapter's largest buffer (`perPixel` and `largest`, the
 * pass's and its largest tensor's bytes per pixel, give the bytes that many pixels take).
 */
export function inferenceBudget(limit?: number, perPixel?: number, largest?: number): MemoryBudget {
  const inUse = tf.memory().numBytes;
  if (tf.getBackend() === 'wasm') {
    const left = WASM_HEAP_LIMIT - 256 * 1024 ** 2 - inUse;
    const want = limit ?? WASM_INFERENCE_DEFAULT;
    const why = limit !== undefined && limit <= left ? `{memoryLimit} ${formatBytes(limit)}` : limit === undefined && want <= left ? 'the default budget: 3 GiB of the 4 GiB wasm heap' : `what the 4 GiB wasm heap has left, ${formatBytes(inUse)} being in use`;
    return { bytes: Math.max(0, Math.min(want, left)), why };
  }
  const adapter = tf.getBackend() === 'webgpu' ? currentBackend()?.adapter : undefined;
  if (adapter) {
    const want = limit ?? (adapter.software ? os.totalmem() / 2 : WEBGPU_INFERENCE_DEFAULT);
    const cap = perPixel && largest ? Math.floor(largestBuffer(adapter) / largest) * perPixel : Infinity;
    if (cap < want) return { bytes: cap, why: `the WebGPU adapter's largest buffer, ${formatBytes(largestBuffer(adapter))}` };
    return { bytes: want, why: limit !== undefined ? `{memoryLimit} ${formatBytes(limit)}` : adapter.software ? `half of this machine's ${formatBytes(os.totalmem())} (a software adapter)` : 'the default budget of a GPU, 8 GiB (raise it with {memoryLimit})' };
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
 * Run one forward pass and read its result, turning a wasm out-of-memory failure (an estimate that was wrong,
 * another tenant of the heap) into a one-line error naming the image, its size and what to lower.
 */
export async function guardMemory<T>(what: { name: string; width: number; height: number; lower: string }, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isWasmOom(e)) throw e;
    throw new ResourceError(`${what.name} (${what.width}x${what.height}): ran out of memory in the forward pass on the ${tf.getBackend()} backend; lower ${what.lower}`, { cause: e });
  }
}
