/**
 * Model-level ops. On the wasm and webgpu backends LayerNorm and SimpleGate run fused kernels (SIMD or WGSL, forward
 * and backward, via tf.customGrad); everywhere else the same maths runs as composite tf ops, which also serve as the
 * reference in tests. PixelShuffle is written with reshape/transpose, which have gradients (tf.depthToSpace has none).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelsActive } from './kernels/fused.js';

/** LayerNorm over the channel (last) axis of NHWC features, as NAFNet's LayerNorm2d. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-6): tf.Tensor {
  if (!fusedKernelsActive()) {
    return tf.tidy(() => {
      const mean = tf.mean(x, -1, true);
      const xc = tf.sub(x, mean);
      const v = tf.mean(tf.square(xc), -1, true);
      return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(v, eps))), g), b);
    });
  }
  const f = tf.customGrad(((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    // the kernel returns y and the row statistics its gradient needs, as that backend keeps them (s0, s1, ...)
    const [y, ...stats] = tf.engine().runKernel('UirLayerNorm', { x: xi, g: gi, b: bi }, { eps }) as tf.Tensor[];
    save([xi, gi, ...stats]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, ...ss] = saved;
        const named = Object.fromEntries(ss.map((t, i) => [`s${i}`, t]));
        const [dx, dg, db] = tf.engine().runKernel('UirLayerNormGrad', { dy, x: sx!, g: sg!, ...named }, {}) as tf.Tensor[];
        return [dx!, tf.reshape(dg!, gi.shape), tf.reshape(db!, bi.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, g, b);
}

/** NAFNet's SimpleGate: split the channels in halves and multiply them. */
export function simpleGate(x: tf.Tensor): tf.Tensor {
  if (!fusedKernelsActive()) {
    return tf.tidy(() => {
      const [a, b] = tf.split(x, 2, -1);
      return tf.mul(a!, b!);
    });
  }
  const f = tf.customGrad(((xi: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    const y = tf.engine().runKernel('UirSimpleGate', { x: xi }, {}) as tf.Tensor;
    save([xi]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel('UirSimpleGateGrad', { dy, x: saved[0]! }, {}) as tf.Tensor };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}

/** PyTorch's PixelShuffle(r) in NHWC: [N, H, W, C r^2] -> [N, H r, W r, C], channel order as PyTorch (c, i, j). */
export function pixelShuffle(x: tf.Tensor4D, r: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const co = c / (r * r);
    // PyTorch channel index = c' r^2 + i r + j
    const t = tf.reshape(x, [n, h, w, co, r, r]);
    const p = tf.transpose(t, [0, 1, 4, 2, 5, 3]); // n, h, i, w, j, c'
    return tf.reshape(p, [n, h * r, w * r, co]) as tf.Tensor4D;
  });
}

/** PyTorch's PixelUnshuffle(r) in NHWC: [N, H r, W r, C] -> [N, H, W, C r^2], channel order as PyTorch (c, i, j). */
export function pixelUnshuffle(x: tf.Tensor4D, r: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const t = tf.reshape(x, [n, h / r, r, w / r, r, c]); // n, h', i, w', j, c
    const p = tf.transpose(t, [0, 1, 3, 5, 2, 4]); // n, h', w', c, i, j
    return tf.reshape(p, [n, h / r, w / r, c * r * r]) as tf.Tensor4D;
  });
}

/** A 2-D convolution (HWIO weights) with an optional bias: the one layer every network and head here shares. */
export function conv(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor | null, stride = 1, pad: 'same' | 'valid' = 'same'): tf.Tensor4D {
  const y = tf.conv2d(x, w as tf.Tensor4D, stride, pad);
  return b ? tf.add(y, b) : y;
}
