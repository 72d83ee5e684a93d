/**
 * real-noise (RN): camera noise synthesized in the raw domain. The clean sRGB image is unprocessed to a raw
 * RGGB mosaic (Brooks et al., "Unprocessing Images for Learned Raw Denoising", CVPR 2019), heteroscedastic
 * shot + read noise is added (var = x * shot + read, read drawn from the paper's log-linear prior), and the
 * result is processed back (white balance, bilinear Malvar demosaic, colour matrix, gamma, tone curve). Like real
 * phone output, half of the images are then JPEG-compressed at a high quality (CBDNet's recipe).
 */
import { defineSpec } from './spec.js';
import { sampleCamera, unprocess, processRaw, addShotReadNoise } from '../imgproc/camera.js';
import { jpegRoundTrip } from './jpeg.js';
import { clamp01 } from '../image.js';
import { fields, int, num, z } from './schema.js';

/** A random camera of Brooks et al.: its colour matrix and gains (shared with low-light). */
export const cameraSchema = fields({
  rgb2cam: z.array(z.number().min(-10).max(10)).length(9).describe('RGB -> camera colour matrix, 3x3 row-major, rows summing to 1.'),
  rgbGain: num(0.1, 10, 'Overall digital gain, 1 / N(0.8, 0.1).'),
  redGain: num(0.1, 10, 'White-balance gain of red, U(1.9, 2.4).'),
  blueGain: num(0.1, 10, 'White-balance gain of blue, U(1.5, 1.9).'),
}, 'rgb2cam (3x3 row-major), rgbGain, redGain U(1.9,2.4), blueGain U(1.5,1.9): a random camera.');

export const realNoiseSchema = fields({
  camera: cameraSchema,
  shot: num(0, 1, 'Shot-noise variance per unit signal; the level sets it (2e-4 ... 0.025).'),
  read: num(0, 1, 'Read-noise variance: exp(2.18 ln(shot) + 1.2 + N(0, 0.26)).'),
  jpegQuality: int(1, 100, 'In-camera JPEG quality U{85..95} with probability 0.5, else null.').nullable(),
});
export type RealNoiseParams = z.infer<typeof realNoiseSchema>;

export const SHOT_LEVELS = [0.0002, 0.0004, 0.0007, 0.0012, 0.002, 0.0033, 0.0055, 0.009, 0.015, 0.025] as const;

export default defineSpec({
  id: 'real-noise',
  code: 'RN',
  summary: 'Real camera noise: unprocess to raw, Poisson-Gaussian shot/read noise, demosaic and reprocess',
  model: 'Brooks et al. 2019 unprocessing (4 camera CCMs, gains, shot/read prior); CBDNet in-camera JPEG',
  kind: 'single',
  random: true,
  levels: SHOT_LEVELS.map((s) => ({ summary: `shot ${s} (ISO-like), read from log-linear prior` })),
  schema: realNoiseSchema,
  sample(level, rng) {
    const camera = sampleCamera(rng);
    const z = rng.normal();
    const useJpeg = rng.bool(0.5);
    const q = rng.int(85, 95);
    const shot = SHOT_LEVELS[level - 1]!;
    const read = Math.exp(2.18 * Math.log(shot) + 1.2 + 0.26 * z);
    return { camera, shot, read: Number(read.toPrecision(6)), jpegQuality: useJpeg ? q : null };
  },
  async apply(img, p, rng) {
    const raw = unprocess(img, p.camera);
    const noisy = addShotReadNoise(raw, p.shot, p.read, rng);
    const out = clamp01(processRaw(noisy, img.width, img.height, p.camera, 'malvar'));
    return p.jpegQuality ? jpegRoundTrip(out, p.jpegQuality) : out;
  },
});
