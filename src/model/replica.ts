/**
 * A trainable model and its loss as one buildable unit, so that the same code computes gradients on the main thread
 * and in a data-parallel worker (parallel.ts): a spec (plain JSON) -> named variables + loss(inputs).
 *
 * Inputs travel as flat typed arrays with their batch size, so a batch splits by sample between replicas.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Nafnet } from './archs/nafnet.js';
import { ParamStore } from './params.js';
import { MaskDcpt, maskdcptLoss, type MaskDcptConfig } from './maskdcpt.js';
import type { PatchMask } from './mask.js';
import { Rng } from '../rng.js';

export type ReplicaSpec =
  /** The NAFNet of ../shared/bench/torch_nafnet_bench.py with its 19-way head (bench:train). */
  | { kind: 'nafnet-bench'; width: number }
  /** MaskDCPT pre-training (mask, L1 + focal) or fine-tuning (no mask, L1 only). */
  | { kind: 'maskdcpt'; config: MaskDcptConfig; finetune: boolean };

/** One batch (or a slice of one): images NHWC, int labels, and for MaskDCPT pre-training the mask's visible cells. */
export interface ReplicaBatch {
  n: number; height: number; width: number;
  lq: Float32Array; gt: Float32Array; labels: Int32Array;
  mask?: { rows: number; cols: number; patch: number; visible: Uint8Array };
}

/** Loss value and side metrics (sums over the slice, so slices add up). */
export interface ReplicaStats { loss: number; l1: number; focal: number; correct: number }

export interface Replica {
  vars: Map<string, tf.Variable>;
  /** The loss of a batch as a scalar, for tf.variableGrads; `stats` receives the metrics once computed. */
  loss(b: ReplicaBatch, stats: ReplicaStats): tf.Scalar;
  dispose(): void;
  /** The MaskDCPT model, when the spec is one. */
  model?: MaskDcpt;
}

export function buildReplica(spec: ReplicaSpec, seed: number | string = 0, existing?: MaskDcpt): Replica {
  if (spec.kind === 'nafnet-bench') {
    const net = new Nafnet({ width: spec.width, encBlocks: [1, 1, 1, 1], middleBlocks: 1, decBlocks: [1, 1, 1, 1] }, seed);
    const head = new ParamStore(new Rng('bench-head'));
    head.uniform('weight', [spec.width, 19], spec.width); head.uniform('bias', [19], spec.width);
    const vars = new Map<string, tf.Variable>([...net.params.vars, ...[...head.vars].map(([k, v]) => [`head.${k}`, v] as [string, tf.Variable])]);
    return {
      vars,
      loss(b, stats) {
        const x = tf.tensor4d(b.lq, [b.n, b.height, b.width, 3]), y = tf.tensor4d(b.gt, [b.n, b.height, b.width, 3]);
        const onehot = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 19);
        const { out, last } = net.forward(x);
        const logits = tf.add(tf.matMul(tf.mean(last, [1, 2]) as tf.Tensor2D, head.get('weight') as tf.Tensor2D), head.get('bias'));
        const l1 = tf.mean(tf.abs(tf.sub(out, y))), ce = tf.losses.softmaxCrossEntropy(onehot, logits);
        const total = tf.add(l1, ce) as tf.Scalar;
        stats.l1 += l1.dataSync()[0]! * b.n; stats.focal += ce.dataSync()[0]! * b.n;
        return total;
      },
      dispose() { net.params.dispose(); head.dispose(); },
    };
  }
  const model = existing ?? new MaskDcpt(spec.config, seed);
  return {
    model,
    vars: spec.finetune ? model.net.params.vars : model.variables(),
    loss(b, stats) {
      const lq = tf.tensor4d(b.lq, [b.n, b.height, b.width, 3]), gt = tf.tensor4d(b.gt, [b.n, b.height, b.width, 3]);
      const labels = tf.tensor1d(b.labels, 'int32');
      const mask: PatchMask | undefined = b.mask ? { n: b.n, ...b.mask } : undefined;
      const r = maskdcptLoss(model, lq, gt, labels, mask);
      stats.l1 += r.l1.dataSync()[0]! * b.n; stats.focal += r.focal.dataSync()[0]! * b.n;
      const pred = r.logits.argMax(-1).dataSync();
      for (let i = 0; i < b.n; i++) if (pred[i] === b.labels[i]) stats.correct++;
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
