/**
 * The device run's gradient check (scripts/device/run.sh): a NAFNet's loss and every gradient on the webgpu backend
 * against the cpu backend (the reference), same weights and inputs. Prints the adapter, the worst relative error over
 * the gradients, and PASS/FAIL at 1e-3; exit 1 on FAIL.
 *
 *   node dist/bench/gpu-check.js [--width 16] [--size 64] [--batch 2]
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/model/backend.js';
import { Nafnet } from '../src/model/archs/nafnet.js';
import { Rng } from '../src/rng.js';

const args = process.argv.slice(2);
const flag = (n: string, d: string): string => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const width = Number(flag('--width', '16')), S = Number(flag('--size', '64')), N = Number(flag('--batch', '2'));

function rand(n: number, seed: string): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.next());
}

async function gradients(backend: 'cpu' | 'webgpu'): Promise<Float32Array[]> {
  await selectBackend(backend, (l) => console.log(l));
  const net = new Nafnet({ width, encBlocks: [1, 1, 1, 1], middleBlocks: 1, decBlocks: [1, 1, 1, 1], eps: 1e-5 }, 7);
  const x = tf.tensor4d(rand(N * S * S * 3, 'x'), [N, S, S, 3]), y = tf.tensor4d(rand(N * S * S * 3, 'y'), [N, S, S, 3]);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.abs(tf.sub(net.forward(x).out, y))) as tf.Scalar, [...net.params.vars.values()]);
  const names = Object.keys(grads).sort();
  const out = await Promise.all([value, ...names.map((n) => grads[n]!)].map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([value, x, y, ...Object.values(grads)]); net.params.dispose();
  return out;
}

const cpu = await gradients('cpu'), gpu = await gradients('webgpu');
let worst = 0;
for (let i = 1; i < cpu.length; i++) {
  let num = 0, den = 0;
  for (let j = 0; j < cpu[i]!.length; j++) { num = Math.max(num, Math.abs(gpu[i]![j]! - cpu[i]![j]!)); den = Math.max(den, Math.abs(cpu[i]![j]!)); }
  worst = Math.max(worst, num / Math.max(den, 1e-12));
}
const lossErr = Math.abs(gpu[0]![0]! - cpu[0]![0]!) / Math.abs(cpu[0]![0]!);
const ok = worst < 1e-3 && lossErr < 1e-3;
console.log(`gradient check, NAFNet width ${width}, batch ${N} of ${S}x${S}, ${cpu.length - 1} gradients: loss ${gpu[0]![0]!.toFixed(6)} vs cpu ${cpu[0]![0]!.toFixed(6)} (relative ${lossErr.toExponential(1)}), worst gradient relative error ${worst.toExponential(1)}: ${ok ? 'PASS' : 'FAIL'} (1e-3)`);
process.exitCode = ok ? 0 : 1;
