/**
 * The two objectives of the one training loop (train.ts). Pre-training (MaskDCPT): a patch mask per sample, L1 on the
 * reconstruction + focal loss of the degradation class, constant learning rates (encoder / decoders). Fine-tuning
 * (all-in-one restoration from a pre-trained encoder): no mask, L1 only, a cosine schedule from the peak rates to
 * 1e-6, and an exponential moving average of the weights (saved as ema.*, which restore and eval use).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomPatchMask } from './mask.js';
import type { ReplicaBatch } from './replica.js';
import type { ResolvedTraining } from './config.js';
import type { NamedArray } from './safetensors.js';
import { Rng } from '../rng.js';

export interface Objective {
  readonly kind: 'pretrain' | 'finetune';
  /** The mask of a step's batch (pre-training), drawn from (seed, step) alone. */
  mask(step: number): ReplicaBatch['mask'];
  /** The learning rate of a variable at optimizer step `t` (1-based). */
  learningRate(name: string, t: number): number;
  /** After each optimizer step (t: its count). */
  afterStep(vars: Map<string, tf.Variable>, t: number): void;
  /** Tensors saved beside the weights (the EMA weights of fine-tuning), by name without the `ema.` prefix. */
  saved(): Map<string, tf.Tensor> | undefined;
  dispose(): void;
}

const isDecoder = (name: string): boolean => name.startsWith('head.') || name.startsWith('ending.');

export function pretraining(c: ResolvedTraining): Objective {
  return {
    kind: 'pretrain',
    mask(step) {
      const m = randomPatchMask(new Rng(`mask/${c.seed}/${step}`), c.batch, c.patch, c.patch, c.maskPatch, c.maskRatio);
      return { rows: m.rows, cols: m.cols, patch: m.patch, visible: m.visible };
    },
    learningRate: (name) => (isDecoder(name) ? c.lrDecoder : c.lrEncoder),
    afterStep() { /* nothing */ },
    saved: () => undefined,
    dispose() { /* nothing */ },
  };
}

/** `recorded`: the EMA weights of the checkpoint resumed from, if any. */
export function finetuning(c: ResolvedTraining, vars: Map<string, tf.Variable>, recorded?: Map<string, NamedArray>): Objective {
  const ema = new Map<string, tf.Tensor>();
  for (const [n, v] of vars) { const r = recorded?.get(`ema.${n}`); ema.set(n, tf.keep(r ? tf.tensor(r.data, v.shape) : tf.clone(v))); }
  const cosine = (base: number, t: number): number => 1e-6 + (base - 1e-6) * 0.5 * (1 + Math.cos((Math.PI * Math.max(0, t - 1)) / c.steps));
  return {
    kind: 'finetune',
    mask: () => undefined,
    learningRate: (name, t) => cosine(isDecoder(name) ? c.lrDecoder : c.lrEncoder, t),
    afterStep(vs, t) {
      // warm-up as tf.train.ExponentialMovingAverage(num_updates): early on the average follows the weights, so a
      // short fine-tune is not evaluated with mostly its initial weights (0.999^500 = 0.61 of them otherwise)
      const d = Math.min(c.ema, (1 + t) / (10 + t));
      for (const [n, v] of vs) {
        const prev = ema.get(n)!;
        ema.set(n, tf.keep(tf.tidy(() => tf.add(tf.mul(prev, d), tf.mul(v, 1 - d)))));
        prev.dispose();
      }
    },
    saved: () => ema,
    dispose() { for (const t of ema.values()) t.dispose(); },
  };
}
