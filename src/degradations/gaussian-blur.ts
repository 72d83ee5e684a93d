/**
 * gaussian-blur (GB): Real-ESRGAN's blur-kernel family: isotropic and anisotropic Gaussian, generalized Gaussian,
 * plateau, and sinc (ringing) kernels, drawn with Real-ESRGAN's probabilities
 * (iso .45, aniso .25, generalized iso/aniso .12/.03, plateau iso/aniso .12/.03; sinc with p = 0.1).
 * The level sets the kernel's geometric-mean sigma; anisotropic kernels split it into sigma_x > sigma_y.
 */
import type { Image } from '../image.js';
import { clamp01 } from '../image.js';
import { convolveKernel, convolveSeparable, gaussianKernel1d } from '../imgproc/filter.js';
import { blurKernel, type BlurKernelParams, type BlurKernelKind } from '../imgproc/kernels.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { choice, fields, int, num } from '../schema.js';

export type GaussianBlurParams = BlurKernelParams;

export const BLUR_SIGMAS = [0.5, 0.7, 0.9, 1.1, 1.3, 1.6, 1.9, 2.2, 2.6, 3.0, 3.5, 4.0] as const;
const KINDS: BlurKernelKind[] = ['iso', 'aniso', 'generalized_iso', 'generalized_aniso', 'plateau_iso', 'plateau_aniso'];

export function applyBlurKernel(img: Image, p: BlurKernelParams): Image {
  if (p.kind === 'iso' || (p.kind === 'aniso' && (p.theta === 0 || p.sigmaX === p.sigmaY))) {
    // exactly separable: two 1-D passes
    const r = (p.size - 1) / 2;
    return convolveSeparable(img, gaussianKernel1d(p.sigmaX, r), gaussianKernel1d(p.sigmaY, r), true);
  }
  return clamp01(convolveKernel(img, blurKernel(p)));
}

/** Draw a kernel whose strength is set by sigma (pixels); the draws do not depend on sigma. */
export function sampleBlurKernel(sigma: number, rng: import('../rng.js').Rng): BlurKernelParams {
  let kind = KINDS[rng.weighted([0.45, 0.25, 0.12, 0.03, 0.12, 0.03])]!;
  const sinc = rng.bool(0.1);
  const ratio = rng.uniform(1, 2.5);
  const theta = rng.uniform(-Math.PI, Math.PI);
  const gBeta = rng.uniform(0.5, 4), pBeta = rng.uniform(1, 2);
  if (sinc) kind = 'sinc';
  const aniso = kind.endsWith('aniso');
  const sx = aniso ? sigma * Math.sqrt(ratio) : sigma, sy = aniso ? sigma / Math.sqrt(ratio) : sigma;
  const size = Math.max(7, 2 * Math.ceil(3 * Math.max(sx, sy)) + 1);
  const omega = Math.min(Math.PI, Math.max(Math.PI / 5, 2 / sigma));
  return {
    kind, size, sigmaX: r4(sx), sigmaY: r4(sy), theta: aniso ? r4(theta) : 0,
    beta: kind.startsWith('generalized') ? r4(gBeta) : kind.startsWith('plateau') ? r4(pBeta) : 1,
    omega: r4(omega),
  };
}

export const gaussianBlurSchema = fields({
  kind: choice(['iso', 'aniso', 'generalized_iso', 'generalized_aniso', 'plateau_iso', 'plateau_aniso', 'sinc'], 'Kernel family (Real-ESRGAN probabilities).'),
  size: int(1, 1025, 'Odd kernel size: max(7, 2 ceil(3 sigma_max) + 1).'),
  sigmaX: num(0.01, 512, 'Sigma along the rotated x axis, pixels; anisotropic: sigma sqrt(r), r ~ U(1, 2.5).'),
  sigmaY: num(0.01, 512, 'Sigma along the rotated y axis, pixels; anisotropic: sigma / sqrt(r).'),
  theta: num(-3.1416, 3.1416, 'Kernel rotation in radians, U(-pi, pi) for anisotropic kernels.'),
  beta: num(0.5, 4, 'Shape: generalized U(0.5, 4), plateau U(1, 2), else 1.'),
  omega: num(0.6, 3.1416, 'Sinc cutoff in rad/pixel: clamp(2 / sigma, pi/5, pi).'),
});

export default defineSpec({
  id: 'gaussian-blur',
  code: 'GB',
  summary: 'Gaussian-family blur: iso/aniso Gaussian, generalized, plateau and sinc kernels (Real-ESRGAN)',
  model: 'Real-ESRGAN random_mixed_kernels and circular_lowpass_kernel, sizes grown with sigma',
  kind: 'single',
  random: true,
  seedFree: true,
  levels: BLUR_SIGMAS.map((s) => ({ summary: `kernel sigma ${s} px at 512 px short side` })),
  schema: gaussianBlurSchema,
  sample(level, rng, size) {
    // below ~0.35 px a Gaussian barely changes an image: floor the scaled sigma so level 1 stays a blur
    return sampleBlurKernel(Math.max(0.35, BLUR_SIGMAS[level - 1]! * spatialScale(size)), rng);
  },
  apply(img, p) {
    return applyBlurKernel(img, p);
  },
});
