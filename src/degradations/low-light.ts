/**
 * low-light (LL): an under-exposed photograph, made in the raw domain where light is linear: the clean image is
 * unprocessed to raw (Brooks et al. 2019), the exposure is cut by a factor k, the photon shot noise and read noise
 * of that short exposure are added (Poisson-Gaussian, as ELD and Lv et al. model low light), and the raw data is
 * processed back without brightening. The camera raises its analogue gain part of the way (ISO), which amplifies
 * the noise: var = v * g / N + (g sigma_e / N)^2 for output signal v, gain g, full well N electrons and read noise
 * sigma_e electrons. The capture is real-noise's camera (imgproc/camera.ts capture): the signal passes the exact
 * inverse white balance and back, so neutral highlights stay neutral however dark (the highlight-preserving inverse
 * gains of Brooks et al. turned near-white magenta once the exposure cut kept them from clipping back), and the noise
 * is demosaicked and smoothed by the in-camera denoiser.
 * Calibrated against LOL (../shared/data/LOL-low, the LOL camera): about 1.2-1.7 DN of noise in dark flat regions at
 * a mean of 7-25 DN (bench:realism).
 */
import type { Rng } from '../rng.js';
import { clamp01 } from '../image.js';
import { sampleCamera, capture } from '../imgproc/camera.js';
import { defineSpec, r4 } from './spec.js';
import { fields, num, type z } from '../schema.js';
import { cameraSchema, ispDenoiseSchema, sampleDenoise } from './real-noise.js';

export const lowLightSchema = fields({
  camera: cameraSchema.describe('Random camera (colour matrix and gains) as in real-noise.'),
  exposure: num(0.001, 1, 'Linear exposure factor; the level sets it (0.6 ... 0.02).'),
  gain: num(1, 1000, 'Analogue gain (1/k)^s with s ~ U(0.3, 0.7): the ISO raise.'),
  fullWell: num(100, 1e6, 'Full-well capacity at base ISO, logU(3000, 15000) electrons.'),
  readElectrons: num(0, 100, 'Read noise, U(2, 6) electrons.'),
  denoise: ispDenoiseSchema(),
});
export type LowLightParams = z.infer<typeof lowLightSchema>;

export const EXPOSURES = [0.6, 0.45, 0.33, 0.25, 0.18, 0.13, 0.1, 0.075, 0.055, 0.04, 0.03, 0.02] as const;

export function sampleLowLight(exposure: number, rng: Rng): LowLightParams {
  const camera = sampleCamera(rng);
  const fullWell = rng.logUniform(3000, 15000);
  const readElectrons = rng.uniform(2, 6);
  const gainShare = rng.uniform(0.3, 0.7);
  const denoise = sampleDenoise(rng);
  return { camera, exposure, gain: r4(Math.pow(1 / exposure, gainShare)), fullWell: r4(fullWell), readElectrons: r4(readElectrons), denoise };
}

export default defineSpec({
  id: 'low-light',
  code: 'LL',
  summary: 'Under-exposure in the raw domain coupled with the shot and read noise of the short exposure',
  model: 'Brooks et al. unprocess; exposure cut k with Poisson-Gaussian sensor noise (ELD, Lv et al. 2021)',
  kind: 'single',
  random: true,
  levels: EXPOSURES.map((k) => ({ summary: `exposure x${k} (${Math.log2(1 / k).toFixed(1)} stops under)` })),
  schema: lowLightSchema,
  sample(level, rng) {
    return sampleLowLight(EXPOSURES[level - 1]!, rng);
  },
  apply(img, p, rng) {
    const noise = { shot: p.gain / p.fullWell, read: (p.gain * p.readElectrons / p.fullWell) ** 2 };
    return clamp01(capture(img, p.camera, p.exposure, noise, p.denoise, rng));
  },
});
