/**
 * downsample-noise-blur-jpeg (mixed): a Real-ESRGAN first-order degradation: blur, downsample (area, bilinear or
 * bicubic), noise, JPEG; returned at the clean image's size (bicubic upsampling) so pairs stay aligned.
 */
import { defineChain } from './chain.js';
import type { ResizeMode } from '../imgproc/resize.js';
import gaussianBlur from './gaussian-blur.js';
import noise from './noise.js';
import jpeg from './jpeg.js';

export const DOWN_SCALES = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5] as const;
const N = DOWN_SCALES.length;
const MODES: ResizeMode[] = ['area', 'bilinear', 'bicubic'];

export default defineChain({
  id: 'downsample-noise-blur-jpeg', code: 'DNBJ', kind: 'mixed', levels: N,
  summary: 'Real-ESRGAN style: blur, downsample, noise, JPEG, then upsampled back to the clean size',
  model: 'Real-ESRGAN first-order degradation (blur -> resize -> Gaussian/Poisson noise -> JPEG), bicubic back to size',
  components: [
    { ops: [gaussianBlur], range: [1, 6] },
    {
      resize: (level, clean, rng) => {
        const s = DOWN_SCALES[level - 1]!, mode = MODES[rng.int(0, 2)]!;
        return { width: Math.max(8, Math.round(clean.width / s)), height: Math.max(8, Math.round(clean.height / s)), mode };
      },
      summary: (level) => `down x${DOWN_SCALES[level - 1]}`,
    },
    { ops: [noise], range: [2, 10] },
    { ops: [jpeg], range: [2, 11] },
    { resize: (_level, clean) => ({ width: clean.width, height: clean.height, mode: 'bicubic' }), summary: () => 'up (bicubic)' },
  ],
});
