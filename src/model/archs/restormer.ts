/**
 * Restormer (Zamir et al., CVPR 2022) in TensorFlow.js, NHWC, with the public PyTorch Restormer's parameter names
 * (patch_embed.proj, encoder_level{l}.{j}.{norm1,attn,norm2,ffn}.*, down{l}_{l+1}.body.0, latent.{j}, up{l+1}_{l}.body.0,
 * reduce_chan_level{l}, decoder_level{l}.{j}, refinement.{j}, output) so weights map one to one (conv weights are HWIO
 * here, OIHW in PyTorch; attn.temperature keeps its [heads, 1, 1] shape). Bias-free convolutions and WithBias
 * LayerNorm, as the released denoising/deraining configurations.
 *
 * Blocks: x + MDTA(LN(x)) (multi-Dconv head transposed attention: 1x1 conv to q, k, v, 3x3 depthwise conv, L2-normalised
 * q and k along the pixels, a channels x channels attention per head scaled by a learned temperature), then
 * x + GDFN(LN(x)) (1x1 conv to 2 x hidden, 3x3 depthwise conv, GELU(x1) * x2, 1x1 conv back).
 *
 * Masked (MaskDCPT) forward: every LayerNorm output, q/k/v after their depthwise conv, and every branch output are
 * multiplied by the mask, so the attention sums (over pixels) and the convolutions only ever see visible positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../params.js';
import { conv as convBias, layerNorm, pixelShuffle, pixelUnshuffle } from '../ops.js';
import { Rng } from '../../rng.js';
import { stage, type ArchFamily, type ForwardOptions, type Masker, type NetOutputs, type RestorationNet } from './net.js';

/** Restormer's convolutions are bias-free. */
const conv = (x: tf.Tensor4D, w: tf.Tensor): tf.Tensor4D => convBias(x, w, null);

export interface RestormerConfig {
  family: 'restormer';
  /** Channels at full resolution (48 in the paper). */
  width: number;
  /** Transformer blocks per level, the last one being the latent level ([4, 6, 6, 8] in the paper). */
  blocks: number[];
  /** Attention heads per level ([1, 2, 4, 8]). */
  heads: number[];
  /** Refinement blocks at full resolution (4). */
  refinement: number;
  /** GDFN hidden width = floor(channels x factor) (2.66). */
  ffnFactor: number;
}

const dwconv = (x: tf.Tensor4D, w: tf.Tensor): tf.Tensor4D => tf.depthwiseConv2d(x, w as tf.Tensor4D, 1, 'same');

function blockParams(p: ParamStore, prefix: string, c: number, heads: number, factor: number): void {
  const hidden = Math.floor(c * factor);
  p.constant(`${prefix}.norm1.body.weight`, [c], 1); p.constant(`${prefix}.norm1.body.bias`, [c], 0);
  p.constant(`${prefix}.attn.temperature`, [heads, 1, 1], 1);
  p.uniform(`${prefix}.attn.qkv.weight`, [1, 1, c, 3 * c], c);
  p.uniform(`${prefix}.attn.qkv_dwconv.weight`, [3, 3, 3 * c, 1], 9);
  p.uniform(`${prefix}.attn.project_out.weight`, [1, 1, c, c], c);
  p.constant(`${prefix}.norm2.body.weight`, [c], 1); p.constant(`${prefix}.norm2.body.bias`, [c], 0);
  p.uniform(`${prefix}.ffn.project_in.weight`, [1, 1, c, 2 * hidden], c);
  p.uniform(`${prefix}.ffn.dwconv.weight`, [3, 3, 2 * hidden, 1], 9);
  p.uniform(`${prefix}.ffn.project_out.weight`, [1, 1, hidden, c], hidden);
}

/** PyTorch F.normalize(t, dim=-1): t / max(||t||_2, 1e-12). */
function l2normalize(t: tf.Tensor): tf.Tensor {
  return tf.div(t, tf.maximum(tf.sqrt(tf.sum(tf.square(t), -1, true)), 1e-12));
}

/** MDTA on NHWC features x (already normalised); m re-masks (identity when not masking). */
function attention(p: ParamStore, prefix: string, x: tf.Tensor4D, heads: number, m: (t: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const g = (n: string): tf.Variable => p.get(`${prefix}.${n}`);
  const [b, h, w, c] = x.shape;
  const ch = c / heads;
  const qkv = m(dwconv(conv(x, g('qkv.weight')), g('qkv_dwconv.weight')));
  const [q, k, v] = tf.split(qkv, 3, -1) as tf.Tensor4D[];
  // 'b h w (head c) -> b head c (h w)'
  const toHeads = (t: tf.Tensor4D): tf.Tensor => tf.reshape(tf.transpose(tf.reshape(t, [b, h * w, heads, ch]), [0, 2, 3, 1]), [b * heads, ch, h * w]);
  const qh = l2normalize(toHeads(q!)), kh = l2normalize(toHeads(k!)), vh = toHeads(v!);
  const temp = tf.reshape(tf.tile(tf.reshape(g('temperature'), [1, heads, 1, 1]), [b, 1, 1, 1]), [b * heads, 1, 1]);
  const attn = tf.softmax(tf.mul(tf.matMul(qh as tf.Tensor3D, kh as tf.Tensor3D, false, true), temp));
  const out = tf.matMul(attn as tf.Tensor3D, vh as tf.Tensor3D); // [b*heads, ch, hw]
  const back = tf.reshape(tf.transpose(tf.reshape(out, [b, heads, ch, h * w]), [0, 3, 1, 2]), [b, h, w, c]) as tf.Tensor4D;
  return m(conv(back, g('project_out.weight')));
}

/** GDFN: 1x1 to 2 hidden, 3x3 depthwise, GELU(x1) * x2, 1x1 back. */
function feedForward(p: ParamStore, prefix: string, x: tf.Tensor4D, m: (t: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const g = (n: string): tf.Variable => p.get(`${prefix}.${n}`);
  const y = m(dwconv(conv(x, g('project_in.weight')), g('dwconv.weight')));
  const [x1, x2] = tf.split(y, 2, -1);
  // exact GELU, as torch.nn.functional.gelu
  const gelu = tf.mul(tf.mul(x1!, 0.5), tf.add(1, tf.erf(tf.mul(x1!, Math.SQRT1_2))));
  return m(conv(tf.mul(gelu, x2!) as tf.Tensor4D, g('project_out.weight')));
}

export function transformerBlock(p: ParamStore, prefix: string, x: tf.Tensor4D, heads: number, mask?: Masker): tf.Tensor4D {
  const g = (n: string): tf.Variable => p.get(`${prefix}.${n}`);
  const m = mask ?? ((t: tf.Tensor4D) => t);
  const a = tf.add(x, attention(p, `${prefix}.attn`, m(layerNorm(x, g('norm1.body.weight'), g('norm1.body.bias'), 1e-5) as tf.Tensor4D), heads, m)) as tf.Tensor4D;
  return tf.add(a, feedForward(p, `${prefix}.ffn`, m(layerNorm(a, g('norm2.body.weight'), g('norm2.body.bias'), 1e-5) as tf.Tensor4D), m)) as tf.Tensor4D;
}

export class Restormer implements RestorationNet {
  readonly params: ParamStore;
  readonly depth: number;
  constructor(readonly config: RestormerConfig, seed: number | string = 0) {
    const p = (this.params = new ParamStore(new Rng(`restormer/${seed}`)));
    const { width: d, blocks, heads, ffnFactor: f } = config;
    const L = blocks.length;
    this.depth = L - 1;
    p.uniform('patch_embed.proj.weight', [3, 3, 3, d], 27);
    for (let l = 0; l < L; l++) {
      const c = d * 2 ** l;
      for (let j = 0; j < blocks[l]!; j++) blockParams(p, `${this.encName(l)}.${j}`, c, heads[l]!, f);
      if (l < L - 1) p.uniform(`down${l + 1}_${l + 2}.body.0.weight`, [3, 3, c, c / 2], c * 9);
    }
    for (let l = L - 2; l >= 0; l--) {
      const c = d * 2 ** (l + 1); // channels coming up from level l + 1
      p.uniform(`up${l + 2}_${l + 1}.body.0.weight`, [3, 3, c, 2 * c], c * 9);
      const merged = d * 2 ** l * 2;
      if (l > 0) p.uniform(`reduce_chan_level${l + 1}.weight`, [1, 1, merged, merged / 2], merged);
      const cd = l > 0 ? merged / 2 : merged;
      for (let j = 0; j < blocks[l]!; j++) blockParams(p, `decoder_level${l + 1}.${j}`, cd, heads[l]!, f);
    }
    for (let j = 0; j < config.refinement; j++) blockParams(p, `refinement.${j}`, 2 * d, heads[0]!, f);
    p.uniform('output.weight', [3, 3, 2 * d, 3], 2 * d * 9);
  }

  private encName(l: number): string { return l === this.config.blocks.length - 1 ? 'latent' : `encoder_level${l + 1}`; }

  blockWidths(): number[] {
    const { width: d, blocks, refinement } = this.config, out: number[] = [];
    blocks.forEach((n, l) => { for (let j = 0; j < n; j++) out.push(d * 2 ** l); });
    for (let l = blocks.length - 2; l >= 0; l--) for (let j = 0; j < blocks[l]!; j++) out.push(l > 0 ? d * 2 ** l : 2 * d);
    for (let j = 0; j < refinement; j++) out.push(2 * d);
    return out;
  }

  forward(inp: tf.Tensor4D, mask?: Masker, o: ForwardOptions = {}): NetOutputs {
    const p = this.params, { blocks: nb, heads } = this.config, L = nb.length, lean = o.lean === true;
    if (lean && mask) throw new Error('restormer: lean (inference) forward takes no mask');
    const m = mask ?? ((t: tf.Tensor4D) => t);
    const blocks: tf.Tensor4D[] = [];
    let index = 0;
    const block = (name: string, x: tf.Tensor4D, h: number): tf.Tensor4D => {
      const y = stage(lean, () => transformerBlock(p, name, x, h, mask), x);
      o.onBlock?.(index++, y);
      if (!lean) blocks.push(y);
      return y;
    };
    let x = m(conv(m(inp), p.get('patch_embed.proj.weight')));
    const skips: tf.Tensor4D[] = [];
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < nb[l]!; j++) x = block(`${this.encName(l)}.${j}`, x, heads[l]!);
      if (l < L - 1) {
        const s = x;
        skips.push(s);
        x = stage(lean, () => m(pixelUnshuffle(m(conv(s, p.get(`down${l + 1}_${l + 2}.body.0.weight`))), 2)));
      }
    }
    for (let l = L - 2; l >= 0; l--) {
      const up = x, skip = skips[l]!;
      x = stage(lean, () => {
        const merged = tf.concat([m(pixelShuffle(conv(up, p.get(`up${l + 2}_${l + 1}.body.0.weight`)), 2)), skip], -1) as tf.Tensor4D;
        return l > 0 ? m(conv(merged, p.get(`reduce_chan_level${l + 1}.weight`))) : merged;
      }, up, skip);
      for (let j = 0; j < nb[l]!; j++) x = block(`decoder_level${l + 1}.${j}`, x, heads[l]!);
    }
    for (let j = 0; j < this.config.refinement; j++) x = block(`refinement.${j}`, x, heads[0]!);
    const last = x;
    const out = stage(lean, () => tf.add(conv(last, p.get('output.weight')), inp) as tf.Tensor4D, ...(lean ? [last] : []));
    return { out, last, blocks };
  }
}

/** Restormer's presets: as released, and two for CPUs. */
export const RESTORMER: ArchFamily<RestormerConfig> = {
  family: 'restormer',
  build: (config, seed) => new Restormer(config, seed),
  presets: {
    /** Restormer as released (dim 48, blocks [4, 6, 6, 8], 4 refinement blocks, heads [1, 2, 4, 8], GDFN factor 2.66). */
    'restormer': { family: 'restormer', width: 48, blocks: [4, 6, 6, 8], heads: [1, 2, 4, 8], refinement: 4, ffnFactor: 2.66 },
    'restormer-small': { family: 'restormer', width: 16, blocks: [1, 1, 1, 1], heads: [1, 2, 4, 8], refinement: 1, ffnFactor: 2.66 },
    'restormer-tiny': { family: 'restormer', width: 8, blocks: [1, 1], heads: [1, 2], refinement: 1, ffnFactor: 2.66 },
  },
};
