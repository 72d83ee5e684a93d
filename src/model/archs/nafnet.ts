/**
 * NAFNet (Chen et al., ECCV 2022) in TensorFlow.js, NHWC, as MaskDCPT's `NAFNetBaseline`
 * (MILab-PKU/MaskDCPT basicsr/archs/nafnet_arch.py) with its parameter names (intro, encoders.i.blocks.j.*, downs.i,
 * middle_blks.blocks.j.*, ups.i.0, decoder{i}.blocks.j.*, ending: its NAFBlocks wrap blocks in `.blocks`, where
 * megvii's NAFNet names them encoders.i.j, middle_blks.j and decoders.i.j) so weights map one to one (conv weights
 * are HWIO here, OIHW in PyTorch), and its LayerNorm epsilon (config.eps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../params.js';
import { conv, layerNorm, simpleGate, pixelShuffle } from '../ops.js';
import { Rng } from '../../rng.js';
import { stage, type ArchFamily, type ForwardOptions, type Masker, type NetOutputs, type RestorationNet } from './net.js';

export interface NafnetConfig {
  width: number;
  encBlocks: number[];
  middleBlocks: number;
  decBlocks: number[];
  inChannels?: number;
  /**
   * LayerNorm epsilon: 1e-5 in MaskDCPT's NAFNetBaseline (its LayerNorm2d is an nn.LayerNorm over channels), 1e-6 in
   * megvii's NAFNet (its own LayerNorm2d). The presets use MaskDCPT's; configs without it (checkpoints made before it
   * was recorded) were trained with 1e-6 and keep it.
   */
  eps?: number;
}

/** LayerNorm epsilon of configs that do not record one (checkpoints made before it was part of the config). */
export const LEGACY_NAFNET_EPS = 1e-6;


function blockParams(p: ParamStore, prefix: string, c: number): void {
  const d = 2 * c;
  p.constant(`${prefix}.norm1.weight`, [c], 1); p.constant(`${prefix}.norm1.bias`, [c], 0);
  p.uniform(`${prefix}.conv1.weight`, [1, 1, c, d], c); p.uniform(`${prefix}.conv1.bias`, [d], c);
  p.uniform(`${prefix}.conv2.weight`, [3, 3, d, 1], 9); p.uniform(`${prefix}.conv2.bias`, [d], 9);
  p.uniform(`${prefix}.sca.1.weight`, [1, 1, c, c], c); p.uniform(`${prefix}.sca.1.bias`, [c], c);
  p.uniform(`${prefix}.conv3.weight`, [1, 1, c, c], c); p.uniform(`${prefix}.conv3.bias`, [c], c);
  p.constant(`${prefix}.norm2.weight`, [c], 1); p.constant(`${prefix}.norm2.bias`, [c], 0);
  p.uniform(`${prefix}.conv4.weight`, [1, 1, c, d], c); p.uniform(`${prefix}.conv4.bias`, [d], c);
  p.uniform(`${prefix}.conv5.weight`, [1, 1, c, c], c); p.uniform(`${prefix}.conv5.bias`, [c], c);
  p.constant(`${prefix}.beta`, [c], 0); p.constant(`${prefix}.gamma`, [c], 0);
}

export function nafBlock(p: ParamStore, prefix: string, inp: tf.Tensor4D, mask?: Masker, eps = LEGACY_NAFNET_EPS): tf.Tensor4D {
  const g = (n: string): tf.Variable => p.get(`${prefix}.${n}`);
  const m = mask ?? ((t: tf.Tensor4D) => t);
  // masked (SparK-style) when m is given: LayerNorm output and branch outputs are zero at hidden positions
  let x = m(layerNorm(inp, g('norm1.weight'), g('norm1.bias'), eps) as tf.Tensor4D);
  x = conv(x, g('conv1.weight'), g('conv1.bias'));
  x = tf.add(tf.depthwiseConv2d(x, g('conv2.weight') as tf.Tensor4D, 1, 'same'), g('conv2.bias'));
  x = simpleGate(x) as tf.Tensor4D;
  // masked: pooled over the visible positions (hidden ones hold bias-derived values a sparse network would not have)
  const pooled = mask ? mask.mean(x) : (tf.mean(x, [1, 2], true) as tf.Tensor4D);
  x = tf.mul(x, conv(pooled, g('sca.1.weight'), g('sca.1.bias')));
  x = m(conv(x, g('conv3.weight'), g('conv3.bias')));
  const y = tf.add(inp, tf.mul(x, g('beta'))) as tf.Tensor4D;
  let z = m(layerNorm(y, g('norm2.weight'), g('norm2.bias'), eps) as tf.Tensor4D);
  z = conv(z, g('conv4.weight'), g('conv4.bias'));
  z = simpleGate(z) as tf.Tensor4D;
  z = m(conv(z, g('conv5.weight'), g('conv5.bias')));
  return tf.add(y, tf.mul(z, g('gamma'))) as tf.Tensor4D;
}

export class Nafnet implements RestorationNet {
  readonly params: ParamStore;
  readonly levelWidths: number[] = [];
  readonly depth: number;
  readonly eps: number;
  constructor(readonly config: NafnetConfig, seed: number | string = 0) {
    this.depth = config.encBlocks.length;
    this.eps = config.eps ?? LEGACY_NAFNET_EPS;
    const p = (this.params = new ParamStore(new Rng(`nafnet/${seed}`)));
    const w = config.width, inC = config.inChannels ?? 3;
    p.uniform('intro.weight', [3, 3, inC, w], inC * 9); p.uniform('intro.bias', [w], inC * 9);
    let c = w;
    config.encBlocks.forEach((n, i) => {
      this.levelWidths.push(c);
      for (let j = 0; j < n; j++) blockParams(p, `encoders.${i}.blocks.${j}`, c);
      p.uniform(`downs.${i}.weight`, [2, 2, c, 2 * c], c * 4); p.uniform(`downs.${i}.bias`, [2 * c], c * 4);
      c *= 2;
    });
    for (let j = 0; j < config.middleBlocks; j++) blockParams(p, `middle_blks.blocks.${j}`, c);
    config.decBlocks.forEach((n, i) => {
      p.uniform(`ups.${i}.0.weight`, [1, 1, c, 2 * c], c);
      c /= 2;
      for (let j = 0; j < n; j++) blockParams(p, `decoder${i}.blocks.${j}`, c);
    });
    p.uniform('ending.weight', [3, 3, w, 3], w * 9); p.uniform('ending.bias', [3], w * 9);
  }

  blockWidths(): number[] {
    const c = this.config, out: number[] = [];
    let w = c.width;
    c.encBlocks.forEach((n) => { for (let j = 0; j < n; j++) out.push(w); w *= 2; });
    for (let j = 0; j < c.middleBlocks; j++) out.push(w);
    c.decBlocks.forEach((n) => { w /= 2; for (let j = 0; j < n; j++) out.push(w); });
    return out;
  }

  /** The features the restoration path computes (no head). `mask` re-masks branch outputs (MaskDCPT). */
  forward(inp: tf.Tensor4D, mask?: Masker, o: ForwardOptions = {}): NetOutputs {
    const p = this.params, cfg = this.config, lean = o.lean === true, eps = this.eps;
    if (lean && mask) throw new Error('nafnet: lean (inference) forward takes no mask');
    const blocks: tf.Tensor4D[] = [];
    let index = 0;
    const block = (name: string, x: tf.Tensor4D, free: boolean): tf.Tensor4D => {
      const y = stage(lean, () => nafBlock(p, name, x, mask, eps), ...(free ? [x] : []));
      o.onBlock?.(index++, y);
      if (!lean) blocks.push(y);
      return y;
    };
    let x = conv(inp, p.get('intro.weight'), p.get('intro.bias'));
    if (mask) x = mask(x);
    const skips: tf.Tensor4D[] = [];
    cfg.encBlocks.forEach((n, i) => {
      for (let j = 0; j < n; j++) x = block(`encoders.${i}.blocks.${j}`, x, true);
      skips.push(x);
      const s = x;
      x = stage(lean, () => conv(s, p.get(`downs.${i}.weight`), p.get(`downs.${i}.bias`), 2, 'valid'));
      if (mask) x = mask(x);
    });
    for (let j = 0; j < cfg.middleBlocks; j++) x = block(`middle_blks.blocks.${j}`, x, true);
    cfg.decBlocks.forEach((n, i) => {
      const up = x, skip = skips[skips.length - 1 - i]!;
      x = stage(lean, () => tf.add(pixelShuffle(conv(up, p.get(`ups.${i}.0.weight`), null), 2), skip) as tf.Tensor4D, up, skip);
      if (mask) x = mask(x);
      for (let j = 0; j < n; j++) x = block(`decoder${i}.blocks.${j}`, x, true);
    });
    const last = x;
    const out = stage(lean, () => tf.add(conv(last, p.get('ending.weight'), p.get('ending.bias')), inp) as tf.Tensor4D, ...(lean ? [last] : []));
    return { out, last, blocks };
  }
}

/** NAFNet's presets: MaskDCPT's 5D configuration and two for CPUs. */
export const NAFNET: ArchFamily<NafnetConfig & { family: 'nafnet' }> = {
  family: 'nafnet',
  build: (config, seed) => new Nafnet(config, seed),
  presets: {
    /** The paper's NAFNet 5D configuration (~68M parameters with the heads). */
    'nafnet-5d': { family: 'nafnet', eps: 1e-5, width: 64, encBlocks: [1, 1, 1, 28], middleBlocks: 1, decBlocks: [1, 1, 1, 1] },
    'nafnet-small': { family: 'nafnet', eps: 1e-5, width: 16, encBlocks: [1, 1, 1, 1], middleBlocks: 1, decBlocks: [1, 1, 1, 1] },
    'nafnet-tiny': { family: 'nafnet', eps: 1e-5, width: 8, encBlocks: [1, 1], middleBlocks: 1, decBlocks: [1, 1] },
  },
};
