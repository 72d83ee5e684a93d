/**
 * real-noise (RN): camera noise synthesized in the raw domain (Brooks et al., "Unprocessing Images for Learned Raw
 * Denoising", CVPR 2019; CBDNet, Guo et al. 2019). The clean sRGB image is unprocessed to linear camera RGB and
 * heteroscedastic shot + read noise is drawn at each pixel's RGGB Bayer site (var = x * shot + read, read from
 * Brooks' log-linear prior); the noise is demosaicked (bilinear), white-balanced with the signal and smoothed as an
 * in-camera denoiser does (chroma far more than luma), then everything is processed back (colour matrix, gamma, tone
 * curve). The signal itself passes the exact inverse and forward pipelines, so the clean image is the same camera's
 * picture without noise: with shot = read = 0 the output is the input (within 1/255). Like phone output, half of the
 * images are JPEG-compressed at a high quality (CBDNet's recipe). The luma denoising is edge-aware (camera noise
 * reduction keyed to the scene, see IspDenoise): flat areas keep 55-85% of the luma noise, texture all of it.
 * Calibrated against PolyU (real noisy / mean-of-many pairs, ../shared/data/PolyU): flat-region residual G std 3.0,
 * R/G 1.1, lag-1 / lag-2 correlation 0.72 / 0.45, R-G correlation 0.59, high-frequency share 0.23, G std by
 * brightness falling from 3.6 DN in the mid-tones to 1.8 in the highlights (bench:realism).
 */
import { defineSpec } from './spec.js';
import { sampleCamera, capture } from '../imgproc/camera.js';
import { jpegRoundTrip } from './jpeg.js';
import { clamp01 } from '../image.js';
import { fields, int, num, z } from '../schema.js';
import { r4 } from './spec.js';

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
  denoise: ispDenoiseSchema(),
  jpegQuality: int(1, 100, 'In-camera JPEG quality U{92..98} with probability 0.5, else null.').nullable(),
});

/** The in-camera denoiser: Gaussian smoothing of the noise's luma and chroma (shared with low-light). */
export function ispDenoiseSchema() {
  return fields({
    luma: num(0, 8, 'Sigma (px) smoothing the noise\'s luma, U(0.35, 0.65): in-camera denoising and demosaicking correlate it.'),
    chroma: num(0, 16, 'Sigma (px) smoothing the noise\'s colour differences, U(3, 6): cameras suppress chroma noise hardest.'),
    flat: num(0, 1, 'Edge-aware luma denoising: the share of the luma noise kept where the scene is flat (absent: all).').optional(),
    edge: num(0.0001, 1, 'Edge-aware luma denoising: the scene gradient (sRGB units / px) above which the noise is kept.').optional(),
  }, 'In-camera denoiser: {luma, chroma[, flat, edge]} Gaussian sigmas applied to the noise, not the signal; edge-aware with flat and edge.');
}

/** Draws the denoiser (two uniforms), the same whatever the level. */
export function sampleDenoise(rng: import('../rng.js').Rng): { luma: number; chroma: number } {
  return { luma: r4(rng.uniform(0.35, 0.65)), chroma: r4(rng.uniform(3, 6)) };
}
export type RealNoiseParams = z.infer<typeof realNoiseSchema>;

/** Shot-noise gains: level 1 about 44 dB, the middle levels as PolyU (36 dB) and other real sets (33-37 dB), level 10 ~25 dB (heavy smartphone noise, SIDD-like). */
export const SHOT_LEVELS = [0.00012, 0.00025, 0.00045, 0.0008, 0.0013, 0.0022, 0.0038, 0.0065, 0.011, 0.019] as const;

export default defineSpec({
  id: 'real-noise',
  code: 'RN',
  summary: 'Real camera noise: unprocess to raw, Poisson-Gaussian shot/read noise, demosaic and reprocess',
  model: 'Brooks et al. 2019 unprocessing (4 camera CCMs, gains, shot/read prior); CBDNet in-camera JPEG',
  kind: 'single',
  random: true,
  levels: SHOT_LEVELS.map((s) => ({ summary: `shot ${s} (ISO-like), read from the log-linear prior, in-camera denoising` })),
  schema: realNoiseSchema,
  sample(level, rng) {
    const camera = sampleCamera(rng);
    const z = rng.normal();
    const useJpeg = rng.bool(0.5);
    const q = rng.int(92, 98);
    const denoise = sampleDenoise(rng);
    const shot = SHOT_LEVELS[level - 1]!;
    const read = Math.exp(2.18 * Math.log(shot) + 1.2 + 0.26 * z);
    // edge-aware luma denoising (drawn last, so the draws above are those of earlier versions)
    const flat = r4(rng.uniform(0.55, 0.85)), edge = r4(rng.uniform(0.008, 0.0125));
    return { camera, shot, read: Number(read.toPrecision(6)), denoise: { ...denoise, flat, edge }, jpegQuality: useJpeg ? q : null };
  },
  async apply(img, p, rng) {
    const out = clamp01(capture(img, p.camera, 1, { shot: p.shot, read: p.read }, p.denoise, rng));
    return p.jpegQuality ? jpegRoundTrip(out, p.jpegQuality) : out;
  },
});
