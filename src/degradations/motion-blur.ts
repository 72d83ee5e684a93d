/**
 * motion-blur (MB): camera-shake blur along a random 2-D trajectory (Boracchi & Foi, "Modeling the Performance of
 * Image Restoration from Motion Blur", TIP 2012; the generator DeblurGAN uses): a random walk with inertia,
 * a centripetal pull and occasional abrupt shakes. About 15% of trajectories are near-linear (steady pans).
 * The kernel is the path rasterized at constant speed, centred on its centroid so the pair stays aligned.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { convolveTaps, kernelTaps } from '../imgproc/filter.js';
import { pathKernel } from '../imgproc/kernels.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { fields, list, num, vec2, type z } from '../schema.js';

export const motionBlurSchema = fields({
  length: num(0, 4096, 'Largest extent of the path in pixels, scaled from the level (4 ... 58 px at a 512 px short side).'),
  points: list(vec2(-4096, 4096), 2, 1024, '32 path points [x, y] in pixels relative to the kernel centre (centroid at 0).'),
});
export type MotionBlurParams = z.infer<typeof motionBlurSchema>;

/** Trajectory extents at a 512 px short side; the top reaches the strongest of Levin et al.'s measured shakes. */
export const MOTION_LENGTHS = [4, 6, 8, 10, 12, 15, 19, 24, 30, 40, 54, 80] as const;

/** A unit-extent camera-shake trajectory (max |coordinate| extent 1), centred on its centroid. */
export function shakeTrajectory(rng: Rng, nPoints = 32): [number, number][] {
  const steps = 256;
  const linear = rng.bool(0.15);
  // 256 steps instead of the original 2000: per-step anxiety and shake rate scaled up to keep the same shapes
  const anxiety = linear ? 1e-4 : rng.logUniform(0.005, 0.05);
  const centripetal = 0.7 * rng.next();
  const bigShake = 0.2 * rng.next();
  const gaussShake = 10 * rng.next();
  const angle = 2 * Math.PI * rng.next();
  const stepLen = 1 / (steps - 1);
  let vx = Math.cos(angle) * stepLen, vy = Math.sin(angle) * stepLen;
  const xs = new Float64Array(steps), ys = new Float64Array(steps);
  for (let t = 0; t < steps - 1; t++) {
    let nx = 0, ny = 0;
    const u = rng.next(), ua = rng.next(), g1 = rng.normal(), g2 = rng.normal();
    if (u < bigShake * anxiety * 8) {
      const a = Math.PI + (ua - 0.5);
      nx = 2 * (vx * Math.cos(a) - vy * Math.sin(a));
      ny = 2 * (vx * Math.sin(a) + vy * Math.cos(a));
    }
    // the original works in pixels of a 60 px canvas; positions here are in path lengths, hence the 60
    const dvx = nx + anxiety * (gaussShake * g1 - centripetal * xs[t]! * 60) * stepLen;
    const dvy = ny + anxiety * (gaussShake * g2 - centripetal * ys[t]! * 60) * stepLen;
    vx += dvx; vy += dvy;
    const vn = Math.hypot(vx, vy) || 1;
    vx = (vx / vn) * stepLen; vy = (vy / vn) * stepLen;
    xs[t + 1] = xs[t]! + vx; ys[t + 1] = ys[t]! + vy;
  }
  let cx = 0, cy = 0;
  for (let t = 0; t < steps; t++) { cx += xs[t]!; cy += ys[t]!; }
  cx /= steps; cy /= steps;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let t = 0; t < steps; t++) {
    minX = Math.min(minX, xs[t]!); maxX = Math.max(maxX, xs[t]!); minY = Math.min(minY, ys[t]!); maxY = Math.max(maxY, ys[t]!);
  }
  const ext = Math.max(maxX - minX, maxY - minY) || 1;
  const pts: [number, number][] = [];
  for (let i = 0; i < nPoints; i++) {
    const t = Math.round((i * (steps - 1)) / (nPoints - 1));
    pts.push([(xs[t]! - cx) / ext, (ys[t]! - cy) / ext]);
  }
  return pts;
}

export function motionBlur(img: Image, points: readonly (readonly [number, number])[]): Image {
  const k = pathKernel(points);
  return convolveTaps(img, kernelTaps(k, 1e-7), true);
}

export default defineSpec({
  id: 'motion-blur',
  code: 'MB',
  summary: 'Camera-shake motion blur along random curved trajectories (and some straight pans)',
  model: 'Boracchi & Foi 2012 random-walk trajectories (as in DeblurGAN), rasterized at constant speed',
  kind: 'single',
  random: true,
  seedFree: true,
  levels: MOTION_LENGTHS.map((l) => ({ summary: `trajectory extent ${l} px at 512 px short side` })),
  schema: motionBlurSchema,
  sample(level, rng, size) {
    const unit = shakeTrajectory(rng);
    const length = MOTION_LENGTHS[level - 1]! * spatialScale(size);
    return { length: r4(length), points: unit.map(([x, y]) => [r4(x * length), r4(y * length)] as [number, number]) };
  },
  apply(img, p) {
    return motionBlur(img, p.points);
  },
});
