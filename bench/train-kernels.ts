/**
 * bench:train --kernels: each fused kernel of the current backend (WGSL on webgpu, SIMD on wasm) against the stock
 * tf-op composition it replaces, on the bench network's shapes: LayerNorm and SimpleGate forward + backward on a
 * full-resolution feature map, and one AdamW step over every parameter of the bench NAFNet.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm, simpleGate } from '../src/model/ops.js';
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
  a.dispose(); c.dispose(); replica.dispose(); tf.dispose([x, g, b, dy, x2, ...Object.values(grads)]);
  return out;
}
