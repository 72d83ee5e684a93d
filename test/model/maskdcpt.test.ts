/** MaskDCPT: mask geometry, no leakage from hidden pixels, training steps, checkpoints and exact resume. */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/model/backend.js';
import { randomPatchMask, maskTensor } from '../../src/model/mask.js';
import { MaskDcpt, makeConfig, focalLoss, maskdcptLoss, makeMasker } from '../../src/model/maskdcpt.js';
import { train } from '../../src/model/train.js';
import { saveCheckpoint, loadCheckpoint } from '../../src/model/checkpoint.js';
import { Rng } from '../../src/rng.js';
import { ROOT, tempDir, uir } from '../helpers.js';

let data = '';
beforeAll(async () => {
  await selectBackend('wasm');
  data = path.join(await tempDir(), 'data');
  const r = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', data, '--progress', 'none']);
  expect(r.code, r.stderr).toBe(0);
});

describe('masks', () => {
  it('hide exactly the ratio of 16x16 patches per sample, with the same cells at every level', () => {
    const m = randomPatchMask(new Rng(1), 3, 64, 96, 16, 0.5);
    expect([m.rows, m.cols]).toEqual([4, 6]);
    for (let s = 0; s < 3; s++) expect(m.visible.subarray(s * 24, s * 24 + 24).reduce((a, b) => a + b, 0)).toBe(12);
    const l0 = maskTensor(m, 0), l2 = maskTensor(m, 2);
    expect(l0.shape).toEqual([3, 64, 96, 1]);
    expect(l2.shape).toEqual([3, 16, 24, 1]);
    const a0 = l0.arraySync() as number[][][][], a2 = l2.arraySync() as number[][][][];
    for (let s = 0; s < 3; s++) for (let y = 0; y < 64; y++) for (let x = 0; x < 96; x++) {
      expect(a0[s]![y]![x]![0]).toBe(m.visible[s * 24 + Math.floor(y / 16) * 6 + Math.floor(x / 16)]);
      expect(a2[s]![y >> 2]![x >> 2]![0]).toBe(a0[s]![y]![x]![0]);
    }
    expect(randomPatchMask(new Rng(2), 1, 32, 32, 16, 0.75).visible.reduce((a, b) => a + b, 0)).toBe(1);
    expect(() => randomPatchMask(new Rng(1), 1, 40, 32)).toThrow(/not a multiple of the mask patch 16/);
  });
});

describe('masked encoder', () => {
  it.each([['nafnet-tiny', 5], ['restormer-tiny', 4]] as const)('%s: no visible-position feature changes when pixels inside hidden patches change', (arch, blocks) => {
    tf.setBackend('wasm');
    const model = new MaskDcpt(makeConfig(arch, ['a', 'b']), 5);
    for (const [name, v] of model.variables()) if (/\.(beta|gamma)$/.test(name)) v.assign(tf.fill(v.shape, 0.5));
    const mask = randomPatchMask(new Rng(3), 2, 64, 64);
    const base = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const m0 = maskTensor(mask, 0);
    // replace every hidden pixel by different random values
    const other = tf.add(tf.mul(base, m0), tf.mul(tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 8), tf.sub(1, m0))) as tf.Tensor4D;
    const a = model.encode(base, mask), b = model.encode(other, mask);
    expect(a.blocks.length).toBe(b.blocks.length);
    let compared = 0;
    a.blocks.forEach((fa, i) => {
      const diff = tf.max(tf.abs(a.masker!(tf.sub(fa, b.blocks[i]!) as tf.Tensor4D))).dataSync()[0]!;
      expect(diff, `block ${i}`).toBe(0);
      compared++;
    });
    expect(compared).toBe(blocks);
    // and hidden pixels did change the input
    expect(tf.max(tf.abs(tf.sub(base, other))).dataSync()[0]).toBeGreaterThan(0.1);
    model.dispose();
  });

  it('the masked L1 is the mean error over visible pixels, blind to the clean image inside hidden patches', () => {
    tf.setBackend('wasm');
    const model = new MaskDcpt(makeConfig('nafnet-tiny', ['a', 'b']), 2);
    const mask = randomPatchMask(new Rng(4), 2, 32, 32);
    const lq = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const gt = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const m0 = maskTensor(mask, 0);
    const gt2 = tf.add(tf.mul(gt, m0), tf.mul(tf.fill([2, 32, 32, 3], 0.9), tf.sub(1, m0))) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1], 'int32');
    const a = maskdcptLoss(model, lq, gt, labels, mask).l1.dataSync()[0]!;
    const b = maskdcptLoss(model, lq, gt2, labels, mask).l1.dataSync()[0]!;
    expect(b).toBeCloseTo(a, 6);
    // by hand: the reconstruction, the clean image and the cell grid read back as plain arrays
    const r = model.forward(lq, mask).recon.dataSync(), g = gt.dataSync();
    let sum = 0, count = 0;
    for (let s = 0; s < 2; s++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      if (!mask.visible[s * 4 + (y >> 4) * 2 + (x >> 4)]) continue;
      for (let c = 0; c < 3; c++) { const i = ((s * 32 + y) * 32 + x) * 3 + c; sum += Math.abs(r[i]! - g[i]!); count++; }
    }
    expect(count).toBe(2 * 2 * 16 * 16 * 3);
    expect(a).toBeCloseTo(sum / count, 5);
    // unmasked (fine-tuning): the plain mean over every pixel
    const full = maskdcptLoss(model, lq, gt, labels).l1.dataSync()[0]!;
    expect(full).toBeCloseTo(tf.mean(tf.abs(tf.sub(model.forward(lq).recon, gt))).dataSync()[0]!, 6);
    model.dispose();
  });

  it('global pooling under a mask averages the visible positions only', () => {
    // one sample, 2x2, one channel pair; visible: top-left and bottom-right
    const m = tf.tensor4d([1, 0, 0, 1], [1, 2, 2, 1]);
    const x = tf.tensor4d([1, 10, 100, 1000, 1000, 100, 10, 1].map((v, i) => (i % 2 ? -v : v)), [1, 2, 2, 2]);
    const masker = makeMasker(new Map([[2, m]]));
    expect(Array.from(masker.mean(x).dataSync())).toEqual([(1 + 10) / 2, -(10 + 1) / 2]);
    expect(Array.from(masker(x).dataSync())).toEqual([1, -10, 0, -0, 0, -0, 10, -1]);
  });

  it('focal loss equals the hand-computed value', () => {
    // logits [0, ln 3]: p = [1/4, 3/4]; label 1 -> -(1/4)^2 ln(3/4)
    const v = focalLoss(tf.tensor2d([[0, Math.log(3)]]), tf.tensor1d([1], 'int32')).dataSync()[0]!;
    expect(v).toBeCloseTo(-(0.25 ** 2) * Math.log(0.75), 6);
  });
});

describe('training', () => {
  it('trains a step on the wasm backend, saves, loads to identical outputs, and resumes the same loss curve', async () => {
    const base = await tempDir();
    const opts = { data, arch: 'nafnet-tiny', batch: 2, patch: 32, seed: 3, split: 'train' as const, lrEncoder: 3e-4, lrDecoder: 1e-4, ckptEvery: 2, backend: 'wasm' as const, maskRatio: 0.5, maskPatch: 16, progress: 'none' as const, resume: false };
    const straight = path.join(base, 'straight');
    const r = await train({ ...opts, out: straight, steps: 4 });
    expect(Number.isFinite(r.loss)).toBe(true);
    // the first step's losses are what an untrained network gives: the focal loss of near-uniform logits over the
    // 5 types, -(1 - 1/5)^2 ln(1/5) = 1.03 (measured 0.46 with these seeds: the logits are not quite uniform), and an L1 of the order of the inputs' own error (the blocks start as identities)
    const first = JSON.parse((await fs.readFile(path.join(straight, 'metrics.jsonl'), 'utf8')).split('\n')[0]!) as { l1: number; focal: number; loss: number };
    expect(first.focal).toBeGreaterThan(0.3);
    expect(first.focal).toBeLessThan(1.6);
    expect(first.l1).toBeGreaterThan(0.01);
    expect(first.l1).toBeLessThan(0.5);
    expect(first.loss).toBeCloseTo(first.l1 + first.focal, 5);
    const split = path.join(base, 'split');
    await train({ ...opts, out: split, steps: 2 });
    await train({ ...opts, out: split, steps: 4, resume: true });
    const read = async (d: string) => (await fs.readFile(path.join(d, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });
    const a = await read(straight), b = await read(split);
    expect(b.map((x) => x.step)).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < 4; i++) expect(b[i]!.loss, `step ${i + 1}`).toBe(a[i]!.loss);

    // save -> load -> identical outputs
    const { model } = await loadCheckpoint(path.join(straight, 'ckpt-0000004.safetensors'));
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const before = model.forward(x);
    const file = path.join(base, 'copy.safetensors');
    await saveCheckpoint(file, model, null, { step: '4' });
    const again = (await loadCheckpoint(file)).model.forward(x);
    expect(Array.from(again.recon.dataSync())).toEqual(Array.from(before.recon.dataSync()));
    expect(Array.from(again.logits.dataSync())).toEqual(Array.from(before.logits.dataSync()));
    await expect(loadCheckpoint(file, { arch: 'nafnet-small' })).rejects.toThrow(/architecture 'nafnet-tiny', not 'nafnet-small'/);
    await expect(loadCheckpoint(file, { classes: ['haze'] })).rejects.toThrow(/classes .* do not match/);

    // the curves as a PNG
    const plot = await uir(['plot', straight]);
    expect(plot.stdout).toMatch(/4 points -> .*curves\.png/);
    const { default: sharp } = await import('sharp');
    expect((await sharp(path.join(straight, 'curves.png')).metadata()).width).toBe(900);
  });

  it('fine-tunes with an EMA that warms up: after one update it is (2/11) initial + (9/11) updated weights', async () => {
    const base = await tempDir();
    const pre = await train({ data, arch: 'nafnet-tiny', batch: 2, patch: 32, seed: 4, split: 'train' as const, lrEncoder: 3e-4, lrDecoder: 1e-4, ckptEvery: 100, backend: 'wasm', maskRatio: 0.5, maskPatch: 16, progress: 'none', resume: false, out: path.join(base, 'pre'), steps: 1 });
    const ft = await train({ data, arch: 'nafnet-tiny', batch: 2, patch: 32, seed: 4, split: 'train' as const, lrEncoder: 3e-4, lrDecoder: 3e-4, ckptEvery: 100, backend: 'wasm', maskRatio: 0.5, maskPatch: 16, progress: 'none', resume: false, out: path.join(base, 'ft'), steps: 1, objective: 'finetune', init: pre.checkpoint, ema: 0.999 });
    const init = (await loadCheckpoint(pre.checkpoint)).tensors, after = (await loadCheckpoint(ft.checkpoint)).tensors;
    const name = 'intro.weight';
    const w0 = init.get(name)!.data, w1 = after.get(name)!.data, e = after.get(`ema.${name}`)!.data;
    let moved = 0;
    for (let i = 0; i < w0.length; i++) {
      moved = Math.max(moved, Math.abs(w1[i]! - w0[i]!));
      expect(e[i]!).toBeCloseTo((2 / 11) * w0[i]! + (9 / 11) * w1[i]!, 6);
    }
    expect(moved).toBeGreaterThan(1e-5); // the step changed the weights, so the mix is not trivially equal
  });

  it('trains the Restormer encoder a step on the wasm backend, and its checkpoint loads to identical outputs', async () => {
    const out = path.join(await tempDir(), 'restormer');
    const r = await train({ data, arch: 'restormer-tiny', batch: 2, patch: 32, seed: 1, split: 'train' as const, lrEncoder: 3e-4, lrDecoder: 1e-4, ckptEvery: 100, backend: 'wasm', maskRatio: 0.5, maskPatch: 16, progress: 'none', resume: false, out, steps: 2 });
    expect(Number.isFinite(r.loss)).toBe(true);
    const file = path.join(out, 'ckpt-0000002.safetensors');
    const a = (await loadCheckpoint(file)).model, b = (await loadCheckpoint(file)).model;
    expect(a.config.net.family).toBe('restormer');
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    expect(Array.from(b.forward(x).recon.dataSync())).toEqual(Array.from(a.forward(x).recon.dataSync()));
    // PyTorch Restormer names
    expect([...a.net.params.vars.keys()]).toContain('encoder_level1.0.attn.qkv_dwconv.weight');
    expect([...a.net.params.vars.keys()]).toContain('refinement.0.ffn.project_out.weight');
    await expect(loadCheckpoint(file, { arch: 'nafnet-tiny' })).rejects.toThrow(/architecture 'restormer-tiny', not 'nafnet-tiny'/);
  });

  it('--resume takes --patch, --batch, --seed and the mask settings from the checkpoint; a flag that disagrees is an error', async () => {
    const base = await tempDir();
    const opts = { data, arch: 'nafnet-tiny', split: 'train' as const, lrEncoder: 3e-4, lrDecoder: 1e-4, ckptEvery: 2, backend: 'wasm' as const, progress: 'none' as const, resume: false };
    const run = { batch: 2, patch: 32, seed: 5, maskRatio: 0.75, maskPatch: 8 };
    const straight = path.join(base, 'straight'), split = path.join(base, 'split');
    await train({ ...opts, ...run, out: straight, steps: 4 });
    await train({ ...opts, ...run, out: split, steps: 2 });
    // no run flags at all: before the fix this resumed with the defaults (ratio 0.5, patch 16 masks, 64 px crops)
    await train({ ...opts, out: split, steps: 4, resume: true });
    const read = async (d: string) => (await fs.readFile(path.join(d, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { loss: number }).loss);
    expect(await read(split)).toEqual(await read(straight));
    const meta = (await loadCheckpoint(path.join(split, 'ckpt-0000004.safetensors'))).meta;
    // the whole configuration that defines the run is recorded; where it ran and how it was shown are not
    const recorded = JSON.parse(meta.train!) as Record<string, unknown>;
    expect(recorded).toMatchObject({ ...run, objective: 'pretrain', arch: 'nafnet-tiny', split: 'train', lrEncoder: 3e-4, lrDecoder: 1e-4, balance: false });
    for (const k of ['data', 'out', 'resume', 'backend', 'progress']) expect(recorded).not.toHaveProperty(k);
    await expect(train({ ...opts, out: split, steps: 6, resume: true, objective: 'finetune', init: path.join(split, 'ckpt-0000004.safetensors') })).rejects.toThrow(/^resume: .*ckpt-0000004\.safetensors is a pre-training run; continue it with `uir train`/);
    await expect(train({ ...opts, out: split, steps: 6, resume: true, maskRatio: 0.5 })).rejects.toThrow(/^maskRatio 0\.5: resume continues a run trained with maskRatio 0\.75 /);
    await expect(train({ ...opts, out: split, steps: 6, resume: true, patch: 64 })).rejects.toThrow(/^patch 64: resume continues a run trained with patch 32 /);
    const cli = await uir(['train', '--data', data, '-o', split, '--arch', 'nafnet-tiny', '--steps', '6', '--resume', '--mask-patch', '16', '--backend', 'wasm', '--progress', 'none']);
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n').pop()).toMatch(/^uir: --mask-patch 16: --resume continues a run trained with --mask-patch 8 \(.*ckpt-0000004\.safetensors\); drop the setting/);
  });

  it('NAFNet\'s LayerNorm epsilon is part of the stored config: 1e-5 (MaskDCPT\'s NAFNetBaseline) for new models, 1e-6 kept by older checkpoints', async () => {
    const fresh = new MaskDcpt(makeConfig('nafnet-tiny', ['a', 'b']), 1);
    expect(fresh.config.net).toMatchObject({ eps: 1e-5 });
    expect((fresh.net as unknown as { eps: number }).eps).toBe(1e-5);
    for (const [name, v] of fresh.variables()) if (/\.(beta|gamma)$/.test(name)) v.assign(tf.fill(v.shape, 0.5));
    const file = path.join(await tempDir(), 'old.safetensors');
    // an older checkpoint: the same weights, its config written before eps was recorded
    const legacy = { ...fresh.config, net: { ...fresh.config.net } };
    delete (legacy.net as { eps?: number }).eps;
    const { saveSafetensors } = await import('../../src/model/safetensors.js');
    await saveSafetensors(file, new Map([...fresh.variables()].map(([n, v]) => [n, { shape: v.shape, data: v.dataSync() as Float32Array }])), { format: 'uir-maskdcpt', config: JSON.stringify(legacy), step: '0' });
    const old = (await loadCheckpoint(file)).model;
    expect((old.net as unknown as { eps: number }).eps).toBe(1e-6);
    // near-constant features make the epsilon visible
    const x = tf.add(tf.mul(tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 3), 1e-3), 0.5) as tf.Tensor4D;
    const a = fresh.forward(x).recon.dataSync(), b = old.forward(x).recon.dataSync();
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    expect(diff).toBeGreaterThan(1e-6);
    // and a checkpoint of the new model keeps 1e-5
    const again = path.join(path.dirname(file), 'new.safetensors');
    await saveCheckpoint(again, fresh, null, { step: '0' });
    expect((await loadCheckpoint(again)).model.config.net).toMatchObject({ eps: 1e-5 });
  });

  it('refuses a patch larger than the images, a split without pairs, and unknown repeat types, in one line', async () => {
    const out = await tempDir();
    const big = await uir(['train', '-m', data, '-o', out, '--arch', 'nafnet-tiny', '--steps', '1', '--patch', '512', '--backend', 'wasm', '--progress', 'none']);
    expect(big.stderr.trim().split('\n').pop()).toMatch(/--patch 512 is larger than a 256x256 image/);
    const none = await uir(['train', '-m', data, '-o', out, '--arch', 'nafnet-tiny', '--steps', '1', '--split', 'test', '--backend', 'wasm', '--progress', 'none']);
    expect(none.stderr).toMatch(/no done pairs in split 'test'/);
    const rep = await uir(['train', '-m', data, '-o', out, '--arch', 'nafnet-tiny', '--steps', '1', '--repeat', 'snow=3', '--backend', 'wasm', '--progress', 'none']);
    expect(rep.stderr).toMatch(/--repeat: type 'snow' is not in the selected pairs/);
  });
});
