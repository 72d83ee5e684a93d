/**
 * MaskDCPT (Hu et al., 2025): an encoder (the restoration network without its head) sees a masked degraded image;
 * a classification decoder reads the features of the latter half of the network, each scaled by a learnable
 * softmax-normalised weight, and predicts the degradation type; the reconstruction decoder (the network's own ending
 * conv, as the paper suggests) predicts the clean image. Loss: L1(clean, reconstruction) + focal loss (gamma 2).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Masker, RestorationNet } from './archs/net.js';
import { ARCH_PRESETS, buildNet, type NetConfig } from './archs/index.js';
import { ParamStore } from './params.js';
import { conv, layerNorm } from './ops.js';
import { maskTensor, type PatchMask } from './mask.js';
import { Rng } from '../rng.js';
import { UsageError } from '../errors.js';
import { RUN_DEFAULTS } from './defaults.js';

export interface MaskDcptConfig {
  arch: string; net: NetConfig; classes: string[]; headWidth: number; maskPatch: number; maskRatio: number;
  /**
   * The classifier average-pools each tapped feature map to 1/headPool of the input resolution (never coarser than the
   * map itself) after its 1x1 projection and a ReLU, so its LayerNorm and 3x3 convolutions run on a coarse grid:
   * degradation type is a statistic, and at full resolution the head cost more than a small encoder. 1 (no pooling,
   * LayerNorm then ReLU at full resolution) in older configs.
   */
  headPool?: number;
}

export function makeConfig(arch: string, classes: string[], o: { maskPatch?: number; maskRatio?: number; headWidth?: number } = {}): MaskDcptConfig {
  const net = ARCH_PRESETS[arch];
  if (!net) throw new UsageError(`{arch}: unknown architecture '${arch}'; valid: ${Object.keys(ARCH_PRESETS).join(', ')}`);
  return { arch, net, classes, headWidth: o.headWidth ?? (net.width >= 48 ? 64 : 32), maskPatch: o.maskPatch ?? RUN_DEFAULTS.maskPatch, maskRatio: o.maskRatio ?? RUN_DEFAULTS.maskRatio, headPool: 4 };
}

export class MaskDcpt {
  readonly net: RestorationNet;
  readonly head: ParamStore;
  /** Indices (into the network's block outputs) the classifier reads: the latter half. */
  readonly tapped: number[];
  constructor(readonly config: MaskDcptConfig, seed: number | string = 0) {
    this.net = buildNet(config.net, seed);
    const widths = this.net.blockWidths(), n = widths.length;
    this.tapped = Array.from({ length: Math.ceil(n / 2) }, (_, i) => n - Math.ceil(n / 2) + i);
    const h = (this.head = new ParamStore(new Rng(`maskdcpt-head/${seed}`)));
    const D = config.headWidth;
    this.tapped.forEach((b, i) => {
      const c = widths[b]!;
      h.uniform(`cls.${i}.proj.weight`, [1, 1, c, D], c); h.uniform(`cls.${i}.proj.bias`, [D], c);
      h.constant(`cls.${i}.norm.weight`, [D], 1); h.constant(`cls.${i}.norm.bias`, [D], 0);
      h.uniform(`cls.${i}.conv.weight`, [3, 3, D, D], D * 9); h.uniform(`cls.${i}.conv.bias`, [D], D * 9);
    });
    h.constant('cls.level_weights', [this.tapped.length], 1);
    h.uniform('cls.fc.weight', [D, config.classes.length], D); h.uniform('cls.fc.bias', [config.classes.length], D);
  }

  /** All trainable variables, named (network names, then head names prefixed with "head."). */
  variables(): Map<string, tf.Variable> {
    return new Map([...this.net.params.vars, ...[...this.head.vars].map(([k, v]) => [`head.${k}`, v] as [string, tf.Variable])]);
  }

  /**
   * The encoder pass: with a mask, the input, every LayerNorm output, branch output, down-sampled and skip-merged
   * feature is multiplied by the mask at its resolution (dense emulation of sparse convolution, as SparK and the
   * MaskDCPT code do), so hidden pixels cannot reach any visible-position feature; NAFNet's channel attention pools
   * over the visible positions only, so its statistics are those the unmasked network sees when fine-tuned.
   */
  encode(lq: tf.Tensor4D, mask?: PatchMask): { out: tf.Tensor4D; blocks: tf.Tensor4D[]; masker?: Masker } {
    if (!mask) return this.net.forward(lq);
    const masker = makeMasker(new Map(), (h) => maskTensor(mask, Math.round(Math.log2(lq.shape[1] / h))));
    return { ...this.net.forward(masker(lq), masker), masker };
  }

  /**
   * Masked forward when a mask is given (pre-training); dense otherwise (fine-tuning, inference). `lean` (inference
   * only, no mask) frees every feature as soon as it is used, the classifier reading each tapped block as it is made.
   */
  forward(lq: tf.Tensor4D, mask?: PatchMask, o: { lean?: boolean } = {}): { recon: tf.Tensor4D; logits: tf.Tensor2D; masker?: Masker } {
    if (o.lean && !mask) return tf.tidy(() => this.pass(lq, undefined, true) as { recon: tf.Tensor4D; logits: tf.Tensor2D });
    return this.pass(lq, mask, false);
  }

  private pass(lq: tf.Tensor4D, mask: PatchMask | undefined, lean: boolean): { recon: tf.Tensor4D; logits: tf.Tensor2D; masker?: Masker } {
    const masker = mask ? makeMasker(new Map(), (h) => maskTensor(mask, Math.round(Math.log2(lq.shape[1] / h)))) : undefined;
    const h = (n: string): tf.Variable => this.head.get(n);
    const weights = tf.softmax(h('cls.level_weights'));
    const taps = new Map(this.tapped.map((b, i) => [b, i]));
    let pooled: tf.Tensor2D | null = null;
    const onBlock = (b: number, feature: tf.Tensor4D): void => {
      const i = taps.get(b);
      if (i === undefined) return;
      const add = (): tf.Tensor2D => {
        const g = tf.mul(this.tap(i, feature, lq.shape[1], masker), tf.slice(weights, [i], [1])) as tf.Tensor2D;
        return pooled ? (tf.add(pooled, g) as tf.Tensor2D) : g;
      };
      const prev = pooled;
      pooled = lean ? tf.tidy(add) : add();
      if (lean) prev?.dispose();
    };
    const { out } = this.net.forward(masker ? masker(lq) : lq, masker, { lean, onBlock });
    const logits = tf.add(tf.matMul(pooled!, h('cls.fc.weight') as tf.Tensor2D), h('cls.fc.bias')) as tf.Tensor2D;
    if (lean) (pooled as tf.Tensor2D | null)?.dispose();
    return { recon: out, logits, masker };
  }

  /** The classifier's pooled features [batch, headWidth] of tapped block i (unweighted). */
  private tap(i: number, feature: tf.Tensor4D, inputHeight: number, masker?: Masker): tf.Tensor2D {
    const h = (n: string): tf.Variable => this.head.get(n);
    let f = conv(feature, h(`cls.${i}.proj.weight`), h(`cls.${i}.proj.bias`));
    const stride = Math.max(1, Math.round(((this.config.headPool ?? 1) * f.shape[1]) / inputHeight));
    if (stride > 1) f = poolMean(tf.relu(f) as tf.Tensor4D, stride);
    f = tf.relu(layerNorm(f, h(`cls.${i}.norm.weight`), h(`cls.${i}.norm.bias`))) as tf.Tensor4D;
    f = tf.relu(tf.add(f, conv(f, h(`cls.${i}.conv.weight`), h(`cls.${i}.conv.bias`)))) as tf.Tensor4D;
    // masked: the classifier, too, averages over the visible positions only, as it will see them unmasked
    return (masker ? tf.reshape(masker.mean(f), [f.shape[0], f.shape[3]]) : tf.mean(f, [1, 2])) as tf.Tensor2D;
  }

  dispose(): void { this.net.params.dispose(); this.head.dispose(); }
}

/**
 * The masker over masks keyed by their height; a resolution not in `masks` is made by `make` (when given) and kept
 * there, so the map ends up holding every resolution the pass used.
 */
export function makeMasker(masks: Map<number, tf.Tensor4D>, make?: (height: number) => tf.Tensor4D): Masker {
  const at = (t: tf.Tensor4D): tf.Tensor4D => {
    const h = t.shape[1];
    if (!masks.has(h) && make) masks.set(h, make(h));
    const m = masks.get(h);
    if (!m) throw new Error(`masker: no mask at height ${h}`);
    return m;
  };
  return Object.assign((t: tf.Tensor4D): tf.Tensor4D => tf.mul(t, at(t)) as tf.Tensor4D, {
    mean: (t: tf.Tensor4D): tf.Tensor4D => tf.div(tf.sum(tf.mul(t, at(t)), [1, 2], true), tf.maximum(tf.sum(at(t), [1, 2], true), 1)) as tf.Tensor4D,
  });
}

/** Average pooling over s x s windows as reshape + mean (its gradient runs on every backend). */
function poolMean(x: tf.Tensor4D, s: number): tf.Tensor4D {
  const [b, hh, ww, c] = x.shape;
  return tf.mean(tf.reshape(x, [b, hh / s, s, ww / s, s, c]), [2, 4]) as tf.Tensor4D;
}

/** Focal loss (Lin et al. 2017), gamma 2, mean over the batch. labels: int class indices. */
export function focalLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, gamma = 2): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(labels, logits.shape[1]);
    const logpt = tf.sum(tf.mul(logp, onehot), -1);
    const pt = tf.exp(logpt);
    return tf.neg(tf.mean(tf.mul(tf.pow(tf.sub(1, pt), gamma), logpt))) as tf.Scalar;
  });
}

/**
 * The pre-training loss. With a mask, L1 is the mean over visible pixels only: the dense emulation of sparse
 * convolution keeps every feature at a hidden position zero through the whole U-Net, decoder included, so the
 * reconstruction there is the ending conv's bias alone; a loss on it cannot teach the network anything and drags that
 * shared bias towards the mean clean colour (measured: 0.12-0.21 after 2000 steps, against ~0 when trained unmasked),
 * which fine-tuning then has to undo. Without a mask (fine-tuning), the mean over all pixels.
 */
export function maskdcptLoss(m: MaskDcpt, lq: tf.Tensor4D, gt: tf.Tensor4D, labels: tf.Tensor1D, mask?: PatchMask): { total: tf.Scalar; l1: tf.Scalar; focal: tf.Scalar; logits: tf.Tensor2D } {
  const { recon, logits, masker } = m.forward(lq, mask);
  const err = tf.abs(tf.sub(recon, gt)) as tf.Tensor4D;
  // every sample hides the same number of cells, so the mean of the per-sample visible means is the visible mean
  const l1 = tf.mean(masker ? masker.mean(err) : err) as tf.Scalar;
  const focal = focalLoss(logits, labels);
  return { total: tf.add(l1, focal) as tf.Scalar, l1, focal, logits };
}
