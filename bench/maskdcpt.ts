/**
 * npm run bench:maskdcpt — the MaskDCPT protocol in miniature, on the CPU: build a 5D dataset from
 * ../shared/data/Kodak24, pre-train a small NAFNet with MaskDCPT, fine-tune it, and train the same network from
 * scratch for the same total number of steps; evaluate both on CBSD68 with sigma 25 noise and on Rain100L (PSNR/SSIM,
 * paper conventions), report the classifier's accuracy on the validation split and the wall time of each phase.
 * A third arm trains from scratch for the fine-tuning steps alone: the paper's comparison (a network with and without
 * pre-training, fine-tuned alike), where the pre-training steps come on top.
 *
 *   npm run bench:maskdcpt [-- --pretrain 300 --finetune 300 --arch nafnet-small --batch 8 --patch 64
 *                               --pretrain-patch 128 --pretrain-batch 2 --keep]
 * Pre-training crops are twice the fine-tuning side by default, as in the paper (256 vs 128), with the batch cut to
 * keep the pixels per step (and so the cost of a step) equal: a 16 px mask patch is then 1/8 of a side, and the
 * deepest level (1/16) a grid of 8x8 cells, not 4x4.
 * (--keep leaves the dataset and the runs' checkpoints in the temporary folder it prints, for a closer look)
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/model/backend.js';
import { train } from '../src/model/train.js';
import { loadCheckpoint, saveCheckpoint } from '../src/model/checkpoint.js';
import { MaskDcpt, makeConfig } from '../src/model/maskdcpt.js';
import { planRestore, restoreImage } from '../src/model/restore.js';
import { classifyImage } from '../src/model/classify.js';
import { readImage } from '../src/io/image-io.js';
import { psnr, ssim } from '../src/metrics/quality.js';
import { addGaussianNoise } from '../src/degradations/noise.js';
import { ManifestStore } from '../src/manifest/store.js';
import { resolveStored } from '../src/manifest/queries.js';
import { Rng } from '../src/rng.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(root, '..', 'shared', 'data');
const args = process.argv.slice(2);
const flag = (n: string, d: string): string => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const P = Number(flag('--pretrain', '300')), F = Number(flag('--finetune', '300'));
const arch = flag('--arch', 'nafnet-small'), batch = Number(flag('--batch', '8')), patch = Number(flag('--patch', '64'));
const prePatch = Number(flag('--pretrain-patch', String(2 * patch)));
const preBatch = Number(flag('--pretrain-batch', String(Math.max(1, Math.floor((batch * patch * patch) / (prePatch * prePatch))))));
for (const [n, v] of [['--pretrain', P], ['--finetune', F], ['--batch', batch], ['--patch', patch], ['--pretrain-patch', prePatch], ['--pretrain-batch', preBatch]] as const) {
  if (!Number.isInteger(v) || v < 1) { console.error(`${n}: expected a positive integer, received ${v}`); process.exit(2); }
}

const secs = (t: number): string => `${((performance.now() - t) / 1000).toFixed(0)} s`;

async function evaluate(ckpt: string, sets: { name: string; pairs: { lq: () => Promise<import('../src/image.js').Image>; gt: string }[] }[]): Promise<Record<string, { psnr: number; ssim: number }>> {
  const { model } = await loadCheckpoint(ckpt, { ema: true });
  const out: Record<string, { psnr: number; ssim: number }> = {};
  for (const s of sets) {
    let p = 0, q = 0;
    for (const pair of s.pairs) {
      const lq = await pair.lq();
      const restored = await restoreImage(model, lq, await planRestore(model, lq.width, lq.height)); // whole images, as the paper
      const gt = (await readImage(pair.gt)).image;
      p += psnr(restored, gt); q += ssim(restored, gt);
    }
    out[s.name] = { psnr: p / s.pairs.length, ssim: q / s.pairs.length };
  }
  model.dispose();
  return out;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  await selectBackend('wasm', (l) => console.log(l));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'uir-bench-maskdcpt-'));
  const data = path.join(work, 'data');
  let t = performance.now();
  execFileSync(process.execPath, [path.join(root, 'bin', 'uir.js'), 'build-dataset', '-r', path.join(root, 'recipes', '5d.json'), '-s', `${shared}/Kodak24/gt/*.png`, '-o', data, '--progress', 'none'], { stdio: 'inherit' });
  console.log(`5D dataset from Kodak24: ${secs(t)}`);
  const common = { data, arch, batch, patch, seed: 0, split: 'train' as const, balance: true, ckptEvery: 1_000_000, backend: 'wasm' as const, progress: 'plain' as const };

  // fine-tuning recipe (no mask, L1, cosine LR, EMA), shared by the fine-tuned arm and both scratch arms
  const fineTune = (out: string, steps: number, init: string): ReturnType<typeof train> =>
    train({ ...common, objective: 'finetune', out: path.join(work, out), steps, lrEncoder: 3e-4, lrDecoder: 3e-4, init, ema: 0.999 });
  t = performance.now();
  const pre = await train({ ...common, out: path.join(work, 'pretrain'), steps: P, patch: prePatch, batch: preBatch, lrEncoder: 3e-4, lrDecoder: 1e-4, maskRatio: 0.5, maskPatch: 16 });
  const tPre = secs(t);
  t = performance.now();
  const ft = await fineTune('finetune', F, pre.checkpoint);
  const tFt = secs(t);
  // scratch: the same network, randomly initialised, trained the same way for P + F steps (and for F alone)
  const classes = ['haze', 'low-light', 'motion-blur', 'noise', 'rain-streak'];
  const init = path.join(work, 'scratch-init.safetensors');
  const fresh = new MaskDcpt(makeConfig(arch, classes), 0);
  await saveCheckpoint(init, fresh, null, { step: '0' });
  fresh.dispose();
  t = performance.now();
  const sc = await fineTune('scratch', P + F, init);
  const tSc = secs(t);
  t = performance.now();
  const scF = await fineTune('scratch-finetune-steps', F, init);
  const tScF = secs(t);

  // classifier accuracy on the validation split (unmasked inputs)
  const { model: cls } = await loadCheckpoint(pre.checkpoint);
  const store = ManifestStore.openReader(data);
  const val = store.queryPairs({ split: ['val'] });
  await store.close();
  let right = 0;
  for (const r of val) {
    const img = (await readImage(resolveStored(data, r.lq_path))).image;
    const { probs } = await classifyImage(cls, img, { crop: prePatch });
    if (cls.config.classes[probs.indexOf(Math.max(...probs))] === r.type) right++;
  }
  cls.dispose();

  // test sets: CBSD68 + sigma 25 Gaussian noise (fixed seed), Rain100L
  const cbsd = (await fs.readdir(path.join(shared, 'CBSD68', 'gt'))).sort().map((n, i) => ({
    gt: path.join(shared, 'CBSD68', 'gt', n),
    lq: async () => addGaussianNoise((await readImage(path.join(shared, 'CBSD68', 'gt', n))).image, 25 / 255, false, new Rng(`cbsd68-sigma25/${i}`)),
  }));
  const rain = (await fs.readdir(path.join(shared, 'Rain100L', 'gt'))).sort().map((n) => ({
    gt: path.join(shared, 'Rain100L', 'gt', n), lq: async () => (await readImage(path.join(shared, 'Rain100L', 'lq', n))).image,
  }));
  const sets = [{ name: 'CBSD68 sigma 25', pairs: cbsd }, { name: 'Rain100L', pairs: rain }];
  t = performance.now();
  const ePre = await evaluate(ft.checkpoint, sets);
  const eSc = await evaluate(sc.checkpoint, sets);
  const eScF = await evaluate(scF.checkpoint, sets);
  const tEval = secs(t);

  const avg = (e: Record<string, { psnr: number; ssim: number }>): { psnr: number; ssim: number } => ({ psnr: (e['CBSD68 sigma 25']!.psnr + e.Rain100L!.psnr) / 2, ssim: (e['CBSD68 sigma 25']!.ssim + e.Rain100L!.ssim) / 2 });
  console.log(`\nMaskDCPT bench (${arch}; pre-training batch ${preBatch} of ${prePatch}x${prePatch}, fine-tuning and scratch batch ${batch} of ${patch}x${patch}; wasm backend on ${os.cpus().length} cores)`);
  console.log(`pre-train ${P} steps: ${tPre}; fine-tune ${F} steps: ${tFt}; scratch ${P + F} steps: ${tSc}; scratch ${F} steps: ${tScF}; evaluation: ${tEval}; total ${secs(t0)}`);
  console.log(`classifier accuracy on the validation split: ${right}/${val.length} = ${((100 * right) / Math.max(1, val.length)).toFixed(1)}% (chance 20%)`);
  console.log('\n| arm | CBSD68 sigma 25 PSNR/SSIM | Rain100L PSNR/SSIM | average PSNR/SSIM |\n|---|---|---|---|');
  const arms = [[`MaskDCPT pre-train ${P} + fine-tune ${F}`, ePre], [`scratch ${P + F} (same total steps)`, eSc], [`scratch ${F} (same fine-tuning steps)`, eScF]] as const;
  for (const [name, e] of arms) {
    const a = avg(e);
    console.log(`| ${name} | ${e['CBSD68 sigma 25']!.psnr.toFixed(2)} / ${e['CBSD68 sigma 25']!.ssim.toFixed(4)} | ${e.Rain100L!.psnr.toFixed(2)} / ${e.Rain100L!.ssim.toFixed(4)} | ${a.psnr.toFixed(2)} / ${a.ssim.toFixed(4)} |`);
  }
  if (args.includes('--keep')) console.log(`\nkept: ${work}`);
  else await fs.rm(work, { recursive: true, force: true });
}

await main();
