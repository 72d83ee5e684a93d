/**
 * MaskDCPT's random patch masks: per sample, exactly round(ratio x patches) of the patch x patch cells are hidden
 * (0), chosen by a seeded permutation. Masks are brought to each U-Net level by nearest upsampling of the cell grid
 * (a 16 px cell is 8 px at 1/2 resolution, ... 1 px at 1/16).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.js';
import { UsageError } from '../errors.js';

export interface PatchMask { n: number; rows: number; cols: number; patch: number; visible: Uint8Array }

export function randomPatchMask(rng: Rng, n: number, height: number, width: number, patch = 16, ratio = 0.5): PatchMask {
  if (height % patch || width % patch) throw new UsageError(`mask: image ${width}x${height} is not a multiple of the mask patch ${patch}`);
  if (!(ratio >= 0 && ratio < 1)) throw new UsageError(`mask ratio: expected 0 <= ratio < 1, received ${ratio}`);
  const rows = height / patch, cols = width / patch, cells = rows * cols;
  const hide = Math.round(ratio * cells);
  const visible = new Uint8Array(n * cells).fill(1);
  for (let s = 0; s < n; s++) {
    const idx = Array.from({ length: cells }, (_, i) => i);
    for (let i = cells - 1; i > 0; i--) { const j = rng.int(0, i); [idx[i], idx[j]] = [idx[j]!, idx[i]!]; }
    for (let k = 0; k < hide; k++) visible[s * cells + idx[k]!] = 0;
  }
  return { n, rows, cols, patch, visible };
}

/** The mask as an [n, h, w, 1] float tensor at a level whose resolution is 1 / 2^level of the input. */
export function maskTensor(m: PatchMask, level: number): tf.Tensor4D {
  const scale = m.patch / 2 ** level;
  if (scale < 1 || !Number.isInteger(scale)) throw new UsageError(`mask patch ${m.patch} is too small for ${level} down-sampling levels`);
  const h = m.rows * scale, w = m.cols * scale;
  const data = new Float32Array(m.n * h * w);
  for (let s = 0; s < m.n; s++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    data[(s * h + y) * w + x] = m.visible[s * m.rows * m.cols + Math.floor(y / scale) * m.cols + Math.floor(x / scale)]!;
  }
  return tf.tensor4d(data, [m.n, h, w, 1]);
}
