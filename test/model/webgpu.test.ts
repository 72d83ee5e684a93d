/**
 * The WebGPU backend (Dawn, npm `webgpu`) on whatever adapter this machine has: in CI, Mesa's lavapipe (a software
 * Vulkan driver from bookworm-backports, installed by .ci/run). Against tfjs's cpu backend as the reference: our WGSL
 * kernels on odd shapes, whole NAFNet-tiny and Restormer-tiny losses and gradients, a MaskDCPT pre-training and a
 * fine-tuning step through `train`, a checkpoint trained on webgpu restored on wasm; and how the backend is chosen.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, probeWebGpu } from '../../src/model/backend.js';
import { WEBGPU_REGISTERED } from '../../src/model/kernels/webgpu.js';
import { layerNorm, simpleGate } from '../../src/model/ops.js';
import { AdamW } from '../../src/model/optim.js';
import { Nafnet } from '../../src/model/archs/nafnet.js';
import { Restormer } from '../../src/model/archs/restormer.js';
import type { RestorationNet } from '../../src/model/archs/net.js';
import { train } from '../../src/model/train.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { checkFits } from '../../src/model/memory.js';
import { Rng } from '../../src/rng.js';
import { ROOT, tempDir, uir } from '../helpers.js';

const adapter = probeWebGpu();
beforeAll(() => {
  if (!adapter) throw new Error('no WebGPU adapter: .ci/run installs Mesa\'s lavapipe (mesa-vulkan-drivers from bookworm-backports)');
});

function rand(shape: number[], seed: number): Float32Array {
  const r = new Rng(seed), n = shape.reduce((a, b) => a * b, 1), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.next() * 2 - 1;
  return out;
}

/** fn on the cpu backend and on webgpu with the same inputs: the flattened outputs of each. */
async function onBoth(fn: (...xs: tf.Tensor[]) => tf.Tensor[], inputs: { shape: number[]; seed: number }[]): Promise<{ gpu: Float32Array[]; cpu: Float32Array[] }> {
  const run = async (backend: 'cpu' | 'webgpu'): Promise<Float32Array[]> => {
    await selectBackend(backend);
    const outs = tf.tidy(() => fn(...inputs.map((i) => tf.tensor(rand(i.shape, i.seed), i.shape))));
    const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    return values;
  };
  return { cpu: await run('cpu'), gpu: await run('webgpu') };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i]! - b[i]!)); den = Math.max(den, Math.abs(b[i]!)); }
  return num / Math.max(den, 1e-12);
}

async function expectClose(fn: (...xs: tf.Tensor[]) => tf.Tensor[], inputs: { shape: number[]; seed: number }[], tol: number): Promise<void> {
  const { gpu, cpu } = await onBoth(fn, inputs);
  expect(gpu.length).toBe(cpu.length);
  gpu.forEach((g, i) => {
    expect(g.length, `output ${i}`).toBe(cpu[i]!.length);
    expect(relErr(g, cpu[i]!), `output ${i}`).toBeLessThan(tol);
  });
}

describe('WGSL kernels against the cpu backend (odd shapes)', () => {
  it('registers LayerNorm, SimpleGate, their gradients and AdamW for webgpu', async () => {
    await selectBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect([...WEBGPU_REGISTERED].sort()).toEqual(['UirAdamW', 'UirLayerNorm', 'UirLayerNormGrad', 'UirSimpleGate', 'UirSimpleGateGrad']);
  });

  it.each([[[2, 5, 7, 12]], [[1, 3, 1, 3]], [[3, 17, 9, 40]]])('LayerNorm forward and gradients, shape %j', async (shape) => {
    const C = shape[3]!, out = [...shape];
    await expectClose((x, g, b, dy) => {
      const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor): tf.Tensor => tf.sum(tf.mul(layerNorm(xi, gi, bi, 1e-5), dy!));
      return [layerNorm(x!, g!, b!, 1e-5), ...tf.grads(f)([x!, g!, b!])];
    }, [{ shape, seed: 1 }, { shape: [C], seed: 2 }, { shape: [C], seed: 3 }, { shape: out, seed: 4 }], 1e-5);
  });

  it.each([[[2, 5, 7, 12]], [[1, 1, 3, 2]], [[3, 9, 17, 34]]])('SimpleGate forward and gradient, shape %j', async (shape) => {
    await expectClose((x, dy) => [simpleGate(x!), tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(simpleGate(xi), dy!)))(x!)],
      [{ shape, seed: 5 }, { shape: [...shape.slice(0, -1), shape[3]! / 2], seed: 6 }], 1e-6);
  });

  it('one AdamW step equals the formula, computed by hand (moments in place)', async () => {
    await selectBackend('webgpu');
    const p0 = [0.5, -1.25, 2, 0, 3], g0 = [0.1, -0.3, 0, 2.5, -1], lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
    const v = tf.variable(tf.tensor1d(p0), true, 'adamw-webgpu');
    const opt = new AdamW(lr, { beta1: b1, beta2: b2, eps, weightDecay: wd });
    const g = tf.tensor1d(g0);
    opt.apply(new Map([['p', v]]), { [v.name]: g });
    const [p1, m1, v1] = await Promise.all([v.data(), opt.m.get('p')!.data(), opt.v.get('p')!.data()]);
    p0.forEach((p, i) => {
      const m = (1 - b1) * g0[i]!, s = (1 - b2) * g0[i]! ** 2;
      const want = p - lr * ((m / (1 - b1)) / (Math.sqrt(s / (1 - b2)) + eps) + wd * p);
      expect(m1[i]).toBeCloseTo(m, 6); expect(v1[i]).toBeCloseTo(s, 6);
      expect(p1[i], `parameter ${i}`).toBeCloseTo(want, 6);
    });
    opt.dispose(); v.dispose(); g.dispose();
  });
});

describe('whole networks on webgpu', () => {
  const nets: [string, () => RestorationNet][] = [
    ['NAFNet-tiny', () => new Nafnet({ width: 8, encBlocks: [1, 1], middleBlocks: 1, decBlocks: [1, 1], eps: 1e-5 }, 3)],
    ['Restormer-tiny', () => new Restormer({ family: 'restormer', width: 8, blocks: [1, 1], heads: [1, 2], refinement: 1, ffnFactor: 2.66 }, 3)],
  ];
  it.each(nets)('%s: loss and every gradient equal the cpu backend (relative 1e-3)', async (_name, make) => {
    const x = rand([1, 24, 32, 3], 11), y = rand([1, 24, 32, 3], 12);
    const run = async (backend: 'cpu' | 'webgpu'): Promise<Float32Array[]> => {
      await selectBackend(backend);
      const net = make();
      const xt = tf.tensor4d(x, [1, 24, 32, 3]), yt = tf.tensor4d(y, [1, 24, 32, 3]);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.abs(tf.sub(net.forward(xt).out, yt))) as tf.Scalar, [...net.params.vars.values()]);
      const names = Object.keys(grads).sort();
      const out = await Promise.all([value, ...names.map((n) => grads[n]!)].map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([value, ...Object.values(grads), xt, yt]); net.params.dispose();
      return out;
    };
    const cpu = await run('cpu'), gpu = await run('webgpu');
    expect(gpu.length).toBe(cpu.length);
    expect(Math.abs(gpu[0]![0]! - cpu[0]![0]!) / cpu[0]![0]!, 'loss').toBeLessThan(1e-3);
    for (let i = 1; i < cpu.length; i++) expect(relErr(gpu[i]!, cpu[i]!), `gradient ${i}`).toBeLessThan(1e-3);
  });
});

describe('training on webgpu', () => {
  let data = '', finetuned = '';
  beforeAll(async () => {
    data = path.join(await tempDir(), 'data');
    const r = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', data, '--progress', 'none']);
    expect(r.code).toBe(0);
  });

  it('a MaskDCPT pre-training step and a fine-tuning step; the checkpoint restores on wasm to the same outputs (1e-4)', async () => {
    const base = await tempDir();
    const opts = { data, arch: 'nafnet-tiny', batch: 2, patch: 32, seed: 5, split: 'train' as const, ckptEvery: 100, backend: 'webgpu' as const, maskRatio: 0.5, maskPatch: 16, progress: 'none' as const, resume: false };
    const pre = await train({ ...opts, out: path.join(base, 'pre'), steps: 1 });
    expect(Number.isFinite(pre.loss)).toBe(true);
    const ft = await train({ ...opts, out: path.join(base, 'ft'), steps: 1, objective: 'finetune', init: pre.checkpoint });
    expect(Number.isFinite(ft.loss)).toBe(true);
    finetuned = ft.checkpoint;
    const x = rand([1, 32, 32, 3], 21).map((v) => (v + 1) / 2);
    const outputs = async (backend: 'webgpu' | 'wasm'): Promise<Float32Array> => {
      await selectBackend(backend);
      const { model } = await loadCheckpoint(ft.checkpoint, { ema: true });
      const t = model.net.forward(tf.tensor4d(x, [1, 32, 32, 3])).out;
      const v = (await t.data()) as Float32Array;
      t.dispose(); model.dispose();
      return v;
    };
    const gpu = await outputs('webgpu'), wasm = await outputs('wasm');
    let worst = 0;
    for (let i = 0; i < gpu.length; i++) worst = Math.max(worst, Math.abs(gpu[i]! - wasm[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('uir restore, classify and eval --backend webgpu run from the command line', async () => {
    const dir = await tempDir(), photo = path.join(dir, 'small.png');
    const { default: sharp } = await import('sharp');
    await sharp(path.join(ROOT, 'samples', 'kodim05.png')).extract({ left: 200, top: 100, width: 67, height: 45 }).toFile(photo);
    const run = async (args: string[]): Promise<string> => {
      const r = await uir([...args, '--backend', 'webgpu']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/backend: webgpu/);
      return r.stdout;
    };
    await run(['restore', '--model', finetuned, photo, '-o', path.join(dir, 'out.png')]);
    expect((await sharp(path.join(dir, 'out.png')).metadata()).width).toBe(67);
    expect(JSON.parse(await run(['classify', '--model', finetuned, photo, '--json']))).toHaveLength(1);
    expect(await run(['eval', '--model', finetuned, '--lq', dir, '--gt', dir])).toMatch(/PSNR|psnr/);
  });

  it('refuses, before training, a batch whose feature map exceeds the adapter\'s largest buffer, saying what to lower', () => {
    const small = { ...adapter!, maxBufferSize: 64 * 1024 ** 2, maxStorageBufferBindingSize: 64 * 1024 ** 2 };
    expect(() => checkFits({ width: 32, batch: 16, patch: 256 }, { name: 'webgpu', adapter: small })).toThrow(/256 MiB feature map, more than the WebGPU adapter's largest buffer \(64 MiB\): lower batch to 4 or less, or patch/);
    expect(() => checkFits({ width: 32, batch: 16, patch: 256 }, { name: 'webgpu', adapter: { ...small, maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31, software: false } })).not.toThrow();
    // the 4 GiB wasm heap check applies to wasm only
    expect(() => checkFits({ width: 64, batch: 16, patch: 256 }, { name: 'wasm' })).toThrow(/wasm heap \(limit 4 GiB\)/);
  });
});

describe('choosing the backend', () => {
  it('auto prefers wasm over a software adapter, and says why', () => {
    if (!adapter!.software) return; // a machine with a real GPU: auto takes it (not what CI has)
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `import { selectBackend } from '${path.join(ROOT, 'dist/src/model/backend.js')}'; await selectBackend('auto', (l) => console.log(l));`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^backend: wasm: auto: .*the only WebGPU adapter is a software renderer \(mesa|llvmpipe/);
  });

  it('--backend webgpu without any adapter is a one-line error saying what to install', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/uir.js'), 'classify', '--backend', 'webgpu', '--model', 'none.safetensors', path.join(ROOT, 'samples', 'kodim05.png')],
      { encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent.json', VK_DRIVER_FILES: '/nonexistent.json' } });
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('uir:'));
    expect(r.status).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^uir: --backend webgpu: no WebGPU adapter .*install a Vulkan driver.*mesa-vulkan-drivers from bookworm-backports/);
  });
});
