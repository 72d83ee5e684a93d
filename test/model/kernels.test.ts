/**
 * The wasm gradient kernel pack against tfjs's cpu backend (the reference), kernel by kernel on random shapes with
 * odd sizes, strides and both paddings, then whole-model gradients, leaks over 20 steps, and an overfitting run.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/model/backend.js';
import { REGISTERED, kernelVariant } from '../../src/model/kernels/register.js';
import { layerNorm, simpleGate, pixelShuffle, pixelUnshuffle } from '../../src/model/ops.js';
import { Nafnet } from '../../src/model/archs/nafnet.js';
import { Restormer } from '../../src/model/archs/restormer.js';
import type { RestorationNet } from '../../src/model/archs/net.js';
import { AdamW } from '../../src/model/optim.js';
import { Rng } from '../../src/rng.js';
import { realPhotos } from '../helpers.js';

beforeAll(async () => { await selectBackend('wasm'); });

function rand(shape: number[], seed: number): Float32Array {
  const r = new Rng(seed), n = shape.reduce((a, b) => a * b, 1), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.next() * 2 - 1;
  return out;
}

/** Run fn on both backends with the same inputs; return the flattened outputs. */
function onBoth(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: { shape: number[]; seed: number }[]): { wasm: Float32Array[]; cpu: Float32Array[] } {
  const run = (backend: string): Float32Array[] => {
    tf.setBackend(backend);
    return tf.tidy(() => {
      const xs = inputs.map((i) => tf.tensor(rand(i.shape, i.seed), i.shape));
      const out = fn(...xs);
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  };
  const cpu = run('cpu');
  const wasm = run('wasm');
  return { wasm, cpu };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i]! - b[i]!)); den = Math.max(den, Math.abs(b[i]!)); }
  return num / Math.max(den, 1e-12);
}

function expectClose(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: { shape: number[]; seed: number }[], tol = 1e-4): void {
  const { wasm, cpu } = onBoth(fn, inputs);
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((w, i) => {
    expect(w.length).toBe(cpu[i]!.length);
    expect(relErr(w, cpu[i]!), `output ${i}`).toBeLessThan(tol);
  });
}

describe('fused AdamW', () => {
  it('one step equals the formula, computed by hand (bias-corrected moments, decoupled weight decay)', () => {
    const p0 = [0.5, -1.25, 2, 0], g0 = [0.1, -0.3, 0, 2.5], lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
    for (const backend of ['wasm', 'cpu']) {
      tf.setBackend(backend);
      const v = tf.variable(tf.tensor1d(p0), true, `adamw-test-${backend}`);
      const opt = new AdamW(lr, { beta1: b1, beta2: b2, eps, weightDecay: wd });
      const vars = new Map([['p', v]]);
      for (let step = 1; step <= 2; step++) {
        const g = tf.tensor1d(g0.map((x) => x * step));
        opt.apply(vars, { [v.name]: g });
        g.dispose();
      }
      // by hand, two steps with gradients g and 2g
      const want = p0.map((p, i) => {
        let m = 0, s2 = 0, x = p;
        for (let t = 1; t <= 2; t++) {
          const gt = g0[i]! * t;
          m = b1 * m + (1 - b1) * gt; s2 = b2 * s2 + (1 - b2) * gt * gt;
          const mh = m / (1 - b1 ** t), vh = s2 / (1 - b2 ** t);
          x -= lr * (mh / (Math.sqrt(vh) + eps) + wd * x);
        }
        return x;
      });
      const got = Array.from(v.dataSync());
      got.forEach((x, i) => expect(x, `${backend} p[${i}]`).toBeCloseTo(want[i]!, 6));
      opt.dispose(); v.dispose();
    }
    tf.setBackend('wasm');
  });
});

describe('wasm kernel pack vs cpu', () => {
  it('registers the missing gradient kernels and the faster replacements', () => {
    for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput',
      'BatchMatMul', 'Sum', 'SplitV', 'Concat', 'Slice', 'Identity', 'Cast']) expect(REGISTERED).toContain(k);
    expect(kernelVariant).toBe(process.env.UIR_FMA === '0' ? 'plain' : 'fma'); // Node 20 runs relaxed SIMD behind a flag we set
  });

  const convCases: [string, number[], number[], number, 'same' | 'valid'][] = [
    ['3x3 same stride 1, odd sizes', [2, 7, 9, 5], [3, 3, 5, 6], 1, 'same'],
    ['3x3 same stride 1, 8+ outputs', [2, 7, 9, 5], [3, 3, 5, 11], 1, 'same'],
    ['3x3 same to RGB (few outputs, many inputs)', [2, 7, 9, 10], [3, 3, 10, 3], 1, 'same'],
    ['3x3 valid stride 2', [2, 9, 8, 3], [3, 3, 3, 4], 2, 'valid'],
    ['5x5 same stride 2', [1, 11, 10, 4], [5, 5, 4, 9], 2, 'same'],
    ['1x1 (a GEMM)', [3, 6, 5, 13], [1, 1, 13, 7], 1, 'same'],
    ['2x2 stride 2 (the down-sampler)', [2, 8, 6, 6], [2, 2, 6, 12], 2, 'valid'],
  ];
  it('conv2d forward: 3x3 dilation 2, same and valid', () => {
    for (const pad of ['same', 'valid'] as const) {
      expectClose((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad, 'NHWC', 2), [{ shape: [2, 9, 11, 5], seed: 5 }, { shape: [3, 3, 5, 10], seed: 6 }]);
    }
  });
  for (const [name, xs, ws, s, pad] of convCases) {
    it(`conv2d forward: ${name}`, () => {
      expectClose((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad), [{ shape: xs, seed: 3 }, { shape: ws, seed: 4 }]);
    });
    it(`conv2d gradients: ${name} (a random upstream gradient, so every dy index matters)`, () => {
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros(xs) as tf.Tensor4D, tf.zeros(ws) as tf.Tensor4D, s, pad).shape);
      expectClose((x, w, dy) => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), dy!)));
        return g([x!, w!]);
      }, [{ shape: xs, seed: 1 }, { shape: ws, seed: 2 }, { shape: outShape, seed: 9 }]);
    });
  }

  for (const [k, pad, c] of [[3, 'same', 7], [3, 'valid', 4], [5, 'same', 9]] as const) {
    it(`depthwise conv gradients: ${k}x${k} ${pad}, ${c} channels`, () => {
      expectClose((x, w, d) => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), d!)));
        return g([x!, w!]);
      }, [{ shape: [2, 8, 7, c], seed: 3 }, { shape: [k, k, c, 1], seed: 4 }, { shape: [2, pad === 'same' ? 8 : 8 - k + 1, pad === 'same' ? 7 : 7 - k + 1, c], seed: 5 }]);
    });
  }

  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`batched matMul, transposeA ${ta}, transposeB ${tb}`, () => {
      const M = 5, K = 11, N = 9, B = 3;
      expectClose((a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, ta, tb), [
        { shape: ta ? [B, K, M] : [B, M, K], seed: 6 }, { shape: tb ? [B, N, K] : [B, K, N], seed: 7 },
      ]);
    });
  }

  it('large GEMMs through the packed paths, with partial edge blocks (1x1 conv forward and gradients, matMul)', () => {
    // gemmNN packs B when M >= 32 and K x N > 8192; gemmTN packs when M, N >= 16, M x N >= 16384 and K >= 64
    expectClose((x, w) => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), tf.range(0, 2 * 8 * 9 * 133).reshape([2, 8, 9, 133]).mul(1e-3)));
      return [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), ...tf.grads(f)([x!, w!])];
    }, [{ shape: [2, 8, 9, 131], seed: 11 }, { shape: [1, 1, 131, 133], seed: 12 }]);
    expectClose((a, b, c) => [tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D), tf.matMul(c as tf.Tensor3D, b as tf.Tensor3D, true, false)], [
      { shape: [2, 70, 70], seed: 13 }, { shape: [2, 70, 130], seed: 14 }, { shape: [2, 70, 130], seed: 15 },
    ]);
  });

  it('sum over leading axes, channel-axis split, concat and slice, identity and cast', () => {
    expectClose((x) => [tf.sum(x!, [0, 1, 2]), tf.sum(x!, [0, 1], true), tf.sum(x!, 3)], [{ shape: [2, 5, 3, 7], seed: 8 }]);
    expectClose((x) => tf.split(x!, [3, 4, 6], -1), [{ shape: [2, 3, 5, 13], seed: 9 }]);
    expectClose((x, y) => tf.concat([x!, y!, x!], -1), [{ shape: [4, 3, 5], seed: 10 }, { shape: [4, 3, 2], seed: 11 }]);
    expectClose((x) => [tf.slice(x!, [0, 0, 2], [-1, -1, 3]), tf.slice(x!, [1, 0, 0], [1, 2, 5])], [{ shape: [3, 4, 7], seed: 12 }]);
    expectClose((x) => [tf.clone(x!), tf.cast(x!, 'float32'), tf.cast(tf.cast(tf.mul(x!, 10), 'int32'), 'float32')], [{ shape: [5, 6], seed: 13 }]);
  });

  it('fused LayerNorm and SimpleGate (forward and gradients) equal the composite ops', () => {
    expectClose((x, g, b, d) => {
      const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layerNorm(xi, gi, bi), d!)));
      return [layerNorm(x!, g!, b!), ...grads([x!, g!, b!])];
    }, [{ shape: [2, 5, 3, 12], seed: 14 }, { shape: [12], seed: 15 }, { shape: [12], seed: 16 }, { shape: [2, 5, 3, 12], seed: 17 }]);
    expectClose((x, d) => [simpleGate(x!), tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(simpleGate(xi), d!)))(x!)],
      [{ shape: [2, 3, 4, 10], seed: 18 }, { shape: [2, 3, 4, 5], seed: 19 }]);
  });

  it('PixelShuffle matches PyTorch channel order and has a gradient', () => {
    tf.setBackend('wasm');
    // one pixel, 8 channels -> 2x2 pixels, 2 channels: PyTorch maps channel c*4 + i*2 + j to (i, j, c)
    const out = pixelShuffle(tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 8]), 2).arraySync();
    expect(out).toEqual([[[[0, 4], [1, 5]], [[2, 6], [3, 7]]]]);
    expectClose((x, d) => tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(pixelShuffle(xi as tf.Tensor4D, 2), d!)))(x!), [{ shape: [2, 3, 4, 8], seed: 20 }, { shape: [2, 6, 8, 2], seed: 21 }]);
  });

  it('PixelUnshuffle matches PyTorch channel order and inverts PixelShuffle', () => {
    tf.setBackend('wasm');
    // 2x2 pixels, 2 channels -> one pixel, 8 channels: (i, j, c) goes to channel c*4 + i*2 + j
    const out = pixelUnshuffle(tf.tensor4d([0, 4, 1, 5, 2, 6, 3, 7], [1, 2, 2, 2]), 2).arraySync();
    expect(out).toEqual([[[[0, 1, 2, 3, 4, 5, 6, 7]]]]);
    const x = tf.randomUniform([2, 6, 8, 3], 0, 1, 'float32', 22) as tf.Tensor4D;
    expect(Array.from(pixelShuffle(pixelUnshuffle(x, 2), 2).dataSync())).toEqual(Array.from(x.dataSync()));
  });
});

function tinyNet(): Nafnet {
  return new Nafnet({ width: 8, encBlocks: [1, 1], middleBlocks: 1, decBlocks: [1, 1] }, 3);
}

describe('training on the wasm backend', () => {
  const nets: [string, () => RestorationNet][] = [
    ['NAFNet', tinyNet],
    ['Restormer', () => new Restormer({ family: 'restormer', width: 8, blocks: [1, 1], heads: [1, 2], refinement: 1, ffnFactor: 2.66 }, 3)],
  ];
  it.each(nets)('whole-model gradients of a %s equal the cpu backend within 1e-4', (_name, make) => {
    const grads = (backend: string): Map<string, Float32Array> => {
      tf.setBackend(backend);
      const net = make();
      const x = tf.tensor(rand([2, 16, 16, 3], 30).map((v) => v * 0.5 + 0.5), [2, 16, 16, 3]) as tf.Tensor4D;
      const y = tf.tensor(rand([2, 16, 16, 3], 31).map((v) => v * 0.5 + 0.5), [2, 16, 16, 3]);
      // non-zero beta/gamma (NAFNet) and non-unit temperatures (Restormer) so every branch carries gradient
      for (const [name, v] of net.params.vars) if (/\.(beta|gamma)$/.test(name)) v.assign(tf.fill(v.shape, 0.3));
      for (const [name, v] of net.params.vars) if (/temperature$/.test(name)) v.assign(tf.fill(v.shape, 1.7));
      const { grads: g } = tf.variableGrads(() => tf.mean(tf.abs(tf.sub(net.forward(x).out, y))) as tf.Scalar);
      const out = new Map<string, Float32Array>();
      for (const [name, v] of net.params.vars) out.set(name, g[v.name]!.dataSync() as Float32Array);
      for (const t of Object.values(g)) t.dispose();
      net.params.dispose(); x.dispose(); y.dispose();
      return out;
    };
    const cpu = grads('cpu'), wasm = grads('wasm');
    expect(wasm.size).toBe(cpu.size);
    let worst = 0;
    for (const [name, c] of cpu) {
      const w = wasm.get(name)!;
      let num = 0, den = 0;
      for (let i = 0; i < c.length; i++) { num += (w[i]! - c[i]!) ** 2; den += c[i]! ** 2; }
      expect(den, `${name} has a gradient`).toBeGreaterThan(0);
      const rel = Math.sqrt(num / Math.max(den, 1e-30));
      worst = Math.max(worst, rel);
      expect(rel, name).toBeLessThan(1e-4);
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('keeps tensor count and wasm heap flat over 20 steps, and overfits fixed patches (loss falls 5x)', async () => {
    tf.setBackend('wasm');
    const [photo] = await realPhotos(64);
    const net = tinyNet();
    // two 32x32 patches of a real photo as targets, and noisy versions as inputs
    const patch = (x0: number): Float32Array => {
      const out = new Float32Array(32 * 32 * 3);
      for (let y = 0; y < 32; y++) out.set(photo!.data.subarray((y * photo!.width + x0) * 3, (y * photo!.width + x0 + 32) * 3), y * 96);
      return out;
    };
    const gt = tf.tensor4d([...patch(0), ...patch(20)], [2, 32, 32, 3]);
    const noisy = tf.tidy(() => tf.add(gt, tf.mul(tf.tensor(rand([2, 32, 32, 3], 40), [2, 32, 32, 3]), 0.15)));
    const opt = new AdamW(2e-3);
    const step = (): number => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.abs(tf.sub(net.forward(noisy as tf.Tensor4D).out, gt))) as tf.Scalar);
      opt.apply(net.params.vars, grads);
      const l = value.dataSync()[0]!;
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      return l;
    };
    const first = step(); step();
    const heap = () => (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory.buffer.byteLength;
    const tensors0 = tf.memory().numTensors, bytes0 = tf.memory().numBytes, heap0 = heap();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensors0);
    expect(tf.memory().numBytes).toBe(bytes0);
    expect(heap()).toBe(heap0);
    let last = first;
    for (let i = 0; i < 300 && last > first / 5; i++) last = step();
    expect(last, `loss ${first} -> ${last}`).toBeLessThan(first / 5);
    opt.dispose(); net.params.dispose(); gt.dispose(); noisy.dispose();
  });
});
