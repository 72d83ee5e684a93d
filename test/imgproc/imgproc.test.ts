/** Pixel functions against hand-computed values and independent computations: Bayer, camera, kernels, filters, resize. */
import { describe, it, expect } from 'vitest';
import { clamp01, createImage, plainBytes, toUint8, type Image } from '../../src/image.js';
import { readImage } from '../../src/io/image-io.js';
import { psnr } from '../../src/metrics/quality.js';
import { Rng } from '../../src/rng.js';
import { mosaic, demosaic } from '../../src/imgproc/bayer.js';
import { blurKernel, diskKernel, pathKernel } from '../../src/imgproc/kernels.js';
import { convolveKernel, convolveTaps, kernelTaps, convolveSeparable, gaussianKernel1d, lowRank, reflect101 } from '../../src/imgproc/filter.js';
import { shakeTrajectory } from '../../src/degradations/motion-blur.js';
import { resize } from '../../src/imgproc/resize.js';
import { sampleCamera, capture } from '../../src/imgproc/camera.js';
import { copyShared, realPhotos } from '../helpers.js';

/** Bit-for-bit equality of two typed arrays (fast on photo-sized arrays). */
function same(a: Uint8Array | Float32Array, b: Uint8Array | Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function flat(w: number, h: number, rgb: [number, number, number]): Image {
  const img = createImage(w, h);
  for (let i = 0; i < w * h; i++) img.data.set(rgb, i * 3);
  return img;
}

describe('mosaic and demosaic', () => {
  it('demosaics a flat colour exactly with every method and odd sizes', () => {
    for (const [w, h] of [[16, 16], [17, 13], [5, 7]] as const) {
      const img = flat(w, h, [0.8, 0.3, 0.1]);
      const raw = mosaic(img);
      expect(raw[0]).toBeCloseTo(0.8, 6); expect(raw[1]).toBeCloseTo(0.3, 6); expect(raw[w + 1]).toBeCloseTo(0.1, 6);
      for (const m of ['malvar', 'bilinear', 'nearest'] as const) {
        const out = demosaic(raw, w, h, m);
        for (let i = 0; i < out.data.length; i++) expect(out.data[i]).toBeCloseTo(img.data[i]!, 6);
      }
    }
  });
  it('Malvar beats bilinear beats nearest on a real photograph', async () => {
    const [photo] = await realPhotos(200);
    const raw = mosaic(photo!);
    const p = (m: 'malvar' | 'bilinear' | 'nearest') => psnr(demosaic(raw, photo!.width, photo!.height, m), photo!);
    expect(p('malvar')).toBeGreaterThan(p('bilinear'));
    expect(p('bilinear')).toBeGreaterThan(p('nearest'));
  });
  it('the noiseless camera capture is the identity on a real photograph, saturated colours and near-white included', async () => {
    const [photo] = await realPhotos(200);
    for (const seed of [5, 6, 7]) {
      const cam = sampleCamera(new Rng(seed));
      const out = capture(photo!, cam, 1, { shot: 0, read: 0 }, { luma: 0.6, chroma: 4 }, new Rng(1));
      let worst = 0;
      for (let i = 0; i < out.data.length; i++) worst = Math.max(worst, Math.abs(Math.min(1, Math.max(0, out.data[i]!)) - photo!.data[i]!));
      expect(worst, `camera ${seed}`).toBeLessThan(0.5 / 255);
    }
    const white = capture(flat(8, 8, [254 / 255, 254 / 255, 254 / 255]), sampleCamera(new Rng(9)), 0.05, { shot: 0, read: 0 }, { luma: 0, chroma: 0 }, new Rng(1));
    const [r, g, b] = [white.data[0]!, white.data[1]!, white.data[2]!];
    expect(Math.max(r, g, b) - Math.min(r, g, b), 'a darkened white stays neutral').toBeLessThan(1e-3);
  });
});

describe('kernels and filtering', () => {
  it('blur kernels are normalised; an isotropic Gaussian has rank 1', () => {
    for (const kind of ['iso', 'aniso', 'generalized_aniso', 'plateau_iso', 'sinc'] as const) {
      const k = blurKernel({ kind, size: 21, sigmaX: 2, sigmaY: 1, theta: 0.5, beta: 1.5, omega: 1.2 });
      expect(k.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const iso = blurKernel({ kind: 'iso', size: 21, sigmaX: 2, sigmaY: 2, theta: 0, beta: 1, omega: 1 });
    expect(lowRank(iso).terms).toHaveLength(1);
  });
  it('sum-of-separable and separable convolution equal direct convolution', async () => {
    const [photo] = await realPhotos(64);
    const k = blurKernel({ kind: 'generalized_aniso', size: 13, sigmaX: 2.5, sigmaY: 1, theta: 0.7, beta: 1.3, omega: 1 });
    const direct = convolveTaps(photo!, kernelTaps(k));
    const fast = convolveKernel(photo!, k);
    let worst = 0;
    for (let i = 0; i < direct.data.length; i++) worst = Math.max(worst, Math.abs(direct.data[i]! - fast.data[i]!));
    expect(worst).toBeLessThan(1e-4);
    const g = gaussianKernel1d(1.7, 6), outer = new Float32Array(13 * 13);
    for (let y = 0; y < 13; y++) for (let x = 0; x < 13; x++) outer[y * 13 + x] = g[y]! * g[x]!;
    const a = convolveTaps(photo!, kernelTaps({ size: 13, weights: outer })), b = convolveSeparable(photo!, g, g);
    expect(diskKernel(4.5).weights.reduce((p, q) => p + q, 0)).toBeCloseTo(1, 5);
    // a disk narrower than the subsample spacing is its centre pixel, not NaN weights
    for (const r of [0, 0.05]) { const d = diskKernel(r); expect(Array.from(d.weights).filter((v) => v !== 0)).toEqual([1]); expect(d.weights[(d.size * d.size - 1) / 2]).toBe(1); }
    worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
    expect(worst).toBeLessThan(1e-5);
  });
  it('a convolution with a hand-computed 3-tap kernel gives hand-computed values (reflect-101 borders)', () => {
    const img: Image = { data: Float32Array.of(1, 2, 4), width: 3, height: 1, channels: 1 };
    const out = convolveTaps(img, [{ dx: -1, dy: 0, w: 0.25 }, { dx: 0, dy: 0, w: 0.5 }, { dx: 1, dy: 0, w: 0.25 }]);
    // x=0: 0.25*in[1] + 0.5*1 + 0.25*2 = 1.5; x=1: 0.25+1+1 = 2.25; x=2: 0.5+2+0.5 = 3
    expect(Array.from(out.data)).toEqual([1.5, 2.25, 3]);
    expect([reflect101(-1, 3), reflect101(3, 3), reflect101(-3, 3)]).toEqual([1, 1, 1]);
  });
  it('a decoded photo is filtered from its bytes to the same values, and a clamped result is 8-bit first', async () => {
    const [file] = await copyShared('Kodak24/gt', ['kodim05.png']);
    const { image } = await readImage(file!);
    expect(plainBytes(image)).toBeDefined();
    // the same photo as floats only: every path must give these values
    const floats: Image = { data: image.data.slice(), width: image.width, height: image.height, channels: 3 };
    const kx = gaussianKernel1d(1.7, 5), ky = gaussianKernel1d(2.3, 7);
    const taps = kernelTaps(pathKernel([[-4, -1], [0, 0], [5, 2]]));
    for (const [name, run] of [
      ['separable', (img: Image, clamped: boolean) => convolveSeparable(img, kx, ky, clamped)],
      ['taps', (img: Image, clamped: boolean) => convolveTaps(img, taps, clamped)],
    ] as const) {
      const want = run(floats, false).data;
      expect(same(run(image, false).data, want), name).toBe(true);
      const clamped = run(image, true);
      expect(same(clamped.bytes!, toUint8({ ...floats, data: want })), name).toBe(true);
      expect(same(clamped.data, clamp01({ ...floats, data: want.slice() }).data), name).toBe(true);
      // an 8-bit-first result whose floats are its own (not bytes / 255) is filtered from those floats
      expect(plainBytes(clamped), name).toBeUndefined();
    }
  });
  it('motion trajectories give normalised, centred kernels', () => {
    for (let s = 0; s < 5; s++) {
      const pts = shakeTrajectory(new Rng(s)).map(([x, y]) => [x * 20, y * 20] as [number, number]);
      const k = pathKernel(pts);
      let sum = 0, cx = 0, cy = 0;
      const r = (k.size - 1) / 2;
      for (let y = 0; y < k.size; y++) for (let x = 0; x < k.size; x++) { const w = k.weights[y * k.size + x]!; sum += w; cx += w * (x - r); cy += w * (y - r); }
      expect(sum).toBeCloseTo(1, 5);
      expect(Math.hypot(cx, cy)).toBeLessThan(0.5); // measured at most 0.23 px: the centroid, not the path's middle, is the centre
    }
  });
  it('area downscaling by 2 averages 2x2 blocks exactly', () => {
    const img: Image = { data: Float32Array.of(0, 0.5, 1, 0.5), width: 2, height: 2, channels: 1 };
    expect(resize(img, 1, 1, 'area').data[0]).toBeCloseTo(0.5, 6);
  });
});
