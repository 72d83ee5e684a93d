/**
 * Which backends have uir's fused kernels (UirLayerNorm, UirSimpleGate, UirAdamW and their gradients) registered:
 * the wasm pack (register.ts) and the WebGPU pack (webgpu.ts) mark theirs. ops.ts and optim.ts ask here, so they
 * need not load either pack; on other backends they run the same maths as composite tf ops.
 */
import * as tf from '@tensorflow/tfjs-core';

const withFused = new Set<string>();

export function markFused(backend: 'wasm' | 'webgpu'): void {
  withFused.add(backend);
}

export function fusedKernelsActive(): boolean {
  return withFused.has(tf.getBackend());
}

/** Run fn with the composite tf ops in place of the fused kernels (benchmarks compare the two). */
export function withoutFused<T>(fn: () => T): T {
  const was = [...withFused];
  withFused.clear();
  try { return fn(); } finally { for (const b of was) withFused.add(b); }
}
