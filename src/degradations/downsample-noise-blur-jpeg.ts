/**
 * downsample-noise-blur-jpeg (mixed): a Real-ESRGAN first-order degradation: blur, downsample (area, bilinear or
 * bicubic), noise, JPEG; returned at the clean image's size (bicubic upsampling) so pairs stay aligned.
 */
import { defineSpec } from './spec.js';
import { componentLevel, runChain, sampleStep, type ChainParams } from './chain.js';
import type { ResizeMode } from '../imgproc/resize.js';

export const DOWN_SCALES = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5] as const;
const N = DOWN_SCALES.length;
const MODES: ResizeMode[] = ['area', 'bilinear', 'bicubic'];

export default defineSpec<ChainParams>({
  id: 'downsample-noise-blur-jpeg',
  code: 'DNBJ',
  summary: 'Real-ESRGAN style: blur, downsample, noise, JPEG, then upsampled back to the clean size',
  model: 'Real-ESRGAN first-order degradation (blur -> resize -> Gaussian/Poisson noise -> JPEG), bicubic back to size',
  kind: 'mixed',
  random: true,
  levels: DOWN_SCALES.map((s, i) => ({
    summary: `gaussian-blur L${componentLevel(i + 1, N, 1, 6)} -> down x${s} -> noise L${componentLevel(i + 1, N, 2, 10)} -> jpeg L${componentLevel(i + 1, N, 2, 11)} -> up`,
  })),
  params: [{ name: 'steps', type: 'array', doc: 'blur, resize down {width, height, mode}, noise, jpeg, resize up (bicubic) to the clean size.' }],
  sample(level, rng, size) {
    const mode = MODES[rng.fork('mode').int(0, 2)]!;
    const s = DOWN_SCALES[level - 1]!;
    const small = { width: Math.max(8, Math.round(size.width / s)), height: Math.max(8, Math.round(size.height / s)) };
    return {
      steps: [
        sampleStep('gaussian-blur', componentLevel(level, N, 1, 6), rng.fork(0), size),
        { resize: { ...small, mode } },
        sampleStep('noise', componentLevel(level, N, 2, 10), rng.fork(2), small),
        sampleStep('jpeg', componentLevel(level, N, 2, 11), rng.fork(3), small),
        { resize: { width: size.width, height: size.height, mode: 'bicubic' } },
      ],
    };
  },
  apply(img, p, rng) {
    return runChain(img, p.steps, rng);
  },
});
