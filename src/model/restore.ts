/**
 * Whole-image restoration with a trained network: reflect-padded to the network's size multiple, run in
 * overlapping tiles (blended with linear ramps) so any image size fits in memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Image } from '../image.js';
import { reflect101 } from '../imgproc/filter.js';
import type { MaskDcpt } from './maskdcpt.js';

function padReflect(img: Image, W: number, H: number): Image {
  const out = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const sy = reflect101(y, img.height);
    for (let x = 0; x < W; x++) {
      const sx = reflect101(x, img.width), s = (sy * img.width + sx) * 3, d = (y * W + x) * 3;
      out[d] = img.data[s]!; out[d + 1] = img.data[s + 1]!; out[d + 2] = img.data[s + 2]!;
    }
  }
  return { data: out, width: W, height: H, channels: 3 };
}

export function restoreImage(model: MaskDcpt, img: Image, tile = 256, overlap = 32): Image {
  const mult = 2 ** model.net.depth;
  const W = Math.ceil(img.width / mult) * mult, H = Math.ceil(img.height / mult) * mult;
  const padded = padReflect(img, W, H);
  const T = Math.max(mult, Math.floor(tile / mult) * mult);
  const full = tf.tensor4d(padded.data, [1, H, W, 3]);
  const run = (x0: number, y0: number, w: number, h: number): Float32Array => tf.tidy(() => {
    const x = w === W && h === H ? full : (tf.slice(full, [0, y0, x0, 0], [1, h, w, 3]) as tf.Tensor4D);
    return model.net.forward(x).out.dataSync() as Float32Array;
  });
  let result: Float32Array;
  if (W <= T && H <= T) result = run(0, 0, W, H);
  else {
    const acc = new Float32Array(W * H * 3), wsum = new Float32Array(W * H);
    const starts = (L: number): number[] => {
      if (L <= T) return [0];
      const s: number[] = [];
      for (let p = 0; p + T < L; p += T - overlap) s.push(p);
      s.push(L - T);
      return [...new Set(s)];
    };
    const tw = Math.min(T, W), th = Math.min(T, H);
    for (const y0 of starts(H)) for (const x0 of starts(W)) {
      const out = run(x0, y0, tw, th);
      for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
        // ramp weights so overlapping tiles cross-fade instead of leaving seams
        const w = Math.min(1, (Math.min(x, tw - 1 - x) + 1) / (overlap / 2 + 1)) * Math.min(1, (Math.min(y, th - 1 - y) + 1) / (overlap / 2 + 1));
        const g = (y0 + y) * W + x0 + x;
        wsum[g]! += w;
        for (let c = 0; c < 3; c++) acc[g * 3 + c]! += w * out[(y * tw + x) * 3 + c]!;
      }
    }
    for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) acc[i * 3 + c]! /= wsum[i]!;
    result = acc;
  }
  full.dispose();
  const out = new Float32Array(img.width * img.height * 3);
  for (let y = 0; y < img.height; y++) out.set(result.subarray(y * W * 3, (y * W + img.width) * 3), y * img.width * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]!));
  return { data: out, width: img.width, height: img.height, channels: 3 };
}
