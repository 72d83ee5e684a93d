/**
 * npm run bench:degrade — "read clean PNG -> degrade -> write PNG" per type over ../shared/data/Kodak24/gt,
 * printing pairs/s per type and peak RSS, and, in the same run, the Python/OpenCV reference
 * (../shared/bench/py_degrade_anchor.py) with the ratio for the six operators it covers at matched strength.
 *
 *   npm run bench:degrade [-- --repeat N] [--types a,b] [--no-reference] [--inflight K]
 *
 * --inflight K: pairs in flight in the one process (default 2): while one pair is being degraded in JS,
 * libvips decodes/encodes another on its own threads. --inflight 1 is strictly one pair at a time.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readImage, writeImage } from '../src/io/image-io.js';
import { OPERATORS, getOperator } from '../src/degradations/index.js';
import { Rng, deriveSeed } from '../src/rng.js';
import { applyParams } from '../src/degrade.js';
import type { AnySpec } from '../src/degradations/spec.js';
import { throughputGc } from '../src/gc.js';

// the garbage collector as the CLI process has it (src/gc.ts)
throughputGc();

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const shared = path.resolve(root, '..', 'shared');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const repeat = Number(flag('--repeat') ?? 1);
const inflight = Number(flag('--inflight') ?? 2);
const only = flag('--types')?.split(',');
const srcDir = path.join(shared, 'data', 'Kodak24', 'gt');

/** A task: the operator and, for the matched-strength comparisons, a fixed override of the sampled params. */
interface Task { name: string; op: AnySpec; level: number; override?: (p: Record<string, unknown>) => Record<string, unknown> }

const matched: Record<string, Task> = {
  gaussian_noise: { name: 'noise sigma 25, gaussian', op: getOperator('noise'), level: 9, override: (p) => ({ ...p, variant: 'gaussian', gray: false }) },
  poisson_noise: { name: 'noise poisson, 256 levels', op: getOperator('noise'), level: 9, override: (p) => ({ ...p, variant: 'poisson', peak: 256 }) },
  gaussian_blur: { name: 'gaussian-blur iso 21x21 sigma 2', op: getOperator('gaussian-blur'), level: 8, override: () => ({ kind: 'iso', size: 21, sigmaX: 2, sigmaY: 2, theta: 0, beta: 1, omega: 1 }) },
  motion_blur: { name: 'motion-blur 15 px trajectory', op: getOperator('motion-blur'), level: 6 },
  jpeg: { name: 'jpeg q30', op: getOperator('jpeg'), level: 9 },
  haze: { name: 'haze beta 1.1, depth proxy', op: getOperator('haze'), level: 6 },
};

/** Pairs per second of wall time, and per second of CPU time of the whole process (all threads: libvips, zlib). */
interface Rate { wall: number; cpu: number }

async function runTask(task: Task, files: string[], outDir: string): Promise<Rate> {
  const jobs: (() => Promise<void>)[] = [];
  let n = 0;
  for (let r = 0; r < repeat; r++) for (const f of files) {
    const idx = n++;
    jobs.push(async () => {
      const { image } = await readImage(f);
      const seed = deriveSeed(0, path.basename(f), task.op.id, task.level, r);
      let params = task.op.sample(task.level, new Rng(seed).fork('sample'), image) as Record<string, unknown>;
      if (task.override) params = task.override(params);
      const out = await applyParams(image, task.op, params, seed);
      await writeImage(out, path.join(outDir, `${task.op.id}_${idx}.png`));
    });
  }
  const t0 = performance.now(), c0 = process.cpuUsage();
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, inflight) }, async () => {
    while (next < jobs.length) await jobs[next++]!();
  }));
  const cpu = process.cpuUsage(c0);
  return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

async function main(): Promise<void> {
  const files = (await fs.readdir(srcDir)).filter((f) => f.endsWith('.png')).sort().map((f) => path.join(srcDir, f));
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'uir-bench-degrade-'));
  console.log(`uir bench:degrade  ${files.length} Kodak24 images (768x512) x ${repeat}, read PNG -> degrade -> write PNG, 1 process, ${inflight} pair(s) in flight`);
  console.log(`node ${process.version}, sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})\n`);

  const ours: Record<string, Rate> = {};
  if (!args.includes('--no-reference')) {
    for (const [key, task] of Object.entries(matched)) {
      ours[key] = await runTask(task, files, outDir);
    }
  }
  console.log('per type (level in the middle of its table):');
  let totalPairs = 0, totalTime = 0;
  for (const op of OPERATORS) {
    if (only && !only.includes(op.id)) continue;
    const level = Math.ceil(op.levels.length / 2);
    const rate = (await runTask({ name: op.id, op, level }, files, outDir)).wall;
    totalPairs += files.length * repeat; totalTime += (files.length * repeat) / rate;
    console.log(`  ${op.id.padEnd(28)} L${String(level).padEnd(3)} ${rate.toFixed(2).padStart(7)} pairs/s`);
  }
  console.log(`  ${'all types'.padEnd(32)} ${(totalPairs / totalTime).toFixed(2).padStart(7)} pairs/s`);
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(`peak RSS ${peakMb.toFixed(0)} MB\n`);

  if (!args.includes('--no-reference')) {
    const py = '/usr/bin/python3';
    const anchor = path.join(shared, 'bench', 'py_degrade_anchor.py');
    let ref = '';
    try {
      const refOut = await fs.mkdtemp(path.join(os.tmpdir(), 'uir-bench-ref-'));
      ref = execFileSync(py, [anchor, srcDir, refOut, String(repeat)], { encoding: 'utf8' });
      await fs.rm(refOut, { recursive: true, force: true });
    } catch (e) {
      console.log(`reference not run (${(e as Error).message.split('\n')[0]}); install it with: apt-get install -y python3-opencv python3-scipy`);
    }
    if (ref) {
      console.log('reference (../shared/bench/py_degrade_anchor.py, same machine, same run):');
      console.log(ref.trimEnd().split('\n').map((l) => '  ' + l).join('\n'));
      console.log('\nmatched strength, uir vs reference: pairs/s per process, and per CPU-second (uir counts all its threads;');
      console.log('the reference is one thread, so its pairs/s is its pairs per CPU-second):');
      for (const [key, rate] of Object.entries(ours)) {
        const m = ref.match(new RegExp(`^${key}\\s+([\\d.]+) pairs/s`, 'm'));
        const r = m ? Number(m[1]) : NaN;
        console.log(`  ${key.padEnd(16)} uir ${rate.wall.toFixed(2).padStart(7)}  ref ${r.toFixed(2).padStart(7)}  ${(rate.wall / r).toFixed(2)}x   per CPU-s: uir ${rate.cpu.toFixed(2).padStart(7)}  ${(rate.cpu / r).toFixed(2)}x  (${matched[key]!.name})`);
      }
    }
  }
  await fs.rm(outDir, { recursive: true, force: true });
}

await main();
