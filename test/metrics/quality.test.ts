/** PSNR and SSIM against hand-computed values and the published pairing figures of the reference data sets. */
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { psnr, ssim } from '../../src/metrics/quality.js';
import { readImage } from '../../src/io/image-io.js';
import { createImage, type Image } from '../../src/image.js';
import { SHARED } from '../helpers.js';

function flat(w: number, h: number, v: number): Image { return createImage(w, h, 3, v); }

describe('psnr', () => {
  it('equals hand-computed values', () => {
    // MSE 0.01 -> 20 dB; MSE 0.0001 -> 40 dB
    expect(psnr(flat(4, 4, 0.5), flat(4, 4, 0.6))).toBeCloseTo(20, 4);
    expect(psnr(flat(4, 4, 0.5), flat(4, 4, 0.51))).toBeCloseTo(40, 3);
    expect(psnr(flat(3, 3, 0.2), flat(3, 3, 0.2))).toBe(Infinity);
  });
  it('reproduces the published mean PSNR of Rain100L (25.52 dB) and PolyU (35.96 dB) input/target pairs', async () => {
    for (const [set, expected] of [['Rain100L', 25.52], ['PolyU', 35.96]] as const) {
      const names = (await fs.readdir(path.join(SHARED, set, 'gt'))).sort();
      let sum = 0;
      for (const n of names) {
        const [a, b] = await Promise.all([readImage(path.join(SHARED, set, 'lq', n)), readImage(path.join(SHARED, set, 'gt', n))]);
        sum += psnr(a.image, b.image);
      }
      expect(sum / names.length, set).toBeCloseTo(expected, 1);
    }
  });
});

describe('ssim', () => {
  it('is 1 for identical images and matches the closed form for flat images', () => {
    const a = flat(16, 16, 0.3);
    expect(ssim(a, a)).toBeCloseTo(1, 10);
    // flat images: variances and covariance are 0, so SSIM = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1)
    const C1 = 1e-4, m1 = 0.3, m2 = 0.5;
    // (pixels are float32, so 0.3 is 0.30000001: agreement to 1e-5)
    expect(ssim(flat(16, 16, m1), flat(16, 16, m2))).toBeCloseTo((2 * m1 * m2 + C1) / (m1 * m1 + m2 * m2 + C1), 5);
  });
  it('is symmetric, and negative for an edge against its inverse', () => {
    // one channel of 0/1 columns vs its inverse: every window has mean 1-m vs m, equal variance, covariance -variance
    const W = 16, H = 11;
    const a = createImage(W, H, 1), b = createImage(W, H, 1);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { a.data[y * W + x] = x < 8 ? 1 : 0; b.data[y * W + x] = x < 8 ? 0 : 1; }
    const s = ssim(a, b);
    expect(s).toBeLessThan(0);
    expect(s).toBeGreaterThan(-1);
    // swapping the roles does not change it; it is symmetric
    expect(ssim(b, a)).toBeCloseTo(s, 12);
  });
  it('equals an independent implementation on real pairs, per image (a wrong window, sigma, constant or border would show)', async () => {
    // from test/fixtures/ssim_reference.py: numpy 1.24.2 + scipy 1.10.1 convolve2d ('valid', 11x11 Gaussian sigma 1.5),
    // cv2.imread (opencv 4.6.0), Debian bookworm's python3 3.11; computed once, outside the suite
    const reference = [['1.png', 25.966049, 0.850703], ['2.png', 27.686877, 0.851755], ['3.png', 32.456824, 0.935245], ['50.png', 25.53436, 0.741271]] as const;
    for (const [n, p, s] of reference) {
      const [a, b] = await Promise.all([readImage(path.join(SHARED, 'Rain100L/lq', n)), readImage(path.join(SHARED, 'Rain100L/gt', n))]);
      expect(psnr(a.image, b.image), `${n} PSNR`).toBeCloseTo(p, 4);
      expect(ssim(a.image, b.image), `${n} SSIM`).toBeCloseTo(s, 5);
    }
  });
  it('refuses mismatched sizes with a message', () => {
    expect(() => ssim(flat(12, 12, 0), flat(13, 12, 0))).toThrow(/differ in size: 12x12x3 vs 13x12x3/);
  });
});
