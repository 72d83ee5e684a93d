/**
 * `uir train`: MaskDCPT pre-training streamed from a manifest. Batches of aligned random crops (with the 8 flips
 * and rotations) are drawn by a seeded, step-indexed sampler (repeat factors per type, or balanced), decoded while
 * the previous step trains, and a mask is drawn per sample. Checkpoints (safetensors) every N steps and at the end
 * hold weights, AdamW state, step, seed, config, class list and the manifest's identity; --resume continues the same
 * loss curve. Metrics are appended to <out>/metrics.jsonl.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendChoice } from './backend.js';
import { MaskDcpt, makeConfig, type MaskDcptConfig } from './maskdcpt.js';
import { AdamW } from './optim.js';
import { buildReplica, type ReplicaSpec } from './replica.js';
import { DataParallel } from './parallel.js';
import { randomPatchMask } from './mask.js';
import { saveSafetensors, loadSafetensors, type NamedArray } from './safetensors.js';
import { checkFits, isWasmOom } from './memory.js';
import { ManifestStore } from '../manifest/store.js';
import { resolveStored } from '../manifest/queries.js';
import { readImage } from '../io/image-io.js';
import { Rng } from '../rng.js';
import { ConfigError, InputError, ResourceError, UsageError } from '../errors.js';
import { Progress } from '../pipeline/progress.js';
import type { Image } from '../image.js';

/**
 * The settings that define a run's loss curve beyond the architecture: recorded in every checkpoint (metadata `train`)
 * and taken from it on --resume, where a flag that disagrees is an error (not silently the flag's default).
 */
export interface RunSettings { patch: number; batch: number; seed: number; maskRatio: number; maskPatch: number }
export const RUN_DEFAULTS: Readonly<RunSettings> = { patch: 64, batch: 8, seed: 0, maskRatio: 0.5, maskPatch: 16 };
const RUN_FLAGS: Record<keyof RunSettings, string> = { patch: '--patch', batch: '--batch', seed: '--seed', maskRatio: '--mask-ratio', maskPatch: '--mask-patch' };

export interface TrainOptions extends Partial<RunSettings> {
  manifest: string; out: string; arch: string; steps: number;
  split: string; types?: string[]; repeat?: Record<string, number>; balance?: boolean;
  lrEncoder: number; lrDecoder: number; ckptEvery: number; resume: boolean; backend: BackendChoice;
  progress?: 'auto' | 'bar' | 'plain' | 'none';
  /** Fine-tuning for all-in-one restoration from a pre-trained checkpoint: no mask, L1 only, cosine LR, EMA. */
  finetune?: { init: string; ema: number };
  /**
   * Data-parallel replicas (this thread plus threads - 1 worker threads, each with its own wasm backend); default:
   * every core on the wasm backend (at most the batch size), 1 on the others.
   * Results depend on it only through float summation order, so a resumed run should keep the same count.
   */
  threads?: number;
}

interface Sample { lq: string; gt: string; label: number; type: string }

export interface TrainResult { step: number; loss: number; acc: number; checkpoint: string }

/** Weighted, step-indexed sampling: the batch of step s depends only on (seed, s). */
export class Sampler {
  private cum: Float64Array;
  constructor(readonly items: Sample[], weights: number[], private seed: number) {
    this.cum = new Float64Array(items.length);
    let acc = 0;
    weights.forEach((w, i) => { acc += w; this.cum[i] = acc; });
  }
  batch(step: number, n: number): Sample[] {
    const r = new Rng(`sampler/${this.seed}/${step}`), total = this.cum[this.cum.length - 1]!;
    return Array.from({ length: n }, () => {
      const u = r.next() * total;
      let lo = 0, hi = this.cum.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (this.cum[mid]! > u) hi = mid; else lo = mid + 1; }
      return this.items[lo]!;
    });
  }
}

/** Aligned random crop + one of the 8 dihedral transforms, written into batch slot i. */
function cropInto(lq: Image, gt: Image, P: number, r: Rng, dstL: Float32Array, dstG: Float32Array, i: number): void {
  if (lq.width < P || lq.height < P) throw new UsageError(`--patch ${P} is larger than a ${lq.width}x${lq.height} image in the manifest`);
  const x0 = r.int(0, lq.width - P), y0 = r.int(0, lq.height - P), t = r.int(0, 7);
  const base = i * P * P * 3;
  for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) {
    let sx = x, sy = y;
    if (t & 1) sx = P - 1 - sx;
    if (t & 2) sy = P - 1 - sy;
    if (t & 4) [sx, sy] = [sy, sx];
    const s = ((y0 + sy) * lq.width + x0 + sx) * 3, d = base + (y * P + x) * 3;
    dstL[d] = lq.data[s]!; dstL[d + 1] = lq.data[s + 1]!; dstL[d + 2] = lq.data[s + 2]!;
    dstG[d] = gt.data[s]!; dstG[d + 1] = gt.data[s + 1]!; dstG[d + 2] = gt.data[s + 2]!;
  }
}

async function loadBatch(samples: Sample[], P: number, seed: number, step: number): Promise<{ lq: Float32Array; gt: Float32Array; labels: Int32Array }> {
  const lq = new Float32Array(samples.length * P * P * 3), gt = new Float32Array(samples.length * P * P * 3);
  const labels = Int32Array.from(samples.map((s) => s.label));
  const imgs = await Promise.all(samples.map(async (s) => Promise.all([readImage(s.lq), readImage(s.gt)])));
  imgs.forEach(([a, b], i) => cropInto(a.image, b.image, P, new Rng(`crop/${seed}/${step}/${i}`), lq, gt, i));
  return { lq, gt, labels };
}

export async function loadSamples(o: { manifest: string; split: string; types?: string[]; repeat?: Record<string, number>; balance?: boolean }, classes?: string[]): Promise<{ items: Sample[]; weights: number[]; classes: string[]; identity: string }> {
  const store = ManifestStore.openReader(o.manifest);
  try {
    const rows = store.queryPairs({ split: [o.split], type: o.types });
    if (rows.length === 0) throw new InputError(`${o.manifest}: no done pairs in split '${o.split}'${o.types?.length ? ` of types ${o.types.join(', ')}` : ''}`);
    const present = [...new Set(rows.map((r) => r.type))].sort();
    const cls = classes ?? present;
    for (const t of present) if (!cls.includes(t)) throw new ConfigError([{ path: 'classes', message: `the manifest has type '${t}' that the checkpoint's class list (${cls.join(', ')}) does not` }]);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    for (const k of Object.keys(o.repeat ?? {})) if (!counts.has(k)) throw new UsageError(`--repeat: type '${k}' is not in the selected pairs (${present.join(', ')})`);
    const items = rows.map((r) => ({ lq: resolveStored(o.manifest, r.lq_path), gt: resolveStored(o.manifest, r.gt_path), label: cls.indexOf(r.type), type: r.type }));
    const weights = items.map((s) => (o.balance ? 1 / counts.get(s.type)! : (o.repeat?.[s.type] ?? 1)));
    return { items, weights, classes: cls, identity: `${path.resolve(o.manifest)}#${store.latestRecipeHash() ?? 'ingest'}#${rows.length}` };
  } finally { await store.close(); }
}

function snapshot(model: MaskDcpt, opt: AdamW): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [n, v] of model.variables()) out.set(n, { shape: v.shape, data: v.dataSync() as Float32Array });
  for (const [n, t] of opt.m) out.set(`optim.m.${n}`, { shape: t.shape, data: t.dataSync() as Float32Array });
  for (const [n, t] of opt.v) out.set(`optim.v.${n}`, { shape: t.shape, data: t.dataSync() as Float32Array });
  return out;
}

export async function saveCheckpoint(file: string, model: MaskDcpt, opt: AdamW | null, meta: Record<string, string>, ema?: Map<string, tf.Tensor>): Promise<void> {
  const tensors = opt ? snapshot(model, opt) : new Map([...model.variables()].map(([n, v]) => [n, { shape: v.shape, data: v.dataSync() as Float32Array }]));
  for (const [n, t] of ema ?? []) tensors.set(`ema.${n}`, { shape: t.shape, data: t.dataSync() as Float32Array });
  await saveSafetensors(file, tensors, { format: 'uir-maskdcpt', config: JSON.stringify(model.config), optimStep: String(opt?.step ?? 0), ...meta });
}

/** Load a checkpoint into a new model (and optimizer state, if asked). */
export async function loadCheckpoint(file: string, expect?: { arch?: string; classes?: string[]; ema?: boolean }): Promise<{ model: MaskDcpt; meta: Record<string, string>; tensors: Map<string, NamedArray> }> {
  const { tensors, metadata } = await loadSafetensors(file);
  if (metadata.format !== 'uir-maskdcpt') throw new ConfigError([{ path: file, message: `not a uir MaskDCPT checkpoint (format '${metadata.format ?? 'none'}')` }]);
  const config = JSON.parse(metadata.config!) as MaskDcptConfig;
  if (expect?.arch && expect.arch !== config.arch) throw new ConfigError([{ path: file, message: `checkpoint is architecture '${config.arch}', not '${expect.arch}'` }]);
  if (expect?.classes && JSON.stringify(expect.classes) !== JSON.stringify(config.classes)) {
    throw new ConfigError([{ path: file, message: `checkpoint classes [${config.classes.join(', ')}] do not match [${expect.classes.join(', ')}]` }]);
  }
  const model = new MaskDcpt(config, 0);
  for (const [n, v] of model.variables()) {
    const t = (expect?.ema ? tensors.get(`ema.${n}`) : undefined) ?? tensors.get(n);
    if (!t || t.data.length !== v.size) throw new ConfigError([{ path: file, message: `parameter ${n} is missing or has the wrong size` }]);
    v.assign(tf.tensor(t.data, v.shape));
  }
  return { model, meta: metadata, tensors };
}

/** What a checkpoint records of its run's settings (older checkpoints: the seed, and the mask in the model config). */
export function recordedSettings(meta: Record<string, string>): Partial<RunSettings> {
  const config = meta.config ? (JSON.parse(meta.config) as Partial<MaskDcptConfig>) : {};
  const fromConfig: Partial<RunSettings> = { maskRatio: config.maskRatio, maskPatch: config.maskPatch, seed: meta.seed !== undefined ? Number(meta.seed) : undefined };
  return { ...fromConfig, ...(meta.train ? (JSON.parse(meta.train) as Partial<RunSettings>) : {}) };
}

/** The crop side a checkpoint was trained on (the classifier's resolution); 64, the default, when not recorded. */
export function trainingPatch(meta: Record<string, string>): number {
  return recordedSettings(meta).patch ?? RUN_DEFAULTS.patch;
}

/** Flags over defaults; on resume, the checkpoint's settings, a flag that disagrees with one being an error. */
export function resolveSettings(o: Partial<RunSettings>, recorded?: Partial<RunSettings>, from = 'the checkpoint'): RunSettings {
  const out = { ...RUN_DEFAULTS };
  for (const k of Object.keys(RUN_DEFAULTS) as (keyof RunSettings)[]) {
    const flag = o[k], rec = recorded?.[k];
    if (flag !== undefined && rec !== undefined && flag !== rec) {
      throw new UsageError(`${RUN_FLAGS[k]} ${flag}: --resume continues a run trained with ${RUN_FLAGS[k]} ${rec} (${from}); drop the flag, or start a new run in another --out`);
    }
    out[k] = flag ?? rec ?? RUN_DEFAULTS[k];
  }
  return out;
}

async function latestCheckpoint(out: string): Promise<string | null> {
  const names = (await fs.readdir(out).catch(() => [] as string[])).filter((n) => /^ckpt-\d+\.safetensors$/.test(n)).sort();
  return names.length ? path.join(out, names[names.length - 1]!) : null;
}

export async function train(opts: TrainOptions, log: (line: string) => void = () => undefined): Promise<TrainResult> {
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new UsageError(`--steps: expected a positive integer, received ${opts.steps}`);
  await selectBackend(opts.backend, log);
  await fs.mkdir(opts.out, { recursive: true });
  const resumeFrom = opts.resume ? await latestCheckpoint(opts.out) : null;
  if (opts.resume && !resumeFrom) throw new UsageError(`--resume: no ckpt-*.safetensors in ${opts.out}`);

  let model: MaskDcpt, startStep = 0, classes: string[] | undefined;
  let loaded: Awaited<ReturnType<typeof loadCheckpoint>> | null = null;
  if (resumeFrom) {
    loaded = await loadCheckpoint(resumeFrom, { arch: opts.arch });
    classes = (JSON.parse(loaded.meta.config!) as MaskDcptConfig).classes;
    startStep = Number(loaded.meta.step);
  }
  const settings = resolveSettings(opts, loaded ? recordedSettings(loaded.meta) : undefined, resumeFrom ?? undefined);
  const o = { ...opts, ...settings };
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new UsageError(`--batch: expected a positive integer, received ${o.batch}`);
  if (!Number.isInteger(o.maskPatch) || o.maskPatch < 1) throw new UsageError(`--mask-patch: expected a positive integer, received ${o.maskPatch}`);
  if (!(o.maskRatio >= 0 && o.maskRatio < 1)) throw new UsageError(`--mask-ratio: expected 0 <= ratio < 1, received ${o.maskRatio}`);
  if (!Number.isInteger(o.patch) || o.patch < 1 || o.patch % o.maskPatch) throw new UsageError(`--patch: expected a multiple of the mask patch ${o.maskPatch}, received ${o.patch}`);
  const data = await loadSamples(o, classes);
  if (loaded) {
    if (loaded.meta.manifest !== data.identity) log(`note: the manifest changed since ${path.basename(resumeFrom!)} (${loaded.meta.manifest} -> ${data.identity})`);
    model = loaded.model;
  } else if (o.finetune) {
    model = (await loadCheckpoint(o.finetune.init, { arch: o.arch })).model; // the pre-trained encoder; heads unused
  } else {
    model = new MaskDcpt(makeConfig(o.arch, data.classes, { maskPatch: o.maskPatch, maskRatio: o.maskRatio }), o.seed);
  }
  checkFits({ width: model.config.net.width, batch: o.batch, patch: o.patch });
  const cosine = (base: number): number => 1e-6 + (base - 1e-6) * 0.5 * (1 + Math.cos((Math.PI * Math.max(0, opt.step - 1)) / o.steps));
  const opt: AdamW = new AdamW((name) => {
    const base = name.startsWith('head.') || name.startsWith('ending.') ? o.lrDecoder : o.lrEncoder;
    return o.finetune ? cosine(base) : base;
  }, { weightDecay: 0 });
  const spec: ReplicaSpec = { kind: 'maskdcpt', config: model.config, finetune: !!o.finetune };
  const replica = buildReplica(spec, o.seed, model);
  const vars = replica.vars;
  const threads = o.threads ?? (tf.getBackend() === 'wasm' ? Math.min(o.batch, os.availableParallelism()) : 1);
  if (threads > 1 && tf.getBackend() !== 'wasm') throw new UsageError(`--threads ${threads}: data-parallel replicas run on the wasm backend only (this is '${tf.getBackend()}')`);
  if (threads > o.batch) throw new UsageError(`--threads ${threads}: more replicas than samples in a batch (--batch ${o.batch})`);
  const dp = await DataParallel.create(spec, replica, threads);
  if (threads > 1) log(`data-parallel: ${threads} replicas (this thread and ${threads - 1} worker thread${threads > 2 ? 's' : ''})`);
  // EMA of the weights (fine-tuning): shadow copies, saved as ema.<name>
  const ema = new Map<string, tf.Tensor>();
  if (o.finetune) for (const [n, v] of vars) ema.set(n, tf.keep(tf.tensor(loaded?.tensors.get(`ema.${n}`)?.data ?? v.dataSync(), v.shape)));
  if (loaded) {
    opt.step = Number(loaded.meta.optimStep ?? 0);
    for (const [n, v] of vars) {
      const m = loaded.tensors.get(`optim.m.${n}`), vv = loaded.tensors.get(`optim.v.${n}`);
      if (m && vv) { opt.m.set(n, tf.keep(tf.tensor(m.data, v.shape))); opt.v.set(n, tf.keep(tf.tensor(vv.data, v.shape))); }
    }
  }
  let last = { loss: NaN, acc: NaN };
  let ckpt = resumeFrom ?? '';
  try {
    const sampler = new Sampler(data.items, data.weights, o.seed);
    const metricsFile = path.join(o.out, 'metrics.jsonl');
    const progress = new Progress('train', o.steps, o.progress === 'none' ? 'none' : Progress.modeFor(process.stderr, o.progress), 'steps', startStep);
    const meta = (step: number): Record<string, string> => ({ step: String(step), seed: String(o.seed), manifest: data.identity, classes: JSON.stringify(data.classes), train: JSON.stringify(settings) });
    let next = startStep < o.steps ? loadBatch(sampler.batch(startStep, o.batch), o.patch, o.seed, startStep) : null;
    const t0 = performance.now();
    for (let step = startStep; step < o.steps; step++) {
      const batch = await next!;
      next = step + 1 < o.steps ? loadBatch(sampler.batch(step + 1, o.batch), o.patch, o.seed, step + 1) : null; // overlaps this step
      const mask = o.finetune ? undefined : randomPatchMask(new Rng(`mask/${o.seed}/${step}`), o.batch, o.patch, o.patch, o.maskPatch, o.maskRatio);
      const { grads, stats } = await dp.gradients({
        n: o.batch, height: o.patch, width: o.patch, lq: batch.lq, gt: batch.gt, labels: batch.labels,
        mask: mask ? { rows: mask.rows, cols: mask.cols, patch: mask.patch, visible: mask.visible } : undefined,
      }).catch((e: unknown) => {
        if (!isWasmOom(e)) throw e;
        throw new ResourceError(`training step ${step + 1} ran out of memory on the ${tf.getBackend()} backend (batch ${o.batch} of ${o.patch}x${o.patch}, ${model.config.arch}); lower --batch or --patch`, { cause: e });
      });
      const l1 = stats.l1 / o.batch, focal = stats.focal / o.batch, acc = stats.correct / o.batch;
      opt.apply(vars, grads);
      if (o.finetune) {
        // warm-up as tf.train.ExponentialMovingAverage(num_updates): early on the average follows the weights, so a
        // short fine-tune is not evaluated with mostly its initial weights (0.999^500 = 0.61 of them otherwise)
        const d = Math.min(o.finetune.ema, (1 + opt.step) / (10 + opt.step));
        for (const [n, v] of vars) {
          const prev = ema.get(n)!;
          ema.set(n, tf.keep(tf.tidy(() => tf.add(tf.mul(prev, d), tf.mul(v, 1 - d)))));
          prev.dispose();
        }
      }
      const loss = stats.loss;
      for (const g of Object.values(grads)) g.dispose();
      if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step + 1} (loss ${loss}); lower the learning rates`);
      last = { loss, acc };
      await fs.appendFile(metricsFile, JSON.stringify({ step: step + 1, loss, l1, focal, acc, seconds: (performance.now() - t0) / 1000 }) + '\n');
      progress.update(step + 1);
      if ((step + 1) % o.ckptEvery === 0 || step + 1 === o.steps) {
        ckpt = path.join(o.out, `ckpt-${String(step + 1).padStart(7, '0')}.safetensors`);
        await saveCheckpoint(ckpt, model, opt, meta(step + 1), ema);
      }
    }
    progress.finish(o.steps);
  } finally {
    await dp.dispose(); // worker threads would keep the process alive after an error
  }
  for (const t of ema.values()) t.dispose();
  opt.dispose(); model.dispose();
  return { step: o.steps, loss: last.loss, acc: last.acc, checkpoint: ckpt };
}
