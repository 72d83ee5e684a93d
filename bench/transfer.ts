/**
 * Synthetic-to-real transfer, part of bench:realism: a small CNN degradation classifier is trained on uir pairs built
 * from ../shared/data/Kodak24 (with `uir build-dataset`, at three photo scales: 0.65x, 1x, 1.4x), then asked what
 * the real degraded photographs of ../shared/data are. A clean class is included, so clean photos are not forced into
 * a type. The share of each real set it labels correctly measures how far uir's degradations are from real ones (a
 * network can only recognise real rain it has seen something like).
 *
 * The classifier: five 3x3 convolutions (16, 32, 64, 96, 128 channels, the last four with stride 2), ReLU, global mean
 * and standard deviation pooling, one linear layer; AdamW, cross-entropy, batches of 32 random 96x96 crops
 * with flips, classes drawn uniformly, half of the tiles JPEG-compressed as real photographs are; the input is RGB
 * and its luma's 3x3 high-pass (x4), where noise, streaks and blur show. An image is classified by the mean class
 * probabilities of a grid of up to 6 x 6 crops at its own resolution (the pixel scale the degradations live at).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '../src/model/optim.js';
import { ParamStore } from '../src/model/params.js';
import { readImage } from '../src/io/image-io.js';
import { ManifestStore } from '../src/manifest/store.js';
import { resolveStored } from '../src/manifest/queries.js';
import { Rng } from '../src/rng.js';

export const CLASSES = ['clean', 'noise', 'rain', 'raindrop', 'snow', 'haze', 'low-light', 'blur', 'moire'] as const;
type Cls = (typeof CLASSES)[number];

/** Operator -> class, with the levels trained on (the range real photographs fall in). */
const TRAIN_TYPES: { type: string; cls: Cls; levels: [number, number] }[] = [
  { type: 'noise', cls: 'noise', levels: [3, 14] }, { type: 'real-noise', cls: 'noise', levels: [2, 10] },
  { type: 'rain-streak', cls: 'rain', levels: [2, 12] }, { type: 'blur-rain', cls: 'rain', levels: [1, 10] }, { type: 'raindrop', cls: 'raindrop', levels: [2, 10] },
  { type: 'snow', cls: 'snow', levels: [2, 10] }, { type: 'haze', cls: 'haze', levels: [3, 12] },
  { type: 'low-light', cls: 'low-light', levels: [3, 12] }, { type: 'motion-blur', cls: 'blur', levels: [2, 12] },
  { type: 'defocus-blur', cls: 'blur', levels: [2, 10] }, { type: 'gaussian-blur', cls: 'blur', levels: [5, 12] },
  { type: 'moire', cls: 'moire', levels: [3, 10] },
];

/** The real sets asked about, and the class each should get. */
export const REAL_SETS: { set: string; cls: Cls; limit?: number }[] = [
  { set: 'real-rain/lq', cls: 'rain' }, { set: 'Rain100L/lq', cls: 'rain', limit: 40 }, { set: 'Rain-DDN-val/lq', cls: 'rain' },
  { set: 'real-noise/lq', cls: 'noise' }, { set: 'PolyU/lq', cls: 'noise', limit: 40 },
  { set: 'LOL-low/lq', cls: 'low-light' }, { set: 'real-lowlight/lq', cls: 'low-light' },
  { set: 'real-blur-Lai/lq', cls: 'blur' }, { set: 'Levin-blur/lq', cls: 'blur' },
  { set: 'SOTS-indoor/lq', cls: 'haze' }, { set: 'real-snow/lq', cls: 'snow' }, { set: 'real-raindrop/lq', cls: 'raindrop' },
  { set: 'real-moire/lq', cls: 'moire' },
  { set: 'CBSD68/gt', cls: 'clean', limit: 30 }, { set: 'Rain100L/gt', cls: 'clean', limit: 20 }, { set: 'PolyU/gt', cls: 'clean', limit: 20 },
];

const CROP = 96;
const WIDTHS = [4, 16, 32, 64, 96, 128];
const LAYERS = WIDTHS.length - 1;
interface Sample { bytes: Uint8Array; w: number; h: number }

/** Build the training pairs: Kodak24 at its size and at 0.65x, every type on every 256 px tile. */
async function buildTrainingSet(work: string, root: string, shared: string, log: (l: string) => void): Promise<Map<Cls, Sample[]>> {
  const src = path.join(work, 'src');
  await fs.mkdir(src, { recursive: true });
  for (const n of (await fs.readdir(path.join(shared, 'Kodak24', 'gt'))).sort()) {
    const f = path.join(shared, 'Kodak24', 'gt', n);
    await fs.copyFile(f, path.join(src, n));
    const m = await sharp(f).metadata();
    // photographs are not all as crisp as Kodak's scans: a downscaled (crisper) and an upscaled (softer) copy of each
    await sharp(f).resize(Math.round(m.width! * 0.65), Math.round(m.height! * 0.65), { kernel: 'lanczos3' }).png().toFile(path.join(src, `s65-${n}`));
    await sharp(f).resize(Math.round(m.width! * 1.4), Math.round(m.height! * 1.4), { kernel: 'cubic' }).png().toFile(path.join(src, `s140-${n}`));
  }
  const recipe = path.join(work, 'transfer.json');
  await fs.writeFile(recipe, JSON.stringify({
    name: 'transfer', seed: 11, crop: { mode: 'tile', size: 256, overlap: 0 }, pairsPerCrop: 'each', splits: { train: 1 },
    types: TRAIN_TYPES.map((t) => ({ type: t.type, levels: { from: t.levels[0], to: t.levels[1] } })),
  }));
  const data = path.join(work, 'data');
  const t0 = performance.now();
  execFileSync(process.execPath, [path.join(root, 'bin', 'uir.js'), 'build-dataset', '-r', recipe, '-s', `${src}/*.png`, '-o', data, '--progress', 'none'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const store = ManifestStore.openReader(data);
  const rows = store.queryPairs({});
  await store.close();
  const byClass = new Map<Cls, Sample[]>(CLASSES.map((c) => [c, []]));
  const gts = new Set<string>();
  // real photographs are JPEGs: half of the training tiles (clean ones too) pass a JPEG round trip at quality 60-95,
  // so that the probe does not take compression for a degradation (or its absence for one)
  const jr = new Rng('transfer-jpeg');
  const load = async (f: string): Promise<Sample> => {
    let img = sharp(f);
    if (jr.bool(0.5)) img = sharp(await img.jpeg({ quality: jr.int(60, 95), chromaSubsampling: '4:2:0' }).toBuffer());
    const { data: b, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { bytes: new Uint8Array(b.buffer, b.byteOffset, b.length), w: info.width, h: info.height };
  };
  for (const r of rows) {
    byClass.get(TRAIN_TYPES.find((t) => t.type === r.type)!.cls)!.push(await load(resolveStored(data, r.lq_path)));
    if (!gts.has(r.gt_path)) { gts.add(r.gt_path); byClass.get('clean')!.push(await load(resolveStored(data, r.gt_path))); }
  }
  log(`transfer: ${rows.length} uir pairs (+ ${gts.size} clean tiles) built from Kodak24 at three scales in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return byClass;
}

class Probe {
  readonly p = new ParamStore(new Rng('transfer-probe'));
  constructor() {
    for (let i = 0; i < LAYERS; i++) { this.p.uniform(`c${i}.w`, [3, 3, WIDTHS[i]!, WIDTHS[i + 1]!], WIDTHS[i]! * 9); this.p.constant(`c${i}.b`, [WIDTHS[i + 1]!], 0); }
    this.p.uniform('fc.w', [2 * WIDTHS[LAYERS]!, CLASSES.length], 2 * WIDTHS[LAYERS]!); this.p.constant('fc.b', [CLASSES.length], 0);
  }
  logits(x: tf.Tensor4D): tf.Tensor2D {
    const y = tf.mean(x, 3, true) as tf.Tensor4D;
    const hp = tf.mul(tf.sub(y, tf.avgPool(y, 3, 1, 'same')), 4) as tf.Tensor4D;
    let h: tf.Tensor4D = tf.concat([x, hp], 3) as tf.Tensor4D;
    for (let i = 0; i < LAYERS; i++) h = tf.relu(tf.add(tf.conv2d(h, this.p.get(`c${i}.w`) as tf.Tensor4D, i === 0 ? 1 : 2, 'same'), this.p.get(`c${i}.b`))) as tf.Tensor4D;
    const { mean, variance } = tf.moments(h, [1, 2]);
    const feat = tf.concat([mean, tf.sqrt(tf.add(variance, 1e-6))], 1) as tf.Tensor2D;
    return tf.add(tf.matMul(feat, this.p.get('fc.w') as tf.Tensor2D), this.p.get('fc.b')) as tf.Tensor2D;
  }
}

function cropOf(s: Sample, x0: number, y0: number, flip: number, out: Float32Array, at: number): void {
  for (let y = 0; y < CROP; y++) for (let x = 0; x < CROP; x++) {
    const sx = flip & 1 ? CROP - 1 - x : x, sy = flip & 2 ? CROP - 1 - y : y;
    const si = ((y0 + sy) * s.w + x0 + sx) * 3, di = at + (y * CROP + x) * 3;
    out[di] = s.bytes[si]! / 255; out[di + 1] = s.bytes[si + 1]! / 255; out[di + 2] = s.bytes[si + 2]! / 255;
  }
}

export interface TransferRow { set: string; cls: string; n: number; correct: number; labels: Record<string, number> }

export async function transferBenchmark(o: { work: string; root: string; shared: string; steps: number; log: (l: string) => void }): Promise<{ rows: TransferRow[]; trainSeconds: number; trainAccuracy: number }> {
  const byClass = await buildTrainingSet(o.work, o.root, o.shared, o.log);
  const net = new Probe();
  const opt = new AdamW(2e-3, { weightDecay: 1e-4 });
  const B = 32, r = new Rng('transfer-train');
  const t0 = performance.now();
  let recent: number[] = [];
  for (let step = 0; step < o.steps; step++) {
    const x = new Float32Array(B * CROP * CROP * 3), labels = new Int32Array(B);
    for (let i = 0; i < B; i++) {
      const c = r.int(0, CLASSES.length - 1), pool = byClass.get(CLASSES[c]!)!, s = pool[r.int(0, pool.length - 1)]!;
      labels[i] = c;
      cropOf(s, r.int(0, s.w - CROP), r.int(0, s.h - CROP), r.int(0, 3), x, i * CROP * CROP * 3);
    }
    const lr = 2e-3 * 0.5 * (1 + Math.cos((Math.PI * step) / o.steps));
    opt.lr = lr;
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const logits = net.logits(tf.tensor4d(x, [B, CROP, CROP, 3]));
      const acc = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')), 'float32'));
      recent.push(acc.dataSync()[0]!);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES.length), logits) as tf.Scalar;
    }));
    opt.apply(net.p.vars, grads);
    tf.dispose([value, ...Object.values(grads)]);
    if (recent.length > 100) recent = recent.slice(-100);
    if ((step + 1) % 200 === 0) o.log(`transfer: step ${step + 1}/${o.steps}, training accuracy (last 100 batches) ${(100 * recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(1)}%`);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const rows: TransferRow[] = [];
  for (const rs of REAL_SETS) {
    const dir = path.join(o.shared, rs.set);
    const names = (await fs.readdir(dir)).filter((n) => /\.(png|jpe?g|bmp|tif)$/i.test(n)).sort().slice(0, rs.limit);
    const row: TransferRow = { set: rs.set.replace(/\/(lq|gt)$/, (m) => (m === '/gt' ? ' (clean)' : '')), cls: rs.cls, n: 0, correct: 0, labels: {} };
    for (const n of names) {
      const { image } = await readImage(path.join(dir, n));
      const bytes = Uint8Array.from(image.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
      const s: Sample = { bytes, w: image.width, h: image.height };
      if (s.w < CROP || s.h < CROP) continue;
      const gx = Math.min(6, Math.floor(s.w / CROP)), gy = Math.min(6, Math.floor(s.h / CROP));
      const x = new Float32Array(gx * gy * CROP * CROP * 3);
      let k = 0;
      for (let j = 0; j < gy; j++) for (let i = 0; i < gx; i++) cropOf(s, gx === 1 ? 0 : Math.round((i * (s.w - CROP)) / (gx - 1)), gy === 1 ? 0 : Math.round((j * (s.h - CROP)) / (gy - 1)), 0, x, (k++) * CROP * CROP * 3);
      const t = tf.tidy(() => tf.mean(tf.softmax(net.logits(tf.tensor4d(x, [k, CROP, CROP, 3]))), 0));
      const lp = t.dataSync();
      t.dispose();
      const label = CLASSES[lp.indexOf(Math.max(...lp))]!;
      row.n++; if (label === rs.cls) row.correct++;
      row.labels[label] = (row.labels[label] ?? 0) + 1;
    }
    rows.push(row);
  }
  net.p.dispose(); opt.dispose();
  return { rows, trainSeconds, trainAccuracy: recent.reduce((a, b) => a + b, 0) / recent.length };
}
