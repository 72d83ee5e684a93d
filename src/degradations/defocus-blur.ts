/**
 * defocus-blur (DB): out-of-focus blur as a uniform disk (the geometric-optics circle of confusion of a circular
 * aperture), with area-weighted anti-aliased edges and a slight Gaussian softening (ImageNet-C's alias sigma).
 */
import type { Image } from '../image.js';
import { clamp01 } from '../image.js';
import { convolveTaps, kernelTaps, gaussianBlur } from '../imgproc/filter.js';
import { diskKernel } from '../imgproc/kernels.js';
import { defineSpec, spatialScale, r4 } from './spec.js';
import { fields, num, type z } from '../schema.js';

export const defocusBlurSchema = fields({
  radius: num(0.1, 1024, 'Disk radius in pixels, scaled from the level (1 ... 10 px at a 512 px short side).'),
  softness: num(0, 64, 'Gaussian sigma softening the disk edge, U(0.1, 0.5) x scale.'),
});
export type DefocusBlurParams = z.infer<typeof defocusBlurSchema>;

export const DEFOCUS_RADII = [1, 1.5, 2, 2.5, 3, 4, 5, 6.5, 8, 10] as const;

export function defocusBlur(img: Image, radius: number, softness: number): Image {
  const disk = convolveTaps(img, kernelTaps(diskKernel(radius)));
  return clamp01(softness > 0 ? gaussianBlur(disk, softness) : disk);
}

export default defineSpec({
  id: 'defocus-blur',
  code: 'DB',
  summary: 'Defocus blur: anti-aliased disk (circle of confusion) with soft edges',
  model: 'Geometric-optics pillbox PSF; ImageNet-C defocus radii 3-10 with alias sigma 0.1-0.5',
  kind: 'single',
  random: true,
  seedFree: true,
  levels: DEFOCUS_RADII.map((r) => ({ summary: `disk radius ${r} px at 512 px short side` })),
  schema: defocusBlurSchema,
  sample(level, rng, size) {
    const s = spatialScale(size);
    const soft = rng.uniform(0.1, 0.5);
    // a disk under ~0.8 px covers one pixel: keep level 1 a visible blur on small images
    return { radius: r4(Math.max(0.8, DEFOCUS_RADII[level - 1]! * s)), softness: r4(soft * s) };
  },
  apply(img, p) {
    return defocusBlur(img, p.radius, p.softness);
  },
});
