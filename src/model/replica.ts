/**
 * A trainable model and its loss as one buildable unit, so that the same code computes gradients on the main thread
 * and in a data-parallel worker (parallel.ts): a spec (plain JSON) -> named variables + loss(inputs).
 *
 * Inputs travel as flat typed arrays with their batch size, so a batch splits by sample between replicas.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { builtFileBeside } from '../paths.js';
import { MaskDcpt, maskdcptLoss, type MaskDcptConfig } from './maskdcpt.js';
import type { PatchMask } from './mask.js';

/** MaskDCPT pre-training (mask, L1 + focal) or fine-tuning (no mask, L1 only). */
export interface MaskDcptReplicaSpec { kind: 'maskdcpt'; config: MaskDcptConfig; finetune: boolean }
/**
 * A replica defined outside the library (bench:train's network, a user's model): `module`, a file URL, exports
 * `buildReplica(options, seed)`, which each worker imports.
 */
export interface ModuleReplicaSpec { kind: 'module'; module: string; options: unknown }
export type ReplicaSpec = MaskDcptReplicaSpec | ModuleReplicaSpec;

/** One batch (or a slice of one): images NHWC, int labels, and for MaskDCPT pre-training the mask's visible cells. */
export interface ReplicaBatch {
  n: number; height: number; width: number;
  lq: Float32Array; gt: Float32Array; labels: Int32Array;
  mask?: { rows: number; cols: number; patch: number; visible: Uint8Array };
}

/** Loss value and side metrics (sums over the slice, so slices add up). */
export interface ReplicaStats { loss: number; l1: number; focal: number; correct: number }

/**
 * Reads of a loss's metric tensors, made after the step and never during it: a synchronous read would stall a GPU
 * backend mid-step (and tfjs-webgpu has none in Node). `later(t, use)` keeps t past the loss's tidy scope, calls
 * `use` with its values once they arrive and disposes it; `done()` waits for all of them.
 */
export class LaterReads {
  private reads: Promise<void>[] = [];
  readonly later = (t: tf.Tensor, use: (values: ArrayLike<number>) => void): void => {
    const kept = tf.keep(t);
    this.reads.push(kept.data().then((v) => use(v as ArrayLike<number>)).finally(() => kept.dispose()));
  };
  async done(): Promise<void> {
    const all = this.reads;
    this.reads = [];
    await Promise.all(all);
  }
}
export type ReadLater = LaterReads['later'];

export interface Replica {
  vars: Map<string, tf.Variable>;
  /**
   * The loss of a batch as a scalar, for tf.variableGrads; the metrics are added to `stats` when `later`'s reads
   * arrive (LaterReads.done()).
   */
  loss(b: ReplicaBatch, stats: ReplicaStats, later: ReadLater): tf.Scalar;
  dispose(): void;
  /** The MaskDCPT model, when the spec is one. */
  model?: MaskDcpt;
}

/** The replica of a spec, as a worker builds it. */
export async function loadReplica(spec: ReplicaSpec, seed: number | string = 0): Promise<Replica> {
  if (spec.kind === 'maskdcpt') return buildReplica(spec, seed);
  // under a TypeScript runner the spec names the .ts source; a worker runs the built .js beside it in dist/
  const file = spec.module.startsWith('file:') && spec.module.endsWith('.ts') ? pathToFileURL(builtFileBeside(spec.module, path.basename(fileURLToPath(spec.module)).replace(/\.ts$/, '.js'))).href : spec.module;
  const m = (await import(file)) as { buildReplica?: (options: unknown, seed: number | string) => Replica };
  if (typeof m.buildReplica !== 'function') throw new Error(`${spec.module} does not export buildReplica(options, seed)`);
  return m.buildReplica(spec.options, seed);
}

/** A MaskDCPT replica (around an existing model, on the main thread). */
export function buildReplica(spec: MaskDcptReplicaSpec, seed: number | string = 0, existing?: MaskDcpt): Replica {
  const model = existing ?? new MaskDcpt(spec.config, seed);
  return {
    model,
    vars: spec.finetune ? model.net.params.vars : model.variables(),
    loss(b, stats, later) {
      const lq = tf.tensor4d(b.lq, [b.n, b.height, b.width, 3]), gt = tf.tensor4d(b.gt, [b.n, b.height, b.width, 3]);
      const labels = tf.tensor1d(b.labels, 'int32');
      const mask: PatchMask | undefined = b.mask ? { n: b.n, ...b.mask } : undefined;
      const r = maskdcptLoss(model, lq, gt, labels, mask);
      later(r.l1, (v) => { stats.l1 += v[0]! * b.n; });
      later(r.focal, (v) => { stats.focal += v[0]! * b.n; });
      later(r.logits.argMax(-1), (pred) => { for (let i = 0; i < b.n; i++) if (pred[i] === b.labels[i]) stats.correct++; });
      return spec.finetune ? r.l1 : r.total;
    },
    dispose() { model.dispose(); },
  };
}

/** Samples [from, to) of a batch. */
export function sliceBatch(b: ReplicaBatch, from: number, to: number): ReplicaBatch {
  const px = b.height * b.width * 3, cells = b.mask ? b.mask.rows * b.mask.cols : 0;
  return {
    n: to - from, height: b.height, width: b.width,
    lq: b.lq.slice(from * px, to * px), gt: b.gt.slice(from * px, to * px), labels: b.labels.slice(from, to),
    mask: b.mask ? { ...b.mask, visible: b.mask.visible.slice(from * cells, to * cells) } : undefined,
  };
}
