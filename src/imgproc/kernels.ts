/** Blur kernels: Real-ESRGAN's family (Gaussian, generalized, plateau, sinc), disks, and rasterized paths. */
import type { Kernel2D } from './filter.js';

export type BlurKernelKind = 'iso' | 'aniso' | 'generalized_iso' | 'generalized_aniso' | 'plateau_iso' | 'plateau_aniso' | 'sinc';

export interface BlurKernelParams {
  kind: BlurKernelKind;
  /** Odd kernel size in pixels. */
  size: number;
  sigmaX: number;
  sigmaY: number;
  /** Rotation in radians. */
  theta: number;
  /** Shape exponent for generalized (0.5-4) and plateau (1-2) kernels. */
  beta: number;
  /** Cutoff frequency in radians/pixel for sinc kernels (pi/5 .. pi). */
  omega: number;
}

/** Bessel function of the first kind, order 1 (Numerical Recipes rational approximations, |error| < 1e-8). */
export function besselJ1(x: number): number {
  const ax = Math.abs(x);
  if (ax < 8) {
    const y = x * x;
    const a = x * (72362614232.0 + y * (-7895059235.0 + y * (242396853.1 + y * (-2972611.439 + y * (15704.4826 + y * -30.16036606)))));
    const b = 144725228442.0 + y * (2300535178.0 + y * (18583304.74 + y * (99447.43394 + y * (376.9991397 + y))));
    return a / b;
  }
  const z = 8 / ax, y = z * z, xx = ax - 2.356194491;
  const a = 1 + y * (0.183105e-2 + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * -0.240337019e-6)));
  const b = 0.04687499995 + y * (-0.2002690873e-3 + y * (0.8449199096e-5 + y * (-0.88228987e-6 + y * 0.105787412e-6)));
  const ans = Math.sqrt(0.636619772 / ax) * (Math.cos(xx) * a - z * Math.sin(xx) * b);
  return x < 0 ? -ans : ans;
}

export function blurKernel(p: BlurKernelParams): Kernel2D {
  const n = p.size, r = (n - 1) / 2, w = new Float32Array(n * n);
  const c = Math.cos(p.theta), s = Math.sin(p.theta);
  // inverse covariance of R diag(sx^2, sy^2) R^T
  const ix = 1 / (p.sigmaX * p.sigmaX), iy = 1 / (p.sigmaY * p.sigmaY);
  const a = c * c * ix + s * s * iy, b = c * s * (ix - iy), d = s * s * ix + c * c * iy;
  let sum = 0;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const dx = x - r, dy = y - r;
    let v: number;
    if (p.kind === 'sinc') {
      const rr = Math.hypot(dx, dy);
      v = rr === 0 ? (p.omega * p.omega) / (4 * Math.PI) : (p.omega * besselJ1(p.omega * rr)) / (2 * Math.PI * rr);
    } else {
      const q = a * dx * dx + 2 * b * dx * dy + d * dy * dy;
      if (p.kind.startsWith('generalized')) v = Math.exp(-0.5 * Math.pow(q, p.beta));
      else if (p.kind.startsWith('plateau')) v = 1 / (1 + Math.pow(q, p.beta));
      else v = Math.exp(-0.5 * q);
    }
    w[y * n + x] = v; sum += v;
  }
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return { size: n, weights: w };
}

/** Anti-aliased disk (pillbox) of the given radius: each cell weighted by its covered area (8x8 supersampling). */
export function diskKernel(radius: number): Kernel2D {
  const R = Math.ceil(radius), n = 2 * R + 1, w = new Float32Array(n * n);
  const ss = 8;
  let sum = 0;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let cover = 0;
    for (let j = 0; j < ss; j++) for (let i = 0; i < ss; i++) {
      const px = x - R - 0.5 + (i + 0.5) / ss, py = y - R - 0.5 + (j + 0.5) / ss;
      if (px * px + py * py <= radius * radius) cover++;
    }
    w[y * n + x] = cover; sum += cover;
  }
  // a disk smaller than the subsample spacing (radius under ~0.09 px) covers no subsample: it is its centre pixel
  if (sum === 0) { w[R * n + R] = 1; sum = 1; }
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return { size: n, weights: w };
}

/**
 * Rasterize a polyline (points relative to the kernel centre, in pixels) by bilinear splatting of densely
 * spaced samples: the point-spread function of a camera moving along that path at constant speed.
 */
export function pathKernel(points: readonly (readonly [number, number])[]): Kernel2D {
  let ext = 0;
  for (const [x, y] of points) ext = Math.max(ext, Math.abs(x), Math.abs(y));
  const R = Math.ceil(ext) + 1, n = 2 * R + 1, w = new Float32Array(n * n);
  const splat = (x: number, y: number, m: number): void => {
    const fx = x + R, fy = y + R, x0 = Math.floor(fx), y0 = Math.floor(fy), ax = fx - x0, ay = fy - y0;
    w[y0 * n + x0]! += m * (1 - ax) * (1 - ay);
    w[y0 * n + x0 + 1]! += m * ax * (1 - ay);
    w[(y0 + 1) * n + x0]! += m * (1 - ax) * ay;
    w[(y0 + 1) * n + x0 + 1]! += m * ax * ay;
  };
  if (points.length === 1) splat(points[0]![0], points[0]![1], 1);
  for (let i = 0; i + 1 < points.length; i++) {
    const [x0, y0] = points[i]!, [x1, y1] = points[i + 1]!;
    const len = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.ceil(len * 4));
    for (let k = 0; k < steps; k++) {
      const t = (k + 0.5) / steps;
      splat(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, len / steps);
    }
  }
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += w[i]!;
  if (sum === 0) { w[R * n + R] = 1; sum = 1; }
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return { size: n, weights: w };
}

/** A straight line of the given length (pixels) and angle (radians from the x axis), centred. */
export function lineKernel(length: number, angle: number): Kernel2D {
  const hx = (Math.cos(angle) * length) / 2, hy = (Math.sin(angle) * length) / 2;
  return pathKernel([[-hx, -hy], [hx, hy]]);
}
