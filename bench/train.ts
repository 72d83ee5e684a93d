/**
 * npm run bench:train — trains the NAFNet-style U-Net of ../shared/bench/torch_nafnet_bench.py (4 levels, 1 block
 * each unless --blocks, widths 16 and 32, batch 8, 64x64, AdamW, L1 + 19-way cross-entropy) and prints img/s; then
 * runs the PyTorch reference on the same shape in the same run.
 *
 * On wasm: data-parallel over --threads replicas (default 2: this thread and a worker thread; PyTorch gets 2 threads),
 * the single-thread figure too, the peak wasm heap and a per-kernel profile. On webgpu (one replica): GPU memory in
 * use, and with --kernels each fused WGSL kernel against the stock composition it replaces.
 * --fed also trains on a dataset read from disk through the training data feed (decoding and cropping in a worker
 * thread, batches prefetched) and reports the share of step time spent waiting for data.
 *
 *   npm run bench:train [-- --backend wasm|webgpu] [--steps 5] [--widths 16,32] [--batch 8] [--patch 64]
 *                       [--blocks 1,1,1,28/1/1,1,1,1] [--threads 2] [--fed] [--kernels] [--no-reference]
 *                       [--device cpu|cuda] [--python /usr/bin/python3] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendChoice } from '../src/model/backend.js';
import { AdamW } from '../src/model/optim.js';
import type { ReplicaBatch, ReplicaStats } from '../src/model/replica.js';
import { benchSpec, buildReplica, parseBlocks, type BenchNetOptions } from './nafnet-replica.js';
import { DataParallel } from '../src/model/parallel.js';
import { BatchLoader } from '../src/model/batches.js';
import { Sampler, loadSamples } from '../src/model/samples.js';
import { kernelTimes } from './train-kernels.js';
import { Rng } from '../src/rng.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const flag = (n: string, d: string): string => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const backend = flag('--backend', 'wasm') as BackendChoice;
const steps = Number(flag('--steps', '5'));
const widths = flag('--widths', '16,32').split(',').map(Number);
const B = Number(flag('--batch', '8')), P = Number(flag('--patch', '64'));
const blocksText = flag('--blocks', '1,1,1,1/1/1,1,1,1');
const blocks = parseBlocks(blocksText);
// replicas: 2 by default on wasm, as the reference runs PyTorch with 2 threads; one on other backends
const threads = backend === 'wasm' ? Number(flag('--threads', '2')) : 1;
const device = flag('--device', 'cpu');
const report: Record<string, unknown> = { backend, batch: B, patch: P, blocks: blocksText, steps, widths: {} };

function memoryNote(): string {
  if (tf.getBackend() === 'wasm') return `wasm heap per replica ${((tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory.buffer.byteLength / 1024 ** 3).toFixed(2)} GiB`;
  const m = tf.memory() as { numBytes: number; numBytesAllocatedInGPU?: number };
  return `${tf.getBackend()} memory allocated ${((m.numBytesAllocatedInGPU ?? m.numBytes) / 1024 ** 3).toFixed(2)} GiB`;
}

/** Training steps over batches from `next`, timed after two warm-up steps; metrics are read a step behind, as train does. */
async function timeSteps(width: number, nThreads: number, next: (i: number) => Promise<ReplicaBatch>): Promise<{ imgs: number; memory: string; step: () => Promise<void>; done: () => Promise<void> }> {
  const spec = benchSpec(width, blocks);
  const replica = buildReplica(spec.options as BenchNetOptions);
  const dp = await DataParallel.create(spec, replica, nThreads);
  const opt = new AdamW(3e-4);
  let i = 0, pending: Promise<ReplicaStats> | null = null;
  const step = async (): Promise<void> => {
    const { grads, stats } = await dp.gradients(await next(i++));
    opt.apply(replica.vars, grads);
    for (const g of Object.values(grads)) g.dispose();
    if (pending) await pending;
    pending = stats;
  };
  const settle = async (): Promise<void> => { if (pending) await pending; pending = null; };
  await step(); await step(); await settle();
  const t = performance.now();
  for (let s = 0; s < steps; s++) await step();
  await settle();
  const imgs = (B * steps) / ((performance.now() - t) / 1000);
  return { imgs, memory: memoryNote(), step, done: async () => { opt.dispose(); replica.dispose(); await dp.dispose(); } };
}

function syntheticBatch(): ReplicaBatch {
  const rng = new Rng('bench-train-data');
  return {
    n: B, height: P, width: P, labels: Int32Array.from({ length: B }, (_, i) => [0, 3, 5, 7, 9, 11, 13, 18][i % 8]!),
    lq: Float32Array.from({ length: B * P * P * 3 }, () => rng.next()), gt: Float32Array.from({ length: B * P * P * 3 }, () => rng.next()),
  };
}

/** Per-kernel times of this thread's share of one step (wasm; other backends time kernels only with timestamp queries). */
async function profile(step: () => Promise<void>): Promise<[string, number, number][]> {
  const info = await tf.profile(async () => { await step(); });
  const agg = new Map<string, [number, number]>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const a = agg.get(k.name) ?? [0, 0];
    agg.set(k.name, [a[0] + ms, a[1] + 1]);
  }
  return [...agg].map(([n, [ms, c]]) => [n, ms, c] as [string, number, number]).sort((a, b) => b[1] - a[1]);
}

async function benchWidth(width: number): Promise<number> {
  const batch = syntheticBatch(), out: Record<string, unknown> = {};
  if (threads > 1) {
    const single = await timeSteps(width, 1, async () => batch);
    await single.done();
    console.log(`\nwidth ${width}, 1 thread: ${single.imgs.toFixed(2)} img/s`);
    out.singleThread = single.imgs;
  }
  const r = await timeSteps(width, threads, async () => batch);
  console.log(`${threads > 1 ? '' : '\n'}width ${width}, ${threads > 1 ? `${threads} data-parallel replicas` : `${tf.getBackend()}, one replica`}: ${r.imgs.toFixed(2)} img/s, ${r.memory}`);
  Object.assign(out, { imgs: r.imgs, memory: r.memory });
  if (tf.getBackend() === 'wasm') {
    const prof = await profile(r.step), total = prof.reduce((s, p) => s + p[1], 0);
    console.log(`  this thread's kernel time per step ${total.toFixed(0)} ms:`);
    for (const [n, ms, c] of prof.slice(0, 12)) console.log(`  ${n.padEnd(38)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${String(c).padStart(4)} calls`);
  }
  await r.done();
  if (args.includes('--fed')) out.fed = await fedRun(width);
  (report.widths as Record<string, unknown>)[width] = out;
  return r.imgs;
}

/** The same training fed from a dataset on disk by the training data feed: img/s and the share spent waiting for data. */
async function fedRun(width: number): Promise<{ imgs: number; dataWait: number }> {
  const data = await fedDataset();
  const { items, weights } = await loadSamples({ data, split: 'train' });
  const feed = new BatchLoader(new Sampler(items, weights, 1), { batch: B, patch: P, seed: 1, lastStep: steps + 3 });
  const t0 = performance.now();
  const r = await timeSteps(width, threads, async (i) => { const b = await feed.get(i); return { n: B, height: P, width: P, ...b }; });
  const share = feed.waitSeconds / ((performance.now() - t0) / 1000);
  await r.done(); await feed.dispose();
  console.log(`  fed from disk (${data}): ${r.imgs.toFixed(2)} img/s, waiting for data ${(100 * share).toFixed(1)}% of the time`);
  return { imgs: r.imgs, dataWait: share };
}

let fedData: string | null = null;
async function fedDataset(): Promise<string> {
  if (fedData) return fedData;
  const given = flag('--data', '');
  if (given) return (fedData = given);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'uir-bench-train-'));
  const crop = Math.max(256, P);
  const recipe = JSON.parse(await fs.readFile(path.join(root, 'recipes', '5d.json'), 'utf8')) as Record<string, unknown>;
  await fs.writeFile(path.join(dir, 'recipe.json'), JSON.stringify({ ...recipe, $schema: undefined, crop: { mode: 'tile', size: crop, overlap: 0 } }));
  execFileSync(process.execPath, [path.join(root, 'bin', 'uir.js'), 'build-dataset', '-r', path.join(dir, 'recipe.json'), '-s', path.join(root, 'samples', '*.png'), '-o', path.join(dir, 'data'), '--progress', 'none'], { stdio: 'inherit' });
  return (fedData = path.join(dir, 'data'));
}

function reference(ours: Map<number, number>): void {
  const python = flag('--python', '/usr/bin/python3'), torchThreads = flag('--torch-threads', '2');
  const script = flag('--torch-script', path.resolve(root, '..', 'shared', 'bench', 'torch_nafnet_bench.py'));
  console.log(`\nreference: ${script}, ${device}${device === 'cpu' ? `, ${torchThreads} threads` : ' (fp32, eager)'}, same run (a warm-up run first):`);
  for (const w of widths) {
    const argv = (n: number): string[] => [script, String(w), String(B), String(P), String(n), torchThreads, device, blocksText];
    try {
      execFileSync(python, argv(2), { encoding: 'utf8' });
      const out = execFileSync(python, argv(steps), { encoding: 'utf8' }).trim();
      const ref = Number(/([\d.]+) img\/s/.exec(out)![1]);
      console.log(`  ${out}\n  width ${w}: uir ${ours.get(w)!.toFixed(2)} img/s vs torch ${ref.toFixed(2)} img/s = ${(ours.get(w)! / ref).toFixed(2)}x`);
      (report.widths as Record<string, Record<string, unknown>>)[w]!.torch = ref;
    } catch (e) {
      console.log(`  torch reference not run (${(e as Error).message.split('\n')[0]}); install: apt-get install -y python3-torch`);
    }
  }
}

async function main(): Promise<void> {
  const info = await selectBackend(backend, (l) => console.log(l));
  report.adapter = info.adapter ?? null;
  console.log(`uir bench:train  NAFNet blocks ${blocksText}, batch ${B}, ${P}x${P}, AdamW, L1 + 19-way CE, ${steps} timed steps, ${info.name}, node ${process.version}`);
  const ours = new Map<number, number>();
  for (const w of widths) ours.set(w, await benchWidth(w));
  if (args.includes('--kernels')) report.kernels = await kernelTimes(B, P, widths[widths.length - 1]!, (l) => console.log(l));
  if (!args.includes('--no-reference')) reference(ours);
  const json = flag('--json', '');
  if (json) await fs.writeFile(json, JSON.stringify(report, null, 2));
}

await main();
