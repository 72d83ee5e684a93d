/**
 * npm run bench:train — trains the NAFNet-style U-Net of ../shared/bench/torch_nafnet_bench.py (4 levels, 1 block
 * each, widths 16 and 32, batch 8, 64x64, AdamW, L1 + 19-way cross-entropy) on the wasm backend, printing img/s,
 * peak wasm heap and a per-kernel profile; then runs the PyTorch reference (2 threads) in the same run.
 *
 * Data-parallel over --threads replicas (default 2: this thread and one worker thread, each on its own wasm backend;
 * PyTorch gets 2 threads); the single-thread figure is printed too, and the kernel profile is of one replica's share.
 *
 *   npm run bench:train [-- --steps 5] [--widths 16,32] [--threads 2] [--no-reference]
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/model/backend.js';
import { AdamW } from '../src/model/optim.js';
import type { ReplicaBatch } from '../src/model/replica.js';
import { benchSpec, buildReplica } from './nafnet-replica.js';
import { DataParallel } from '../src/model/parallel.js';
import { Rng } from '../src/rng.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const flag = (n: string, d: string): string => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const steps = Number(flag('--steps', '5'));
const widths = flag('--widths', '16,32').split(',').map(Number);
// replicas: 2 by default, as the reference runs PyTorch with 2 threads
const threads = Number(flag('--threads', '2'));
const B = 8, P = 64;

function heapBytes(): number {
  return (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory.buffer.byteLength;
}

/** Timed steps of the bench network with `threads` data-parallel replicas (this thread and threads - 1 workers). */
async function benchWidth(width: number, threads: number): Promise<{ imgs: number; heap: number; profile: [string, number, number][] }> {
  const spec = benchSpec(width);
  const replica = buildReplica(spec.options);
  const dp = await DataParallel.create(spec, replica, threads);
  const rng = new Rng('bench-train-data');
  const batch: ReplicaBatch = {
    n: B, height: P, width: P, labels: Int32Array.from([0, 3, 5, 7, 9, 11, 13, 18]),
    lq: Float32Array.from({ length: B * P * P * 3 }, () => rng.next()), gt: Float32Array.from({ length: B * P * P * 3 }, () => rng.next()),
  };
  const opt = new AdamW(3e-4);
  const step = async (): Promise<void> => {
    const { grads } = await dp.gradients(batch);
    opt.apply(replica.vars, grads);
    for (const g of Object.values(grads)) g.dispose();
  };
  await step(); await step();
  const t = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const dt = (performance.now() - t) / steps / 1000;
  // per-kernel profile of this thread's share of a step
  const info = await tf.profile(async () => { await step(); });
  const agg = new Map<string, [number, number]>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const a = agg.get(k.name) ?? [0, 0];
    agg.set(k.name, [a[0] + ms, a[1] + 1]);
  }
  const profile = [...agg].map(([n, [ms, c]]) => [n, ms, c] as [string, number, number]).sort((a, b) => b[1] - a[1]);
  const heap = heapBytes();
  opt.dispose(); replica.dispose(); await dp.dispose();
  return { imgs: B / dt, heap, profile };
}

async function main(): Promise<void> {
  await selectBackend('wasm', (l) => console.log(l));
  console.log(`uir bench:train  NAFNet 4 levels x 1 block, batch ${B}, ${P}x${P}, AdamW, L1 + 19-way CE, ${steps} timed steps, node ${process.version}`);
  const ours = new Map<number, number>();
  for (const w of widths) {
    const single = threads > 1 ? await benchWidth(w, 1) : null;
    const r = await benchWidth(w, threads);
    ours.set(w, r.imgs);
    const total = r.profile.reduce((s, p) => s + p[1], 0);
    if (single) console.log(`\nwidth ${w}, 1 thread: ${single.imgs.toFixed(2)} img/s`);
    console.log(`${single ? '' : '\n'}width ${w}, ${threads} data-parallel replicas: ${r.imgs.toFixed(2)} img/s, wasm heap per replica ${(r.heap / 1024 ** 3).toFixed(2)} GiB; this thread's kernel time per step ${total.toFixed(0)} ms:`);
    for (const [n, ms, c] of r.profile.slice(0, 12)) console.log(`  ${n.padEnd(38)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${String(c).padStart(4)} calls`);
  }
  if (args.includes('--no-reference')) return;
  console.log('\nreference: ../shared/bench/torch_nafnet_bench.py, 2 threads, same run (a warm-up run first):');
  for (const w of widths) {
    const script = path.resolve(root, '..', 'shared', 'bench', 'torch_nafnet_bench.py');
    try {
      execFileSync('/usr/bin/python3', [script, String(w), String(B), String(P), '2', '2'], { encoding: 'utf8' });
      const out = execFileSync('/usr/bin/python3', [script, String(w), String(B), String(P), String(steps), '2'], { encoding: 'utf8' }).trim();
      const ref = Number(/([\d.]+) img\/s/.exec(out)![1]);
      console.log(`  ${out}\n  width ${w}: uir ${ours.get(w)!.toFixed(2)} img/s vs torch ${ref.toFixed(2)} img/s = ${(ours.get(w)! / ref).toFixed(2)}x`);
    } catch (e) {
      console.log(`  torch reference not run (${(e as Error).message.split('\n')[0]}); install: apt-get install -y python3-torch`);
    }
  }
}

await main();
