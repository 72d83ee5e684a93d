/** What MaskDCPT needs from a restoration network (NAFNet, Restormer), and what an architecture module registers. */
import type * as tf from '@tensorflow/tfjs-core';
import { tidy as tfTidy } from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';

export interface NetOutputs {
  /** Restored image (input + residual). */
  out: tf.Tensor4D;
  /** Features after the last block (for heads). */
  last: tf.Tensor4D;
  /** Output of every block in forward order, for heads that read the latter half of the network. */
  blocks: tf.Tensor4D[];
}

export interface RestorationNet {
  readonly params: ParamStore;
  /** Number of 2x down-samplings: input sides must be multiples of 2^depth. */
  readonly depth: number;
  /** Channels of every block output, in forward order (matches NetOutputs.blocks). */
  blockWidths(): number[];
  /** The restoration pass; `mask` re-masks features at their resolution (MaskDCPT's dense sparse-conv emulation). */
  forward(inp: tf.Tensor4D, mask?: Masker, options?: ForwardOptions): NetOutputs;
}

export interface ForwardOptions {
  /**
   * Inference without gradients: every stage (a block, a down- or up-sampling) runs in its own tf.tidy and each
   * feature map is freed as soon as nothing needs it, so the peak memory is one block's working set plus the skip
   * connections instead of every activation of the pass (6.7 KB a pixel for nafnet-small without it). `blocks` is
   * then empty: heads read features through `onBlock`. The values are the same as without it, bit for bit.
   */
  lean?: boolean;
  /** Called with each block's output as it is made (its index in blockWidths()); in lean mode it is freed after. */
  onBlock?: (index: number, feature: tf.Tensor4D) => void;
}

/**
 * One stage of a forward pass: in lean mode inside its own tf.tidy (intermediates freed at once), then the features
 * it consumed are freed; otherwise plain (training: the tape keeps what the backward pass needs).
 */
export function stage(lean: boolean, fn: () => tf.Tensor4D, ...consumed: tf.Tensor4D[]): tf.Tensor4D {
  if (!lean) return fn();
  const y = tfTidy(fn);
  for (const t of consumed) t.dispose();
  return y;
}

/** An architecture family as its module registers it (archs/index.ts): how to build one, and its named presets. */
export interface ArchFamily<C> {
  family: string;
  build(config: C, seed: number | string): RestorationNet;
  presets: Record<string, C>;
}

/**
 * MaskDCPT's masking at every resolution: called on a feature map, multiplies it by the mask at its resolution;
 * `mean` is a global average pool over the visible positions only (what a sparse network pools over).
 */
export interface Masker {
  (t: tf.Tensor4D): tf.Tensor4D;
  mean(t: tf.Tensor4D): tf.Tensor4D;
}
