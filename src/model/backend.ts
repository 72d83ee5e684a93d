/**
 * The one module that decides the TensorFlow.js backend. `auto` takes @tensorflow/tfjs-node-gpu when it is
 * installed and sees a GPU, then @tensorflow/tfjs-node, then wasm (with our gradient kernel pack), and says which
 * and why. Asking for a backend that is not installed is a one-line error telling how to install it.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The gradient functions are registered by the @tensorflow/tfjs bundle (tfjs-core's ESM files cannot be imported
// by Node directly); it shares tfjs-core's global kernel and gradient registries.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { UsageError } from '../errors.js';
import { registerWasmTrainingKernels, kernelVariant } from './kernels/register.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export interface BackendInfo { name: 'tensorflow' | 'wasm' | 'cpu'; gpu: boolean; reason: string }

const require = createRequire(import.meta.url);
let current: BackendInfo | null = null;

const GPU_HELP = 'install it with `npm i @tensorflow/tfjs-node-gpu@4.22.0` (Linux x86_64, CUDA 11.2 + cuDNN 8.1; set TFJS_NODE_CDN_STORAGE or TFJS_NODE_BASE_URI to a mirror if its libtensorflow download is blocked) or `npm i @tensorflow/tfjs-node@4.22.0` for the CPU build; see README "GPU training"';

async function tryImport(name: string): Promise<boolean> {
  try {
    require.resolve(name);
  } catch {
    return false;
  }
  await import(name);
  return true;
}

async function useWasm(reason: string): Promise<BackendInfo> {
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths(dist + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  registerWasmTrainingKernels();
  const kernels = kernelVariant === 'fma' ? 'fused multiply-add kernels (UIR_FMA=0: same bits on every CPU)' : 'mul + add kernels';
  return { name: 'wasm', gpu: false, reason: `${reason}; ${kernels}` };
}

export async function selectBackend(choice: BackendChoice = 'auto', log: (line: string) => void = () => undefined): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) return current;
  let info: BackendInfo;
  if (choice === 'cpu') {
    await tf.setBackend('cpu');
    info = { name: 'cpu', gpu: false, reason: 'requested (pure JavaScript: for tests, far too slow to train)' };
  } else if (choice === 'wasm') {
    info = await useWasm('requested');
  } else if (choice === 'tensorflow') {
    if (await tryImport('@tensorflow/tfjs-node-gpu')) info = { name: 'tensorflow', gpu: true, reason: 'requested; @tensorflow/tfjs-node-gpu is installed' };
    else if (await tryImport('@tensorflow/tfjs-node')) info = { name: 'tensorflow', gpu: false, reason: 'requested; @tensorflow/tfjs-node (CPU) is installed' };
    else throw new UsageError(`{backend} tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed; ${GPU_HELP}`);
    await tf.setBackend('tensorflow');
  } else {
    if (await tryImport('@tensorflow/tfjs-node-gpu').catch(() => false)) {
      await tf.setBackend('tensorflow');
      info = { name: 'tensorflow', gpu: true, reason: 'auto: @tensorflow/tfjs-node-gpu is installed' };
    } else if (await tryImport('@tensorflow/tfjs-node').catch(() => false)) {
      await tf.setBackend('tensorflow');
      info = { name: 'tensorflow', gpu: false, reason: 'auto: @tensorflow/tfjs-node is installed (no GPU build)' };
    } else {
      info = await useWasm('auto: no @tensorflow/tfjs-node(-gpu) installed; wasm SIMD with uir\'s gradient kernels');
    }
  }
  current = info;
  log(`backend: ${info.name}${info.gpu ? ' (GPU)' : ''}: ${info.reason}`);
  return info;
}

/** The wasm heap is 32-bit: 4 GiB at most, and it never shrinks. */
export const WASM_HEAP_LIMIT = 4 * 1024 ** 3;
