/**
 * bench:train --kernels: each fused kernel of the current backend (WGSL on webgpu, SIMD on wasm) against the stock
 * tf-op composition it replaces, on the bench network's shapes: LayerNorm and SimpleGate forward + backward on a
 * full-resolution feature map, and one AdamW step over every parameter of the bench NAFNet.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm, simpleGate, pixelShuffle } from '../src/model/ops.js';
import { AdamW } from '../src/model/optim.js';
import { withoutFused } from '../src/model/kernels/fused.js';
import { buildReplica } from './nafnet-replica.js';

/** Mean ms of `fn` over `reps` runs after one warm-up (shaders compiled), waiting for the device each time. */
async function timeIt(fn: () => tf.Tensor[], reps = 5): Promise<number> {
  const once = async (): Promise<void> => { const outs = fn(); await Promise.all(outs.map((t) => t.data())); tf.dispose(outs); };
  await once();
  const t = performance.now();
  for (let i = 0; i < reps; i++) await once();
  return (performance.now() - t) / reps;
}

export async function kernelTimes(B: number, P: number, width: number, log: (line: string) => void): Promise<Record<string, { fused: number; stock: number }>> {
  const x = tf.randomNormal([B, P, P, width]), g = tf.ones([width]), b = tf.zeros([width]), dy = tf.randomNormal([B, P, P, width]);
  const x2 = tf.randomNormal([B, P, P, 2 * width]);
  const cases: [string, () => tf.Tensor[]][] = [
    [`LayerNorm forward + backward [${B},${P},${P},${width}]`, () => tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layerNorm(xi, gi, bi, 1e-5), dy)))([x, g, b])],
    [`SimpleGate forward + backward [${B},${P},${P},${2 * width}]`, () => [tf.grad((xi: tf.Tensor) => tf.sum(simpleGate(xi)))(x2)]],
  ];
  const replica = buildReplica({ width }), vars = replica.vars;
  const grads = Object.fromEntries([...vars.values()].map((v) => [v.name, tf.randomNormal(v.shape)]));
  const step = (opt: AdamW) => (): tf.Tensor[] => { opt.apply(vars, grads); return [vars.values().next().value as tf.Variable].map((v) => tf.clone(v)); };
  const out: Record<string, { fused: number; stock: number }> = {};
  log(`\nfused kernels on ${tf.getBackend()} against the stock composition (ms, mean of 5 after a warm-up):`);
  for (const [name, fn] of cases) {
    const fused = await timeIt(fn), stock = await timeIt(() => withoutFused(fn));
    out[name] = { fused, stock };
    log(`  ${name.padEnd(48)} fused ${fused.toFixed(2).padStart(9)}  stock ${stock.toFixed(2).padStart(9)}  ${(stock / fused).toFixed(2)}x`);
  }
  const a = new AdamW(1e-4), c = new AdamW(1e-4);
  const fused = await timeIt(step(a)), stock = await timeIt(() => withoutFused(step(c)));
  const name = `AdamW step, ${vars.size} parameters of the bench NAFNet`;
  out[name] = { fused, stock };
  log(`  ${name.padEnd(48)} fused ${fused.toFixed(2).padStart(9)}  stock ${stock.toFixed(2).padStart(9)}  ${(stock / fused).toFixed(2)}x`);
  // ops with a wasm kernel of uir's and only the stock kernel here: their cost beside a whole training step
  const x4 = tf.randomNormal([B, P / 2, P / 2, 4 * width]);
  const stockOnly: [string, () => tf.Tensor[]][] = [
    [`PixelShuffle(2) forward + backward [${B},${P / 2},${P / 2},${4 * width}]`, () => [tf.grad((xi: tf.Tensor) => tf.sum(pixelShuffle(xi as tf.Tensor4D, 2)))(x4)]],
    [`channel split + concat [${B},${P},${P},${2 * width}]`, () => { const [p1, p2] = tf.split(x2, 2, -1); return [tf.concat([p2!, p1!], -1)]; }],
  ];
  const stepMs = await timeIt(() => { const { value, grads: gr } = tf.variableGrads(() => replica.loss({ n: B, height: P, width: P, lq: new Float32Array(B * P * P * 3).fill(0.5), gt: new Float32Array(B * P * P * 3).fill(0.4), labels: new Int32Array(B) }, { loss: 0, l1: 0, focal: 0, correct: 0 }, () => undefined)); return [value, ...Object.values(gr)]; }, 2);
  log(`  stock kernels only (no fused version here), against one forward + backward of the bench NAFNet (${stepMs.toFixed(1)} ms):`);
  for (const [name, fn] of stockOnly) {
    const ms = await timeIt(fn);
    out[name] = { fused: NaN, stock: ms };
    log(`  ${name.padEnd(48)} stock ${ms.toFixed(2).padStart(9)}  (${((100 * ms) / stepMs).toFixed(1)}% of a step's forward + backward)`);
  }
  a.dispose(); c.dispose(); replica.dispose(); tf.dispose([x, g, b, dy, x2, x4, ...Object.values(grads)]);
  return out;
}
