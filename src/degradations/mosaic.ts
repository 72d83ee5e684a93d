/**
 * mosaic (MS): what a single-sensor colour camera does before the ISP: the scene is sampled by an RGGB Bayer colour
 * filter array and the missing colours are interpolated (demosaicked). Levels go from a good gradient-corrected
 * demosaic (Malvar-He-Cutler) at full resolution, through bilinear and nearest-neighbour demosaicking, to nearest-neighbour sensors
 * with a coarser pixel pitch than the output (the image is area-sampled to the sensor grid, mosaicked,
 * demosaicked, then upsampled back to the clean image's size), where zipper and false-colour artifacts grow.
 */
import type { Image } from '../image.js';
import { clamp01 } from '../image.js';
import { mosaic, demosaic, type DemosaicMethod } from '../imgproc/bayer.js';
import { resize } from '../imgproc/resize.js';
import { defineSpec } from './spec.js';
import { choice, fields, num } from '../schema.js';

export interface MosaicParams {
  /** Sensor pixel pitch relative to the output pixel (1 = same resolution). */
  pitch: number;
  method: DemosaicMethod;
}

export const MOSAIC_LEVELS: readonly MosaicParams[] = [
  { pitch: 1, method: 'malvar' }, { pitch: 1, method: 'bilinear' }, { pitch: 1, method: 'nearest' },
  { pitch: 1.25, method: 'nearest' }, { pitch: 1.5, method: 'nearest' }, { pitch: 2, method: 'nearest' },
  { pitch: 2.5, method: 'nearest' }, { pitch: 3, method: 'nearest' }, { pitch: 4, method: 'nearest' },
];

export function bayerRoundTrip(img: Image, pitch: number, method: DemosaicMethod): Image {
  const W = img.width, H = img.height;
  const sw = Math.max(2, Math.round(W / pitch)), sh = Math.max(2, Math.round(H / pitch));
  const onSensor = pitch === 1 ? img : resize(img, sw, sh, 'area');
  const rgb = demosaic(mosaic(onSensor), onSensor.width, onSensor.height, method);
  return clamp01(pitch === 1 ? rgb : resize(rgb, W, H, 'bicubic'));
}

export const mosaicSchema = fields({
  pitch: num(1, 16, 'Sensor pixel pitch in output pixels (1 ... 4); >1 area-samples to the sensor and upsamples back (bicubic).'),
  method: choice(['malvar', 'bilinear', 'nearest'], 'Demosaicking algorithm.'),
});

export default defineSpec({
  id: 'mosaic',
  code: 'MS',
  summary: 'RGGB Bayer sampling + demosaicking (Malvar, bilinear, nearest), at the output or a coarser sensor pitch',
  model: 'DPIR/KAIR utils_mosaic RGGB masks; bilinear and Malvar-He-Cutler 5x5 demosaic kernels',
  kind: 'single',
  random: false,
  seedFree: true,
  levels: MOSAIC_LEVELS.map((l) => ({ summary: `${l.method} demosaic, sensor pitch ${l.pitch}x` })),
  schema: mosaicSchema,
  sample(level) {
    return { ...MOSAIC_LEVELS[level - 1]! };
  },
  apply(img, p) {
    return bayerRoundTrip(img, p.pitch, p.method);
  },
});
