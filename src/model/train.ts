/**
 * `uir train` and `uir finetune`: one loop, two objectives (objectives.ts), over a dataset's pairs. Batches of
 * aligned random crops are drawn by a seeded, step-indexed sampler (samples.ts) and decoded while the previous step
 * trains; gradients come from data-parallel replicas (parallel.ts). Checkpoints (checkpoint.ts) every N steps and at
 * the end hold weights, AdamW state, step, seed, model config, class list, the dataset's identity and the training
 * configuration (config.ts); --resume continues the same loss curve with the run's recorded settings. Metrics are
 * appended to <out>/metrics.jsonl.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './backend.js';
import { MaskDcpt, makeConfig } from './maskdcpt.js';
import { AdamW } from './optim.js';
import { buildReplica, type MaskDcptReplicaSpec, type Replica, type ReplicaStats } from './replica.js';
import { DataParallel } from './parallel.js';
import { checkFits, isWasmOom } from './memory.js';
import { loadCheckpoint, saveCheckpoint, latestCheckpoint } from './checkpoint.js';
import { Sampler, loadSamples } from './samples.js';
import { BatchLoader } from './batches.js';
import { parseTraining, recordedSettings, recordedTraining, resolveTraining, type ResolvedTraining, type TrainingInput } from './config.js';
import { pretraining, finetuning, type Objective } from './objectives.js';
import { ResourceError, UsageError } from '../errors.js';
import { Progress } from '../progress.js';

export interface TrainResult { step: number; loss: number; acc: number; checkpoint: string }

/** A run ready to train: its configuration, model, data, and where it starts. */
interface Run {
  c: ResolvedTraining;
  model: MaskDcpt;
  data: Awaited<ReturnType<typeof loadSamples>>;
  loaded: Awaited<ReturnType<typeof loadCheckpoint>> | null;
  resumeFrom: string | null;
  startStep: number;
}

/** Validate the configuration, resolve it against the checkpoint resumed from, load the data and build the model. */
async function prepare(input: TrainingInput, log: (line: string) => void): Promise<Run> {
  const given = parseTraining(input);
  const backend = await selectBackend(given.backend, log);
  await fs.mkdir(given.out, { recursive: true });
  const resumeFrom = given.resume ? await latestCheckpoint(given.out) : null;
  if (given.resume && !resumeFrom) throw new UsageError(`{resume}: no ckpt-*.safetensors in ${given.out}`);
  const loaded = resumeFrom ? await loadCheckpoint(resumeFrom, { arch: given.arch }) : null;
  const c = resolveTraining(given, loaded ? recordedSettings(loaded.meta) : undefined, resumeFrom ?? undefined);
  const data = await loadSamples(c, loaded?.model.config.classes);
  let model: MaskDcpt;
  if (loaded) {
    if (loaded.meta.manifest !== data.identity) log(`note: the dataset changed since ${path.basename(resumeFrom!)} (${loaded.meta.manifest} -> ${data.identity})`);
    model = loaded.model;
  } else if (c.objective === 'finetune') {
    model = (await loadCheckpoint(c.init!, { arch: c.arch })).model; // the pre-trained encoder; heads unused
  } else {
    model = new MaskDcpt(makeConfig(c.arch, data.classes, { maskPatch: c.maskPatch, maskRatio: c.maskRatio }), c.seed);
  }
  checkFits({ width: model.config.net.width, batch: c.batch, patch: c.patch, net: model.config.net }, backend);
  return { c, model, data, loaded, resumeFrom, startStep: loaded ? Number(loaded.meta.step) : 0 };
}

/** The replicas of a run: this thread's and, on the wasm backend, one per further core (at most the batch size). */
async function replicas(run: Run, log: (line: string) => void): Promise<{ replica: Replica; dp: DataParallel }> {
  const { c, model } = run;
  const spec: MaskDcptReplicaSpec = { kind: 'maskdcpt', config: model.config, finetune: c.objective === 'finetune' };
  const replica = buildReplica(spec, c.seed, model);
  const threads = c.threads ?? (tf.getBackend() === 'wasm' ? Math.min(c.batch, os.availableParallelism()) : 1);
  if (threads > 1 && tf.getBackend() !== 'wasm') throw new UsageError(`{threads} ${threads}: data-parallel replicas run on the wasm backend only (this is '${tf.getBackend()}')`);
  if (threads > c.batch) throw new UsageError(`{threads} ${threads}: more replicas than samples in a batch ({batch} ${c.batch})`);
  const dp = await DataParallel.create(spec, replica, threads);
  if (threads > 1) log(`data-parallel: ${threads} replicas (this thread and ${threads - 1} worker thread${threads > 2 ? 's' : ''})`);
  return { replica, dp };
}

/** The optimizer, with the state of the checkpoint resumed from. */
function optimizer(run: Run, vars: Map<string, tf.Variable>, objective: Objective): AdamW {
  const opt: AdamW = new AdamW((name) => objective.learningRate(name, opt.step), { weightDecay: 0 });
  if (run.loaded) {
    opt.step = Number(run.loaded.meta.optimStep ?? 0);
    for (const [n, v] of vars) {
      const m = run.loaded.tensors.get(`optim.m.${n}`), vv = run.loaded.tensors.get(`optim.v.${n}`);
      if (m && vv) { opt.m.set(n, tf.keep(tf.tensor(m.data, v.shape))); opt.v.set(n, tf.keep(tf.tensor(vv.data, v.shape))); }
    }
  }
  return opt;
}

/** Train a run to `steps` (validated against the training schema; see config.ts). */
export async function train(input: TrainingInput, log: (line: string) => void = () => undefined): Promise<TrainResult> {
  const run = await prepare(input, log);
  const { replica, dp } = await replicas(run, log);
  const objective = run.c.objective === 'finetune' ? finetuning(run.c, replica.vars, run.loaded?.tensors) : pretraining(run.c);
  const opt = optimizer(run, replica.vars, objective);
  try {
    return await loop(run, replica.vars, dp, opt, objective, log);
  } finally {
    await dp.dispose(); // worker threads would keep the process alive after an error
    objective.dispose(); opt.dispose(); run.model.dispose();
  }
}

/**
 * The metrics of each step, written once its statistics arrive: a step behind the queue, so that a GPU already has
 * the next step's work when the training thread waits for a loss (a divergence stops the run one step later).
 */
class StepRecorder {
  private pending: { step: number; stats: Promise<ReplicaStats> } | null = null;
  last = { loss: NaN, acc: NaN };
  constructor(private readonly file: string, private readonly batch: number, private readonly progress: Progress, private readonly t0: number, private readonly feed: BatchLoader) {}

  /** Record `step` once its stats are in, after writing the step before it. */
  async queue(step: number, stats: Promise<ReplicaStats>): Promise<void> {
    await this.flush();
    this.pending = { step, stats };
  }

  async flush(): Promise<void> {
    if (!this.pending) return;
    const { step, stats: wait } = this.pending;
    this.pending = null;
    const stats = await wait, loss = stats.loss, acc = stats.correct / this.batch;
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step + 1} (loss ${loss}); lower the learning rates`);
    this.last = { loss, acc };
    const seconds = (performance.now() - this.t0) / 1000;
    await fs.appendFile(this.file, JSON.stringify({ step: step + 1, loss, l1: stats.l1 / this.batch, focal: stats.focal / this.batch, acc, seconds, dataWait: this.feed.waitSeconds }) + '\n');
    this.progress.update(step + 1);
  }
}

/** The steps from the run's start to its end: gradients, the optimizer step, metrics and checkpoints. */
async function loop(run: Run, vars: Map<string, tf.Variable>, dp: DataParallel, opt: AdamW, objective: Objective, log: (line: string) => void): Promise<TrainResult> {
  const { c, model, data, startStep } = run;
  const feed = new BatchLoader(new Sampler(data.items, data.weights, c.seed), { batch: c.batch, patch: c.patch, seed: c.seed, lastStep: c.steps });
  const progress = new Progress(c.objective === 'finetune' ? 'finetune' : 'train', c.steps, c.progress === 'none' ? 'none' : Progress.modeFor(process.stderr, c.progress), 'steps', startStep);
  const meta = (step: number): Record<string, string> => ({ step: String(step), seed: String(c.seed), manifest: data.identity, classes: JSON.stringify(data.classes), train: JSON.stringify(recordedTraining(c)) });
  const t0 = performance.now();
  const record = new StepRecorder(path.join(c.out, 'metrics.jsonl'), c.batch, progress, t0, feed);
  let ckpt = run.resumeFrom ?? '';
  try {
    for (let step = startStep; step < c.steps; step++) {
      const batch = await feed.get(step);
      const { grads, stats } = await dp.gradients({ n: c.batch, height: c.patch, width: c.patch, lq: batch.lq, gt: batch.gt, labels: batch.labels, mask: objective.mask(step) })
        .catch((e: unknown) => {
          if (!isWasmOom(e)) throw e;
          throw new ResourceError(`training step ${step + 1} ran out of memory on the ${tf.getBackend()} backend (batch ${c.batch} of ${c.patch}x${c.patch}, ${model.config.arch}); lower {batch} or {patch}`, { cause: e });
        });
      opt.apply(vars, grads);
      objective.afterStep(vars, opt.step);
      for (const g of Object.values(grads)) g.dispose();
      await record.queue(step, stats);
      if ((step + 1) % c.ckptEvery === 0 || step + 1 === c.steps) {
        await record.flush();
        ckpt = path.join(c.out, `ckpt-${String(step + 1).padStart(7, '0')}.safetensors`);
        await saveCheckpoint(ckpt, model, opt, meta(step + 1), objective.saved());
      }
    }
    await record.flush();
  } finally { await feed.dispose(); }
  progress.finish(c.steps);
  const total = (performance.now() - t0) / 1000;
  if (c.steps > startStep) log(`${c.steps - startStep} steps in ${total.toFixed(1)} s; waiting for data ${(100 * feed.waitSeconds / Math.max(total, 1e-9)).toFixed(1)}% of it`);
  return { step: c.steps, loss: record.last.loss, acc: record.last.acc, checkpoint: ckpt };
}
