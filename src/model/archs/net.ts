/** What MaskDCPT needs from a restoration network (NAFNet, Restormer), and the one place that builds one. */
import type * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import { Nafnet, type NafnetConfig } from './nafnet.js';
import { Restormer, type RestormerConfig } from './restormer.js';

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
  forward(inp: tf.Tensor4D, mask?: Masker): NetOutputs;
}

/** A network config as stored in checkpoints; configs without `family` (older checkpoints) are NAFNet. */
export type NetConfig = (NafnetConfig & { family?: 'nafnet' }) | RestormerConfig;

export function buildNet(config: NetConfig, seed: number | string): RestorationNet {
  return config.family === 'restormer' ? new Restormer(config, seed) : new Nafnet(config, seed);
}

/**
 * MaskDCPT's masking at every resolution: called on a feature map, multiplies it by the mask at its resolution;
 * `mean` is a global average pool over the visible positions only (what a sparse network pools over).
 */
export interface Masker {
  (t: tf.Tensor4D): tf.Tensor4D;
  mean(t: tf.Tensor4D): tf.Tensor4D;
}
