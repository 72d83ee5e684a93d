/**
 * Synthetic-to-real transfer, part of bench:realism: a degradation classifier is trained on uir pairs built from
 * ../shared/data/Kodak24 (with `uir build-dataset`, at three photo scales: 0.65x, 1x, 1.4x; the noise types also on
 * soft, dark and close-up copies, see writeSources), then asked what the real degraded photographs of ../shared/data are. A
 * clean class is included, so clean photos are not forced into a type.
 * The share of each real set it labels correctly measures how far uir's degradations are from real ones (a classifier
 * can only recognise real rain it has seen something like).
 *
 * The classifier (the cheaper kind the issue allows): the distortion-identifying statistics of transfer-features.ts
 * (BRISQUE/DIIVINE-style natural-scene statistics at three scales, brightness, dark channel, streak correlation,
 * oriented band energies of the spectrum) of 128 px crops, standardised, into a one-hidden-layer MLP (256 units;
 * AdamW, cross-entropy, classes drawn uniformly).
 * Real photographs are JPEGs with some camera noise, and some are greyscale: half of the training tiles (clean ones
 * too) pass a JPEG round trip at quality 60-95, a third of the non-noise ones real-noise's weakest level, a tenth lose
 * their colour, so that none of these is taken for a degradation or its absence. An image is classified by the mean
 * class probabilities of a grid of up to 6 x 6 crops at its own resolution (the pixel scale the degradations live at).
 * The MLP is trained several times on the same statistics (other initialisations and batches: one draw moves a class
 * by about 5 points), and the shares reported are the mean over those draws, with their range.
 * A matched-scene control (CONTROL_SETS) asks the same probe about uir's degradations on the paired real sets' own
 * clean images, at each pair's strength.
 * A CNN probe (five convolutions on 96 px crops, 2500 steps, 10 min) scored lower on rain, noise and blur; see
 * docs/benchmarks.md.
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
import type { PairRow } from '../src/manifest/db.js';
import { Rng } from '../src/rng.js';
import { degrade } from '../src/degrade.js';
import { getOperator } from '../src/degradations/index.js';
import { imageFromBytes, toUint8, type Image } from '../src/image.js';
import { renderRainOfFamily, type RainFamily } from '../src/degradations/rain-streak.js';
import { psnr } from '../src/metrics/quality.js';
import { cropFeatures, type Sample } from './transfer-features.js';

export const CLASSES = ['clean', 'noise', 'rain', 'raindrop', 'snow', 'haze', 'low-light', 'blur', 'moire'] as const;
type Cls = (typeof CLASSES)[number];

/**
 * Operator -> class, with the levels trained on (the range real photographs fall in). Mixed types stay out: blur-rain
 * (motion blur under rain) in the rain class had the probe take blurred photographs (Levin-blur) for rain.
 */
const TRAIN_TYPES: { type: string; cls: Cls; levels: [number, number] }[] = [
  { type: 'noise', cls: 'noise', levels: [2, 14] }, { type: 'real-noise', cls: 'noise', levels: [2, 10] },
  { type: 'rain-streak', cls: 'rain', levels: [2, 12] }, { type: 'raindrop', cls: 'raindrop', levels: [2, 10] },
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

/**
 * The matched-scene control: the paired real sets' own clean images degraded by uir (each at the level whose PSNR on
 * that clean image is nearest the real pair's; rain in the family the set is made of, as bench:realism's rain table
 * matches them) and asked as the real photographs are. Where the probe finds uir's degradation on the same scenes at
 * the same strength far more often than the real one, the two differ in a way the probe sees; where it finds both
 * about as often, what it misses is the scenes' difficulty, not the synthesis'.
 */
export const CONTROL_SETS: { set: string; type: string; cls: Cls; limit?: number; family?: RainFamily }[] = [
  { set: 'PolyU', type: 'real-noise', cls: 'noise', limit: 40 }, { set: 'Rain100L', type: 'rain-streak', cls: 'rain', limit: 40, family: 'light' },
  { set: 'Rain-DDN-val', type: 'rain-streak', cls: 'rain', family: 'dense' }, { set: 'Levin-blur', type: 'motion-blur', cls: 'blur' },
  { set: 'SOTS-indoor', type: 'haze', cls: 'haze' },
];

/**
 * Write the training sources: Kodak24 at 0.65x, 1x and 1.4x (photographs are not all as crisp as Kodak's scans: a
 * downscaled, crisper and an upscaled, softer copy), and for the noise class also soft (Gaussian sigma 1.5 and 3), dark
 * (values x0.7, about half the exposure) and close-up (the middle of a 2.5x enlargement, bright and dark) copies:
 * noisy photographs are mostly of dim scenes (high ISO), often soft (shallow depth of field, the camera's own noise
 * reduction) and often close-ups whose surfaces are smooth at the pixel scale (PolyU's and SIDD's objects on a desk),
 * which Kodak's crisp, well-exposed landscapes alone do not show (PolyU's were taken for low light, raindrops, blur or
 * clean). They are not clean tiles: a soft clean photograph is blur's, a dark one low light's.
 */
async function writeSources(shared: string, src: string, noiseSrc: string): Promise<void> {
  await fs.mkdir(src, { recursive: true });
  await fs.mkdir(noiseSrc, { recursive: true });
  for (const n of (await fs.readdir(path.join(shared, 'Kodak24', 'gt'))).sort()) {
    const f = path.join(shared, 'Kodak24', 'gt', n), to = (p: string): string => path.join(noiseSrc, `${p}-${n}`);
    await fs.copyFile(f, path.join(src, n));
    const { width: w, height: h } = await sharp(f).metadata() as { width: number; height: number };
    await sharp(f).resize(Math.round(w * 0.65), Math.round(h * 0.65), { kernel: 'lanczos3' }).png().toFile(path.join(src, `s65-${n}`));
    await sharp(f).resize(Math.round(w * 1.4), Math.round(h * 1.4), { kernel: 'cubic' }).png().toFile(path.join(src, `s140-${n}`));
    const soft = await sharp(f).blur(1.5).png().toBuffer();
    await fs.writeFile(to('soft1.5'), soft);
    await sharp(f).blur(3).png().toFile(to('soft3'));
    await sharp(f).linear(0.7, 0).png().toFile(to('dark'));
    await sharp(soft).linear(0.7, 0).png().toFile(to('dark-soft1.5'));
    const W = Math.round(w * 2.5), H = Math.round(h * 2.5);
    const close = await sharp(f).resize(W, H, { kernel: 'cubic' }).extract({ left: (W - w) >> 1, top: (H - h) >> 1, width: w, height: h }).png().toBuffer();
    await fs.writeFile(to('close'), close);
    await sharp(close).linear(0.7, 0).png().toFile(to('close-dark'));
  }
}

/** `uir build-dataset` of every 256 px tile of the sources with each of the types (a build there with the same recipe is resumed). */
async function buildPairs(root: string, dir: string, src: string, types: typeof TRAIN_TYPES): Promise<PairRow[]> {
  const recipe = path.join(dir, 'recipe.json'), data = path.join(dir, 'data');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(recipe, JSON.stringify({
    name: 'transfer', seed: 11, crop: { mode: 'tile', size: 256, overlap: 0 }, pairsPerCrop: 'each', splits: { train: 1 },
    types: types.map((t) => ({ type: t.type, levels: { from: t.levels[0], to: t.levels[1] } })),
  }));
  execFileSync(process.execPath, [path.join(root, 'bin', 'uir.js'), 'build-dataset', '-r', recipe, '-s', `${src}/*.png`, '-o', data, '--progress', 'none'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const store = ManifestStore.openReader(data);
  const rows = store.queryPairs({}).map((r) => ({ ...r, lq_path: resolveStored(data, r.lq_path), gt_path: resolveStored(data, r.gt_path) }));
  await store.close();
  return rows;
}

/** Build the training pairs: every type on every tile of the sources, the noise types also on the soft, dark and close-up copies. */
async function buildTrainingSet(work: string, root: string, shared: string, log: (l: string) => void): Promise<Map<Cls, Sample[]>> {
  const src = path.join(work, 'src'), noiseSrc = path.join(work, 'noise-src');
  await writeSources(shared, src, noiseSrc);
  const t0 = performance.now();
  const rows = await buildPairs(root, path.join(work, 'all'), src, TRAIN_TYPES);
  const noiseRows = await buildPairs(root, path.join(work, 'noise'), noiseSrc, TRAIN_TYPES.filter((t) => t.cls === 'noise'));
  const byClass = new Map<Cls, Sample[]>(CLASSES.map((c) => [c, []]));
  const gts = new Set<string>();
  // real photographs are JPEGs: half of the training tiles (clean ones too) pass a JPEG round trip at quality 60-95,
  // so that the probe does not take compression for a degradation (or its absence for one)
  const jr = new Rng('transfer-jpeg');
  const camera = getOperator('real-noise');
  const load = async (f: string, cls: Cls): Promise<Sample> => {
    let img = sharp(f);
    // real photographs of every kind carry some camera noise: a third of the other classes' tiles (clean ones too)
    // pass real-noise's weakest level, so that the probe's noise class means more noise than that
    if (cls !== 'noise' && jr.bool(1 / 3)) {
      const { data: b, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const { image } = await degrade(imageFromBytes(new Uint8Array(b.buffer, b.byteOffset, b.length), info.width, info.height), camera, 1, jr.int(0, 1e9));
      img = sharp(toUint8(image), { raw: { width: info.width, height: info.height, channels: 3 } });
    }
    if (jr.bool(0.5)) img = sharp(await img.jpeg({ quality: jr.int(60, 95), chromaSubsampling: '4:2:0' }).toBuffer());
    const { data: b, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.length);
    // some real sets are greyscale (Levin et al.'s): a tenth of the tiles, of every class, lose their colour
    if (jr.bool(0.1)) for (let i = 0; i < bytes.length; i += 3) bytes[i] = bytes[i + 1] = bytes[i + 2] = Math.round(0.299 * bytes[i]! + 0.587 * bytes[i + 1]! + 0.114 * bytes[i + 2]!);
    return { bytes, w: info.width, h: info.height };
  };
  // the clean class: the sources' tiles (the soft, dark and close-up copies are the noise class's only)
  for (const [r, source] of [...rows.map((r) => [r, true] as const), ...noiseRows.map((r) => [r, false] as const)]) {
    const cls = TRAIN_TYPES.find((t) => t.type === r.type)!.cls;
    byClass.get(cls)!.push(await load(r.lq_path, cls));
    if (source && !gts.has(r.gt_path)) { gts.add(r.gt_path); byClass.get('clean')!.push(await load(r.gt_path, 'clean')); }
  }
  log(`transfer: ${rows.length} uir pairs (+ ${gts.size} clean tiles) built from Kodak24 at three scales, ${noiseRows.length} noisy pairs from its soft, dark and close-up copies, in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return byClass;
}

/**
 * One real set's labels: `correct[d]` images right under probe draw d, `labels` summed over the draws. A control row
 * (uir on the clean images of the real set named `real`, `levels` the range matched) counts in no class's share.
 */
export interface TransferRow { set: string; cls: string; n: number; correct: number[]; labels: Record<string, number>; control?: { levels: [number, number]; real: string } }

const FCROP = 128;

/** Corner positions of an up-to-6 x 6 grid of crops covering an image. */
function grid(s: Sample, size: number): [number, number][] {
  const gx = Math.min(6, Math.floor(s.w / size)), gy = Math.min(6, Math.floor(s.h / size)), out: [number, number][] = [];
  for (let j = 0; j < gy; j++) for (let i = 0; i < gx; i++) out.push([gx === 1 ? 0 : Math.round((i * (s.w - size)) / (gx - 1)), gy === 1 ? 0 : Math.round((j * (s.h - size)) / (gy - 1))]);
  return out;
}

/** An image as the probe samples it (8-bit). */
const sampleOf = (image: Image): Sample => ({ bytes: toUint8(image), w: image.width, h: image.height });

export interface TransferResult { rows: TransferRow[]; draws: number; tiles: number; statistics: number; statisticsSeconds: number; trainSeconds: number; trainAccuracy: number[] }

/**
 * Train on uir pairs from Kodak24, then label the real sets. `work` holds the training set (a build there with the same
 * recipe is resumed). The probe is trained `draws` times (other initialisations and batches on the same statistics):
 * one draw moves a class by about 5 points, so the figure to judge is the mean over draws.
 */
export async function transferBenchmark(o: { work: string; root: string; shared: string; steps: number; draws: number; log: (l: string) => void }): Promise<TransferResult> {
  const byClass = await buildTrainingSet(o.work, o.root, o.shared, o.log);
  const t0 = performance.now();
  const stats = trainingStatistics(byClass);
  const statisticsSeconds = (performance.now() - t0) / 1000;
  o.log(`transfer: ${stats.crops} crops, ${stats.F} statistics each, in ${statisticsSeconds.toFixed(0)} s`);
  const reals: RealSet[] = [];
  for (const rs of REAL_SETS) reals.push(await realStatistics(o.shared, rs));
  for (const cs of CONTROL_SETS) reals.push(await controlStatistics(o.shared, cs));
  const rows: TransferRow[] = reals.map((r) => ({ set: r.set, cls: r.cls, n: r.images.length, correct: [], labels: {}, ...(r.control ? { control: r.control } : {}) }));
  const t1 = performance.now(), trainAccuracy: number[] = [];
  for (let d = 0; d < o.draws; d++) {
    const probe = trainProbe(stats, o.steps, d);
    trainAccuracy.push(probe.trainAccuracy);
    reals.forEach((r, k) => labelSet(probe, r, rows[k]!));
    probe.dispose();
    o.log(`transfer: draw ${d + 1} of ${o.draws} trained and asked`);
  }
  return { rows, draws: o.draws, tiles: [...byClass.values()].reduce((a, c) => a + c.length, 0), statistics: stats.F, statisticsSeconds, trainSeconds: (performance.now() - t1) / 1000 / o.draws, trainAccuracy };
}

interface TrainingStatistics { F: number; crops: number; byClass: number[][][]; norm(v: number[]): number[] }

/** The statistics of two random 128 px crops of every training tile, and their standardisation. */
function trainingStatistics(byClass: Map<Cls, Sample[]>): TrainingStatistics {
  const r = new Rng('transfer-features');
  const feats: number[][][] = CLASSES.map(() => []);
  CLASSES.forEach((c, k) => {
    for (const s of byClass.get(c)!) for (let i = 0; i < 2; i++) feats[k]!.push(cropFeatures(s, r.int(0, s.w - FCROP), r.int(0, s.h - FCROP), FCROP));
  });
  const F = feats[0]![0]!.length, all = feats.flat(), mu = new Array<number>(F).fill(0), sd = new Array<number>(F).fill(0);
  for (const v of all) v.forEach((x, i) => { mu[i]! += x / all.length; });
  for (const v of all) v.forEach((x, i) => { sd[i]! += (x - mu[i]!) ** 2 / all.length; });
  const norm = (v: number[]): number[] => v.map((x, i) => (x - mu[i]!) / (Math.sqrt(sd[i]!) + 1e-9));
  return { F, crops: all.length, byClass: feats.map((c) => c.map(norm)), norm };
}

interface Probe { trainAccuracy: number; classify(crops: number[][]): number[]; dispose(): void }

/** One draw of the probe: a one-hidden-layer MLP on the standardised statistics (draw 0, 1, ... differ in initialisation and batches). */
function trainProbe(st: TrainingStatistics, steps: number, draw: number): Probe {
  const F = st.F, r = new Rng(`transfer-batches-${draw}`), p = new ParamStore(new Rng(`transfer-mlp-${draw}`)), H = 256;
  p.uniform('w1', [F, H], F); p.constant('b1', [H], 0); p.uniform('w2', [H, CLASSES.length], H); p.constant('b2', [CLASSES.length], 0);
  const logits = (x: tf.Tensor2D): tf.Tensor2D => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, p.get('w1') as tf.Tensor2D), p.get('b1'))), p.get('w2') as tf.Tensor2D), p.get('b2')) as tf.Tensor2D;
  const opt = new AdamW(3e-3, { weightDecay: 1e-3 }), B = 256;
  let recent: number[] = [];
  for (let step = 0; step < steps; step++) {
    const x = new Float32Array(B * F), labels = new Int32Array(B);
    for (let i = 0; i < B; i++) {
      const c = r.int(0, CLASSES.length - 1), pool = st.byClass[c]!;
      labels[i] = c; x.set(pool[r.int(0, pool.length - 1)]!, i * F);
    }
    opt.lr = 3e-3 * 0.5 * (1 + Math.cos((Math.PI * step) / steps));
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const l = logits(tf.tensor2d(x, [B, F]));
      recent.push(tf.mean(tf.cast(tf.equal(tf.argMax(l, 1), tf.tensor1d(labels, 'int32')), 'float32')).dataSync()[0]!);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES.length), l) as tf.Scalar;
    }));
    opt.apply(p.vars, grads);
    tf.dispose([value, ...Object.values(grads)]);
    if (recent.length > 100) recent = recent.slice(-100);
  }
  opt.dispose();
  return {
    trainAccuracy: recent.reduce((a, b) => a + b, 0) / recent.length,
    classify(crops) {
      const t = tf.tidy(() => tf.mean(tf.softmax(logits(tf.tensor2d(crops.map(st.norm).flat(), [crops.length, F]))), 0));
      const lp = Array.from(t.dataSync());
      t.dispose();
      return lp;
    },
    dispose: () => p.dispose(),
  };
}

/** A real set's images, each as the statistics of its grid of crops (computed once for every draw); a control's row fields. */
interface RealSet { set: string; cls: Cls; images: number[][][]; control?: TransferRow['control'] }

/** The first `limit` image files of a folder, sorted. */
async function imageNames(dir: string, limit?: number): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => /\.(png|jpe?g|bmp|tif)$/i.test(n)).sort().slice(0, limit);
}

/** The statistics of an image's grid of crops (null for an image smaller than a crop). */
const gridStatistics = (s: Sample): number[][] | null => (s.w >= FCROP && s.h >= FCROP ? grid(s, FCROP).map(([cx, cy]) => cropFeatures(s, cx, cy, FCROP)) : null);

async function realStatistics(shared: string, rs: (typeof REAL_SETS)[number]): Promise<RealSet> {
  const dir = path.join(shared, rs.set), images: number[][][] = [];
  for (const n of await imageNames(dir, rs.limit)) {
    const st = gridStatistics(sampleOf((await readImage(path.join(dir, n))).image));
    if (st) images.push(st);
  }
  return { set: rs.set.replace(/\/(lq|gt)$/, (m) => (m === '/gt' ? ' (clean)' : '')), cls: rs.cls, images };
}

/** A paired set's clean images degraded by uir at each pair's PSNR (see CONTROL_SETS), as a RealSet. */
async function controlStatistics(shared: string, cs: (typeof CONTROL_SETS)[number]): Promise<RealSet> {
  const op = getOperator(cs.type), dir = path.join(shared, cs.set);
  const images: number[][][] = [], levels: number[] = [];
  for (const [k, n] of (await imageNames(path.join(dir, 'lq'), cs.limit)).entries()) {
    const gt = (await readImage(path.join(dir, 'gt', n))).image, target = psnr((await readImage(path.join(dir, 'lq', n))).image, gt);
    const seed = `transfer-control-${cs.set}-${k}`;
    let best = { gap: Infinity, level: 0, image: gt };
    for (let level = 1; level <= op.levels.length; level++) {
      const image = cs.family ? renderRainOfFamily(gt, level, cs.family, new Rng(seed)) : (await degrade(gt, op, level, seed)).image;
      const gap = Math.abs(psnr(image, gt) - target);
      if (gap < best.gap) best = { gap, level, image };
    }
    const st = gridStatistics(sampleOf(best.image));
    if (st) { images.push(st); levels.push(best.level); }
  }
  return { set: `${cs.set} (${cs.type}${cs.family ? `, ${cs.family} family` : ''})`, cls: cs.cls, images, control: { levels: [Math.min(...levels), Math.max(...levels)], real: cs.set } };
}

/** One draw's labels of a real set (each image: the mean class probabilities of its grid of crops), added to its row. */
function labelSet(probe: Probe, real: RealSet, row: TransferRow): void {
  let correct = 0;
  for (const crops of real.images) {
    const lp = probe.classify(crops);
    const label = CLASSES[lp.indexOf(Math.max(...lp))]!;
    if (label === real.cls) correct++;
    row.labels[label] = (row.labels[label] ?? 0) + 1;
  }
  row.correct.push(correct);
}
