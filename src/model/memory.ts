/**
 * Wasm heap budgeting. The tfjs wasm heap is 32-bit (4 GiB at most) and never shrinks, so a batch that does not
 * fit must be refused before training starts, with what to lower, rather than failing deep inside a kernel.
 */
import { ConfigError } from '../errors.js';
import { WASM_HEAP_LIMIT } from './backend.js';

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
  const gib = (b: number): string => (b / 1024 ** 3).toFixed(1);
  const batch = Math.max(1, Math.floor(what.batch * (limit - 200 * 1024 ** 2) / (need - 200 * 1024 ** 2)));
  throw new ConfigError([{ path: '--batch/--patch', message: `batch ${what.batch} of ${what.patch}x${what.patch} at width ${what.width} needs about ${gib(need)} GiB of wasm heap (limit 4 GiB): lower --batch to ${batch} or less, or --patch, or train with --backend tensorflow` }]);
}

/** Map a wasm out-of-memory failure to the same one-line advice. */
export function isWasmOom(e: unknown): boolean {
  const m = e instanceof Error ? e.message : String(e);
  return /Cannot enlarge memory|out of memory|OOM|Out of bounds memory access|memory access out of bounds/i.test(m);
}
