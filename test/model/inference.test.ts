/**
 * Photos of any size: the memory estimate before every forward pass, the whole-image / tiles / crops policies, and
 * `uir classify`, `restore` and `eval` on real photographs from 1032x774 to 4000x3000 (made from ../shared/data by
 * upscaling) with nafnet-small and restormer-small checkpoints on the wasm backend.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/model/backend.js';
import { MaskDcpt, makeConfig } from '../../src/model/maskdcpt.js';
import { saveCheckpoint, loadCheckpoint } from '../../src/model/checkpoint.js';
import { planRestore, restoreImage, padReflect, blendTiles } from '../../src/model/restore.js';
import { classifyImage } from '../../src/model/classify.js';
import { bytesPerPixel, inferenceBudget, isWasmOom } from '../../src/model/memory.js';
import { readImage } from '../../src/io/image-io.js';
import { psnr } from '../../src/metrics/quality.js';
import { ROOT, SHARED, tempDir, uir } from '../helpers.js';

const CLASSES = ['haze', 'low-light', 'motion-blur', 'noise', 'rain-streak'];
let dir = '';
const ckpt: Record<string, string> = {};
/** Real photographs upscaled to the sizes users meet (a 1032x774 PNG and 720p frames crashed classify). */
const PHOTOS = [
  { name: 'p1280x720.png', src: 'Kodak24/gt/kodim03.png', w: 1280, h: 720 },
  { name: 'p1032x774.png', src: 'Kodak24/gt/kodim01.png', w: 1032, h: 774 },
  { name: 'p2000x1500.png', src: 'Kodak24/gt/kodim05.png', w: 2000, h: 1500 },
  { name: 'p4000x3000.png', src: 'Kodak24/gt/kodim13.png', w: 4000, h: 3000 },
];

/** A checkpoint with deterministic, non-trivial weights (NAFNet's beta/gamma are 0 at init, making blocks identities). */
async function makeCheckpoint(arch: string, file: string): Promise<void> {
  const m = new MaskDcpt(makeConfig(arch, CLASSES), 7);
  for (const [name, v] of m.variables()) if (/\.(beta|gamma)$/.test(name)) v.assign(tf.fill(v.shape, 0.3));
  await saveCheckpoint(file, m, null, { step: '0', train: JSON.stringify({ patch: 64 }) });
  m.dispose();
}

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir('uir-inference-');
  await fs.mkdir(path.join(dir, 'photos'));
  for (const p of PHOTOS) await sharp(path.join(SHARED, p.src)).resize(p.w, p.h, { fit: 'fill' }).png({ compressionLevel: 1 }).toFile(path.join(dir, 'photos', p.name));
  for (const arch of ['nafnet-small', 'restormer-small']) await makeCheckpoint(arch, (ckpt[arch] = path.join(dir, `${arch}.safetensors`)));
});

describe('lean inference pass', () => {
  it.each(['nafnet-tiny', 'restormer-tiny'])('%s: the lean forward gives the plain forward\'s outputs bit for bit, in a fraction of its memory', async (arch) => {
    const m = new MaskDcpt(makeConfig(arch, CLASSES), 3);
    for (const [name, v] of m.variables()) if (/\.(beta|gamma)$/.test(name)) v.assign(tf.fill(v.shape, 0.5));
    const x = tf.randomUniform([2, 64, 96, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const before = tf.memory().numBytes;
    const run = async (lean: boolean) => {
      let out: tf.Tensor[] = [];
      const prof = await tf.profile(() => { out = tf.tidy(() => { const r = m.forward(x, undefined, { lean }); return [r.recon, r.logits]; }); });
      const data = out.map((t) => Array.from(t.dataSync()));
      tf.dispose(out);
      return { peakBytes: prof.peakBytes, data };
    };
    const plain = await run(false), lean = await run(true);
    expect(tf.memory().numBytes).toBe(before);
    expect(lean.data).toEqual(plain.data);
    expect(lean.peakBytes - before).toBeLessThan(0.5 * (plain.peakBytes - before));
    m.dispose();
  });
});

describe('memory estimate and policies', () => {
  it('measures bytes per pixel once, and the estimate bounds what a whole-image pass really takes', async () => {
    const { model } = await loadCheckpoint(ckpt['nafnet-small']!);
    const perPixel = await bytesPerPixel(model, 'restore');
    expect(await bytesPerPixel(model, 'restore')).toBe(perPixel);
    const x = tf.randomUniform([1, 256, 384, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const before = tf.memory().numBytes;
    const prof = await tf.profile(() => { model.net.forward(x, undefined, { lean: true }).out.dispose(); });
    const real = (prof.peakBytes - before) / (256 * 384);
    expect(perPixel).toBeGreaterThanOrEqual(real);
    expect(perPixel).toBeLessThan(1.6 * real);
    model.dispose();
  });

  it('restores whole when the pass fits, in tiles when it does not, and --tile forces tiles', async () => {
    const { model } = await loadCheckpoint(ckpt['nafnet-small']!);
    const whole = await planRestore(model, 1032, 774);
    expect(whole).toMatchObject({ mode: 'whole', width: 1040, height: 784 });
    const big = await planRestore(model, 4000, 3000);
    expect(big.mode).toBe('tiles');
    if (big.mode === 'tiles') {
      expect(big.estimate).toBeLessThanOrEqual(inferenceBudget().bytes);
      expect(big.tile % 16).toBe(0);
    }
    expect(await planRestore(model, 1032, 774, { tile: 300 })).toMatchObject({ mode: 'tiles', tile: 288, overlap: 32 });
    await expect(planRestore(model, 1032, 774, { memoryLimit: 1024 ** 2 }, 'x.png')).rejects.toThrow(/^x\.png \(1032x774\): a \d+x\d+ tile needs about \d+ MiB, more than 1 MiB \(memoryLimit 1 MiB\); lower overlap, or raise memoryLimit/);
    await expect(planRestore(model, 1032, 774, { tile: 40 })).rejects.toThrow(/overlap 32: must be less than half the tile/);
    model.dispose();
  });

  it('cross-fades tiles that differ: no step between neighbouring pixels larger than a ramp step, each tile exact where it is alone', async () => {
    // tile k returns the constant 10 k everywhere: a hard seam would step by 10 k / 2 or more, the ramp by 10 / (16 + 1)
    const W = 200, H = 130, T = 96, overlap = 32;
    const seen: [number, number][] = [];
    const out = await blendTiles(W, H, T, overlap, async (x0, y0, w, h) => { seen.push([x0, y0]); return new Float32Array(w * h * 3).fill(10 * (seen.length - 1)); });
    expect(seen.length).toBeGreaterThan(4);
    let worstX = 0, worstY = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const v = out[(y * W + x) * 3]!;
      if (x > 0) worstX = Math.max(worstX, Math.abs(v - out[(y * W + x - 1) * 3]!));
      if (y > 0) worstY = Math.max(worstY, Math.abs(v - out[((y - 1) * W + x) * 3]!));
    }
    const cols = Math.ceil((W - overlap) / (T - overlap)); // tiles per row: a vertical neighbour differs by 10 x cols
    expect(worstX).toBeLessThanOrEqual(10 / (overlap / 2 + 1) + 1e-4);
    expect(worstY).toBeLessThanOrEqual((10 * cols) / (overlap / 2 + 1) + 1e-4);
    expect(out[0]).toBe(0); // the top-left corner belongs to the first tile alone
  });

  it('tiled restoration of an odd-sized image larger than a tile is seamless and close to the whole-image pass (the difference: channel attention pools per tile)', async () => {
    const { model } = await loadCheckpoint(ckpt['nafnet-small']!);
    const { image } = await readImage(path.join(SHARED, 'CBSD68/gt/101087.png')); // 321x481: padded to 336x496
    const whole = await restoreImage(model, image, await planRestore(model, image.width, image.height));
    const tiled = await restoreImage(model, image, await planRestore(model, image.width, image.height, { tile: 160, overlap: 32 }));
    expect([tiled.width, tiled.height, whole.width, whole.height]).toEqual([321, 481, 321, 481]);
    // by hand: the whole-image pass is one reflect-padded forward, cropped
    const W = 336, H = 496;
    const t = tf.tidy(() => model.net.forward(tf.tensor4d(padReflect(image, W, H), [1, H, W, 3]), undefined, { lean: true }).out);
    const direct = t.dataSync();
    t.dispose();
    let maxDiff = 0;
    for (let y = 0; y < 481; y++) for (let x = 0; x < 321; x++) for (let c = 0; c < 3; c++) {
      maxDiff = Math.max(maxDiff, Math.abs(whole.data[(y * 321 + x) * 3 + c]! - Math.min(1, Math.max(0, direct[(y * W + x) * 3 + c]!))));
    }
    expect(maxDiff).toBe(0);
    const p = psnr(tiled, whole);
    expect(p).toBeGreaterThan(40); // measured 55.9 dB with these weights
    expect(p).toBeLessThan(100); // not identical: a tile's channel attention sees its own mean
    model.dispose();
  });

  it('classifies a whole image that fits exactly as one whole-image forward, and a large one from a grid of crops', async () => {
    const { model } = await loadCheckpoint(ckpt['nafnet-small']!);
    const { image } = await readImage(path.join(dir, 'photos', 'p1032x774.png'));
    const r = await classifyImage(model, image, { crop: 64 });
    expect(r.policy).toEqual({ mode: 'whole', width: 1040, height: 784 });
    const t = tf.tidy(() => tf.softmax(model.forward(tf.tensor4d(padReflect(image, 1040, 784), [1, 784, 1040, 3]), undefined, { lean: true }).logits));
    const direct = t.dataSync();
    t.dispose();
    expect(Array.from(r.probs)).toEqual(Array.from(direct));
    const crops = await classifyImage(model, image, { crop: 64, memoryLimit: 64 * 1024 ** 2 });
    expect(crops.policy).toMatchObject({ mode: 'crops', crop: 64, grid: [4, 4], crops: 16 });
    expect(crops.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    model.dispose();
  });

  it('a real wasm out-of-memory inside the forward pass is a one-line error naming the image, its size and what to lower', async () => {
    // a child process: the heap is filled with 3.5 GiB of ballast, then a plan that skips the estimate runs whole
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import { selectBackend } from '${path.join(ROOT, 'dist/src/model/backend.js')}';
      import { loadCheckpoint } from '${path.join(ROOT, 'dist/src/model/checkpoint.js')}';
      import { restoreImage } from '${path.join(ROOT, 'dist/src/model/restore.js')}';
      import { readImage } from '${path.join(ROOT, 'dist/src/io/image-io.js')}';
      await selectBackend('wasm');
      const { model } = await loadCheckpoint(${JSON.stringify(ckpt['nafnet-small'])});
      const { image } = await readImage(${JSON.stringify(path.join(dir, 'photos', 'p1032x774.png'))});
      const ballast = tf.zeros([3.5 * 2 ** 30 / 4]);
      try { await restoreImage(model, image, { mode: 'whole', width: 1040, height: 784, estimate: 0, budget: 0 }, 'p1032x774.png'); console.log('no error'); }
      catch (e) { console.log(e.name + ': ' + e.message); }`;
    const file = path.join(ROOT, 'dist', `oom-probe-${process.pid}.mjs`);
    await fs.writeFile(file, script);
    try {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n').pop();
      expect(out).toMatch(/^ResourceError: p1032x774\.png \(1032x774\): ran out of memory in the forward pass on the wasm backend; lower tile/);
    } finally { await fs.rm(file, { force: true }); }
    expect(isWasmOom(new Error('Aborted()'))).toBe(true);
    expect(isWasmOom(new Error('no such file'))).toBe(false);
  });
});

describe('uir classify / restore / eval on large photographs', () => {
  it.each(['nafnet-small', 'restormer-small'])('%s: classify every size without a crash, whole when it fits, crops when not; --json reports the policy', async (arch) => {
    const r = await uir(['classify', '--model', ckpt[arch]!, path.join(dir, 'photos'), '--json', '--backend', 'wasm', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; width: number; height: number; predictions: { type: string; p: number }[]; policy: { mode: string } }[];
    expect(out.map((o) => path.basename(o.file)).sort()).toEqual(PHOTOS.map((p) => p.name).sort());
    for (const o of out) {
      const p = PHOTOS.find((q) => o.file.endsWith(q.name))!;
      expect([o.width, o.height]).toEqual([p.w, p.h]);
      expect(o.predictions).toHaveLength(3);
      expect(o.predictions.every((x) => CLASSES.includes(x.type) && x.p >= 0 && x.p <= 1)).toBe(true);
    }
    const mode = (n: string): string => out.find((o) => o.file.endsWith(n))!.policy.mode;
    expect(mode('p4000x3000.png')).toBe('crops');
    if (arch === 'nafnet-small') expect(mode('p1032x774.png')).toBe('whole');
  });

  it('nafnet-small: restores all four sizes to images of the right size (4000x3000 in tiles, printed once)', async () => {
    const out = path.join(dir, 'restored-nafnet');
    const r = await uir(['restore', '--model', ckpt['nafnet-small']!, path.join(dir, 'photos'), '-o', out, '--backend', 'wasm', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    // the policy is told once per tile size: the 2000x1500 and 4000x3000 photos share it
    expect(r.stderr.match(/restore: p(2000x1500|4000x3000)\.png: \d+ tiles of 1024x1024 px with 32 px overlap, blended/g)).toHaveLength(1);
    for (const p of PHOTOS) {
      const m = await sharp(path.join(out, p.name)).metadata();
      expect([m.width, m.height], p.name).toEqual([p.w, p.h]);
    }
  });

  it('restormer-small: restores 720p and 1032x774 photos (tiled: a whole pass of Restormer needs ~28 KB a pixel)', async () => {
    const small = path.join(dir, 'small');
    await fs.mkdir(small, { recursive: true });
    for (const n of ['p1280x720.png', 'p1032x774.png']) await fs.copyFile(path.join(dir, 'photos', n), path.join(small, n));
    const out = path.join(dir, 'restored-restormer');
    const r = await uir(['restore', '--model', ckpt['restormer-small']!, small, '-o', out, '--backend', 'wasm', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    for (const n of ['p1280x720.png', 'p1032x774.png']) expect((await sharp(path.join(out, n)).metadata()).width).toBe(Number(n.slice(1, n.indexOf('x'))));
  });

  it('eval --model scores whole images by default (the paper\'s protocol), greyscale, 16-bit and rotated inputs included', async () => {
    const lq = path.join(dir, 'eval-lq'), gt = path.join(dir, 'eval-gt');
    await fs.mkdir(lq); await fs.mkdir(gt);
    const src = path.join(SHARED, 'CBSD68/gt/101087.png');
    await sharp(src).greyscale().png().toFile(path.join(lq, 'grey.png'));
    await sharp(src).greyscale().png().toFile(path.join(gt, 'grey.png'));
    await sharp(src).resize(333, 211, { fit: 'fill' }).toColourspace('rgb16').png().toFile(path.join(lq, 'odd16.png'));
    await sharp(src).resize(333, 211, { fit: 'fill' }).png().toFile(path.join(gt, 'odd16.png'));
    await sharp(src).rotate(90).jpeg({ quality: 95 }).toFile(path.join(gt, 'rot.jpg'));
    await sharp(src).jpeg({ quality: 60 }).withMetadata({ orientation: 6 }).toFile(path.join(lq, 'rot.jpg'));
    await fs.copyFile(path.join(dir, 'photos', 'p1280x720.png'), path.join(lq, 'frame.png'));
    await fs.copyFile(path.join(dir, 'photos', 'p1280x720.png'), path.join(gt, 'frame.png'));
    const r = await uir(['eval', '--model', ckpt['nafnet-small']!, '--lq', lq, '--gt', gt, '--json', '--backend', 'wasm', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { rows: { n: number; psnr: number }[] };
    expect(j.rows[0]!.n).toBe(4);
    expect(Number.isFinite(j.rows[0]!.psnr)).toBe(true);
    expect(r.stderr).toMatch(/eval: .*: whole image/);
    expect(r.stderr).not.toMatch(/tiles/);
  });

  it('a tiny --memory-limit is a one-line error naming the image, its size and what to lower (exit 6)', async () => {
    const f = path.join(dir, 'photos', 'p1032x774.png');
    for (const cmd of [['classify', f], ['restore', f, '-o', path.join(dir, 'never.png')]]) {
      const r = await uir([...cmd, '--model', ckpt['nafnet-small']!, '--memory-limit', '1MiB', '--backend', 'wasm']);
      expect(r.code).toBe(6);
      const last = r.stderr.trim().split('\n').pop()!;
      expect(last).toMatch(/^uir: .*p1032x774\.png \(1032x774\): .* needs about \d+ MiB, more than 1 MiB .*raise --memory-limit/);
    }
    const bad = await uir(['restore', f, '-o', path.join(dir, 'never.png'), '--model', ckpt['nafnet-small']!, '--memory-limit', 'lots']);
    expect(bad.stderr.trim()).toBe('uir: --memory-limit: expected a size such as 2GiB or 512MiB, received "lots"');
    await expect(fs.stat(path.join(dir, 'never.png'))).rejects.toThrow();
  });
});
