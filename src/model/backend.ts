/**
 * The one module that decides the TensorFlow.js backend, and says which and why.
 *
 * `auto` takes @tensorflow/tfjs-node-gpu when it is installed, then WebGPU (Dawn, npm `webgpu`) when its adapter is
 * a real GPU, then @tensorflow/tfjs-node, then wasm (with our SIMD gradient kernels). A software WebGPU adapter
 * (Mesa's lavapipe, SwiftShader) is slower than wasm on the same CPU, so `auto` passes it by; `--backend webgpu`
 * takes it with a warning (that is how the tests run without a GPU). `auto` asks for the adapter in a short child
 * process, so a machine without a GPU never loads Dawn (whose driver warnings go straight to stderr) in uir's own.
 * Asking for a backend that cannot run is a one-line error telling what to install.
 */
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The gradient functions are registered by the @tensorflow/tfjs bundle (tfjs-core's ESM files cannot be imported
// by Node directly); it shares tfjs-core's global kernel and gradient registries.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { UsageError } from '../errors.js';
import { registerWasmTrainingKernels, kernelVariant } from './kernels/register.js';
import type { BackendChoice } from './defaults.js';

export type { BackendChoice } from './defaults.js';
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** What a WebGPU adapter says of itself, and the limits that bound one buffer. */
export interface AdapterInfo {
  vendor: string; architecture: string; description: string;
  /** A CPU implementation (lavapipe, SwiftShader): correct, and slower than wasm. */
  software: boolean;
  maxBufferSize: number; maxStorageBufferBindingSize: number;
}
export interface BackendInfo { name: BackendName; gpu: boolean; reason: string; adapter?: AdapterInfo }

const require = createRequire(import.meta.url);
let current: BackendInfo | null = null;

const GPU_HELP = 'install it with `npm i @tensorflow/tfjs-node-gpu@4.22.0` (Linux x86_64, CUDA 11.2 + cuDNN 8.1; set TFJS_NODE_CDN_STORAGE or TFJS_NODE_BASE_URI to a mirror if its libtensorflow download is blocked) or `npm i @tensorflow/tfjs-node@4.22.0` for the CPU build; or use {backend} webgpu; see README "Training engine"';
export const WEBGPU_HELP = 'install a Vulkan driver for your GPU (NVIDIA, AMD and Intel drivers ship one; macOS has Metal, Windows D3D12), or, to run on the CPU, Mesa\'s lavapipe >= 24 (Debian 12: mesa-vulkan-drivers from bookworm-backports)';

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

/** Software adapters by name, for drivers that do not set isFallbackAdapter. */
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

/** Read an adapter's description (adapter.info in Dawn; requestAdapterInfo() in older bindings). */
function describe(adapter: { info?: Record<string, unknown>; limits: Record<string, number>; isFallbackAdapter?: boolean }): AdapterInfo {
  const i = adapter.info ?? {};
  const s = (k: string): string => (typeof i[k] === 'string' ? (i[k] as string) : '');
  const fallback = i.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  return {
    vendor: s('vendor'), architecture: s('architecture'), description: s('description') || s('device'),
    software: fallback || SOFTWARE.test(`${s('architecture')} ${s('description')} ${s('device')}`),
    maxBufferSize: Number(adapter.limits.maxBufferSize), maxStorageBufferBindingSize: Number(adapter.limits.maxStorageBufferBindingSize),
  };
}

/** Where Mesa would otherwise print an error on every start. */
function quietMesa(env: NodeJS.ProcessEnv): void {
  env.XDG_RUNTIME_DIR ??= os.tmpdir();
}

type GpuAdapter = Parameters<typeof describe>[0] & { features: Set<string>; requestDevice(d: object): Promise<unknown> };

/** The adapter Dawn offers in this process (null when there is none), set as navigator.gpu for tfjs-backend-webgpu. */
async function loadWebGpu(): Promise<GpuAdapter | null> {
  quietMesa(process.env);
  const { create, globals } = (await import('webgpu')) as unknown as { create(o: string[]): { requestAdapter(o?: object): Promise<unknown> }; globals: object };
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: unknown };
  if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  return (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as GpuAdapter | null;
}

/**
 * Register tfjs' webgpu backend on `adapter`: a device with the adapter's largest limits. tfjs-backend-webgpu
 * registers a factory of its own only when navigator.gpu exists at its import, which useWebGpu makes sure it does
 * not (it imports the package first); one someone else registered is kept.
 */
function registerWebGpuBackend(adapter: GpuAdapter, WebGPUBackend: typeof import('@tensorflow/tfjs-backend-webgpu').WebGPUBackend): void {
  if (tf.findBackendFactory('webgpu')) return;
  tf.registerBackend('webgpu', async () => {
    const l = adapter.limits;
    const requiredLimits = Object.fromEntries(['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'].map((k) => [k, l[k]]));
    const requiredFeatures = ['timestamp-query', 'bgra8unorm-storage'].filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return new WebGPUBackend(device as ConstructorParameters<typeof WebGPUBackend>[0], adapter.info as ConstructorParameters<typeof WebGPUBackend>[1]);
  }, 3);
}

/**
 * The adapter, asked for in a child process (Dawn's own warnings stay there): null when there is none, or when the
 * `webgpu` package or its binary for this platform is missing.
 */
export function probeWebGpu(): AdapterInfo | null {
  try { require.resolve('webgpu'); } catch { return null; }
  const script = `import { create, globals } from 'webgpu';
    const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
    process.stdout.write(JSON.stringify(a ? { info: { ...Object.fromEntries(['vendor', 'architecture', 'description', 'device', 'isFallbackAdapter'].map((k) => [k, a.info?.[k]])) }, limits: { maxBufferSize: a.limits.maxBufferSize, maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize } } : null));`;
  const env = { ...process.env };
  quietMesa(env);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.dirname(require.resolve('webgpu/package.json')), env, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || !r.stdout) return null;
  const found = JSON.parse(r.stdout) as Parameters<typeof describe>[0] | null;
  return found ? describe(found) : null;
}

/** "NVIDIA (hopper): NVIDIA H200", "mesa (software): llvmpipe ...". */
export function adapterName(a: AdapterInfo): string {
  return `${a.vendor || 'unknown vendor'}${a.architecture ? ` (${a.architecture})` : ''}${a.description ? `: ${a.description}` : ''}`;
}

async function useWebGpu(reason: string, log: (line: string) => void): Promise<BackendInfo> {
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu'); // before navigator.gpu: see registerWebGpuBackend
  let found: GpuAdapter | null;
  try { found = await loadWebGpu(); } catch (e) {
    throw new UsageError(`{backend} webgpu: Dawn (npm package webgpu) failed to load on ${process.platform}-${process.arch}: ${(e as Error).message.split('\n')[0]}; reinstall with npm ci`, { cause: e });
  }
  if (!found) throw new UsageError(`{backend} webgpu: no WebGPU adapter (Dawn found no Vulkan, Metal or D3D12 driver); ${WEBGPU_HELP}`);
  const adapter = describe(found);
  registerWebGpuBackend(found, WebGPUBackend);
  const { registerWebGpuKernels } = await import('./kernels/webgpu.js');
  if (!(await tf.setBackend('webgpu'))) throw new UsageError(`{backend} webgpu: the adapter ${adapterName(adapter)} failed to start a device`);
  await tf.ready();
  registerWebGpuKernels();
  if (adapter.software) log(`warning: the WebGPU adapter is a software renderer (${adapterName(adapter)}): correct, and far slower than the wasm backend on this CPU`);
  return { name: 'webgpu', gpu: !adapter.software, adapter, reason: `${reason}; adapter ${adapterName(adapter)}` };
}

async function useTensorflow(): Promise<BackendInfo> {
  let info: BackendInfo;
  if (await tryImport('@tensorflow/tfjs-node-gpu')) info = { name: 'tensorflow', gpu: true, reason: 'requested; @tensorflow/tfjs-node-gpu is installed' };
  else if (await tryImport('@tensorflow/tfjs-node')) info = { name: 'tensorflow', gpu: false, reason: 'requested; @tensorflow/tfjs-node (CPU) is installed' };
  else throw new UsageError(`{backend} tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed; ${GPU_HELP}`);
  await tf.setBackend('tensorflow');
  return info;
}

async function useAuto(log: (line: string) => void): Promise<BackendInfo> {
  if (await tryImport('@tensorflow/tfjs-node-gpu').catch(() => false)) {
    await tf.setBackend('tensorflow');
    return { name: 'tensorflow', gpu: true, reason: 'auto: @tensorflow/tfjs-node-gpu is installed' };
  }
  const adapter = probeWebGpu();
  if (adapter && !adapter.software) return useWebGpu('auto: the WebGPU adapter is a GPU', log);
  if (await tryImport('@tensorflow/tfjs-node').catch(() => false)) {
    await tf.setBackend('tensorflow');
    return { name: 'tensorflow', gpu: false, reason: 'auto: @tensorflow/tfjs-node is installed (no GPU build)' };
  }
  const why = adapter ? `the only WebGPU adapter is a software renderer (${adapterName(adapter)}), slower than wasm` : 'no WebGPU adapter';
  return useWasm(`auto: no @tensorflow/tfjs-node(-gpu) installed, ${why}; wasm SIMD with uir's gradient kernels`);
}

export async function selectBackend(choice: BackendChoice = 'auto', log: (line: string) => void = () => undefined): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) return current;
  let info: BackendInfo;
  if (choice === 'cpu') {
    await tf.setBackend('cpu');
    info = { name: 'cpu', gpu: false, reason: 'requested (pure JavaScript: for tests, far too slow to train)' };
  } else if (choice === 'wasm') info = await useWasm('requested');
  else if (choice === 'webgpu') info = await useWebGpu('requested', log);
  else if (choice === 'tensorflow') info = await useTensorflow();
  else info = await useAuto(log);
  current = info;
  log(`backend: ${info.name}${info.gpu ? ' (GPU)' : ''}: ${info.reason}`);
  return info;
}

/** The backend selected last (null before selectBackend). */
export function currentBackend(): BackendInfo | null {
  return current;
}

/** The wasm heap is 32-bit: 4 GiB at most, and it never shrinks. */
export const WASM_HEAP_LIMIT = 4 * 1024 ** 3;
