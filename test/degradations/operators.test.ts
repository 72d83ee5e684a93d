/** Operator-specific checks against hand-computed values and independent computations. */
import { describe, it, expect } from 'vitest';
import sharp from 'sharp';
import { createImage, toUint8, fromUint8, imageFromBytes, type Image } from '../../src/image.js';
import { psnr } from '../../src/metrics/quality.js';
import { Rng } from '../../src/rng.js';
import { degrade } from '../../src/degrade.js';
import noise, { addGaussianNoise, addPoissonNoise, NOISE_SIGMAS } from '../../src/degradations/noise.js';
import jpeg, { JPEG_QUALITIES } from '../../src/degradations/jpeg.js';
import hazeSpec, { scatter } from '../../src/degradations/haze.js';
import { mosaic, demosaic } from '../../src/imgproc/bayer.js';
import { blurKernel, diskKernel, pathKernel } from '../../src/imgproc/kernels.js';
import { convolveKernel, convolveTaps, kernelTaps, convolveSeparable, gaussianKernel1d, lowRank, reflect101 } from '../../src/imgproc/filter.js';
import { shakeTrajectory } from '../../src/degradations/motion-blur.js';
import { resize } from '../../src/imgproc/resize.js';
import { sampleCamera, capture } from '../../src/imgproc/camera.js';
import { realPhotos, copyShared } from '../helpers.js';
import { readImage } from '../../src/io/image-io.js';

function flat(w: number, h: number, rgb: [number, number, number]): Image {
  const img = createImage(w, h);
  for (let i = 0; i < w * h; i++) img.data.set(rgb, i * 3);
  return img;
}
function std(a: Float32Array, b: Float32Array): number {
  let s = 0, s2 = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i]! - b[i]!; s += d; s2 += d * d; }
  const m = s / a.length;
  return Math.sqrt(s2 / a.length - m * m);
}

describe('noise', () => {
  it("Gaussian noise's measured sigma is within 5% of the level's sigma", () => {
    const grey = flat(256, 256, [0.5, 0.5, 0.5]);
    for (const level of [3, 9, 12]) {
      const sigma = NOISE_SIGMAS[level - 1]! / 255;
      const p = { ...noise.sample(level, new Rng(1), grey), variant: 'gaussian' as const, gray: false };
      expect(p.sigma).toBeCloseTo(sigma, 6);
      const out = noise.apply(grey, p, new Rng(2)) as Image;
      expect(Math.abs(std(out.data, grey.data) / sigma - 1)).toBeLessThan(0.05);
    }
  });
  it('grey Gaussian noise is the same on R, G and B', () => {
    const out = addGaussianNoise(flat(32, 32, [0.5, 0.5, 0.5]), 0.05, true, new Rng(3));
    for (let i = 0; i < 32 * 32; i++) { expect(out.data[i * 3]).toBe(out.data[i * 3 + 1]); expect(out.data[i * 3]).toBe(out.data[i * 3 + 2]); }
  });
  it('Poisson noise keeps the mean and has variance x / peak', () => {
    const x = 0.4, peak = 200;
    const out = addPoissonNoise(flat(200, 200, [x, x, x]), peak, new Rng(4));
    let s = 0, s2 = 0;
    for (const v of out.data) { s += v; s2 += v * v; }
    const m = s / out.data.length, varr = s2 / out.data.length - m * m;
    expect(m).toBeCloseTo(x, 2);
    expect(varr / (x / peak)).toBeGreaterThan(0.95);
    expect(varr / (x / peak)).toBeLessThan(1.05);
  });
});

describe('jpeg', () => {
  it("equals sharp's encoder at the level's quality", async () => {
    const [photo] = await realPhotos(128);
    for (const level of [1, 8, 15]) {
      const { image } = await degrade(photo!, jpeg, level, 0);
      const q = JPEG_QUALITIES[level - 1]!;
      const enc = await sharp(toUint8(photo!), { raw: { width: photo!.width, height: photo!.height, channels: 3 } }).jpeg({ quality: q }).toBuffer();
      const dec = await sharp(enc).raw().toBuffer();
      expect(Buffer.from(toUint8(image)).equals(dec)).toBe(true);
    }
  });
});

describe('8-bit fast paths', () => {
  it('Gaussian noise of an 8-bit photo read as bytes gives the floats and bytes of the float path (odd length for the tail)', async () => {
    const [file] = await copyShared('Kodak24/gt', ['kodim05.png']);
    const cut = await sharp(file!).extract({ left: 1, top: 2, width: 333, height: 97 }).raw().toBuffer();
    const img = imageFromBytes(cut, 333, 97);
    const floatCopy = { data: img.data.slice(), width: 333, height: 97, channels: 3 };
    const r1 = new Rng('n'), r2 = new Rng('n');
    const viaBytes = addGaussianNoise(img, 25 / 255, false, r1), viaFloats = addGaussianNoise(floatCopy, 25 / 255, false, r2);
    expect(viaBytes.bytes).toBeDefined();
    expect(Buffer.from(viaBytes.bytes!).equals(Buffer.from(toUint8(viaFloats)))).toBe(true);
    expect(r1.next()).toBe(r2.next()); // the generators moved on the same
    expect(Buffer.from(viaBytes.data.buffer).equals(Buffer.from(viaFloats.data.buffer))).toBe(true); // the same floats
    expect(Math.abs(std(viaFloats.data, floatCopy.data) * 255 - 25)).toBeLessThan(3); // clipping trims a little
  });
  it('Poisson noise of an 8-bit photo read as bytes gives the floats and bytes of the float path', async () => {
    const [file] = await copyShared('Kodak24/gt', ['kodim05.png']);
    const cut = await sharp(file!).extract({ left: 3, top: 1, width: 201, height: 55 }).raw().toBuffer();
    const img = imageFromBytes(cut, 201, 55);
    const floatCopy = { data: img.data.slice(), width: 201, height: 55, channels: 3 };
    for (const peak of [3, 256]) { // peak 3 clips at white often
      const r1 = new Rng(`p${peak}`), r2 = new Rng(`p${peak}`);
      const viaBytes = addPoissonNoise(img, peak, r1), viaFloats = addPoissonNoise(floatCopy, peak, r2);
      expect(viaBytes.bytes).toBeDefined();
      expect(Buffer.from(viaBytes.bytes!).equals(Buffer.from(toUint8(viaFloats)))).toBe(true);
      expect(r1.next()).toBe(r2.next());
      expect(Buffer.from(viaBytes.data.buffer).equals(Buffer.from(viaFloats.data.buffer))).toBe(true);
      expect(Math.max(...viaFloats.data)).toBeLessThanOrEqual(1);
    }
  });
});

describe('haze', () => {
  it('matches I = J t + A (1 - t), t = exp(-beta d), on a known depth', () => {
    const J = flat(2, 1, [0.2, 0.4, 0.6]);
    const depth = Float32Array.of(0, 1);
    const out = scatter(J, depth, 1.5, [0.9, 0.8, 0.7]);
    const t = Math.exp(-1.5); // 0.22313
    expect(Array.from(out.data.slice(0, 3))).toEqual([0.2, 0.4, 0.6].map((v) => Math.fround(v)));
    expect(out.data[3]).toBeCloseTo(0.2 * t + 0.9 * (1 - t), 6); // 0.74389
    expect(out.data[4]).toBeCloseTo(0.4 * t + 0.8 * (1 - t), 6);
    expect(out.data[5]).toBeCloseTo(0.6 * t + 0.7 * (1 - t), 6);
    expect(out.data[3]).toBeCloseTo(0.743809, 5); // 0.2 * 0.223130 + 0.9 * 0.776870
  });
  it('gives the same floats and bytes from an 8-bit photo read as bytes as from its floats (odd width for the tail)', async () => {
    const [file] = await copyShared('Kodak24/gt', ['kodim13.png']);
    const decoded = (await readImage(file!)).image;
    const cut = await sharp(file!).extract({ left: 0, top: 0, width: 767, height: 301 }).raw().toBuffer();
    for (const img of [decoded, imageFromBytes(cut, 767, 301)]) {
      expect(img.bytes).toBeDefined();
      const p = hazeSpec.sample(9, new Rng(5), img);
      const asBytes = hazeSpec.apply(img, p, new Rng(6)) as Image;
      const floatCopy = { data: img.data.slice(), width: img.width, height: img.height, channels: 3 };
      const asFloats = hazeSpec.apply(floatCopy, p, new Rng(6)) as Image;
      expect(asFloats.bytes).toBeUndefined();
      expect(Buffer.from(asBytes.bytes!).equals(Buffer.from(toUint8(asFloats)))).toBe(true);
      expect(Buffer.from(asBytes.data.buffer).equals(Buffer.from(asFloats.data.buffer))).toBe(true); // the same floats
      expect(psnr(asFloats, floatCopy)).toBeLessThan(20); // and the haze is really there
    }
  });
});

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

describe('rng', () => {
  it('is deterministic per key, forks independently of order, and draws Poisson with the right mean', () => {
    const a = new Rng(42), b = new Rng(42);
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
    expect(new Rng(42).fork('x').next()).toBe(new Rng(42).fork('x').next());
    const c = new Rng(1); c.next();
    expect(c.fork('y').next()).toBe(new Rng(1).fork('y').next());
    const r = new Rng(9);
    let s = 0;
    for (let i = 0; i < 20000; i++) s += r.poisson(37.5);
    expect(s / 20000).toBeCloseTo(37.5, 0);
  });
  it('byte-identical 8-bit output for the same seed', async () => {
    const [photo] = await realPhotos(64);
    const a = toUint8((await degrade(photo!, noise, 5, 'seed')).image), b = toUint8((await degrade(photo!, noise, 5, 'seed')).image);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(fromUint8(a, photo!.width, photo!.height).data.length).toBe(photo!.data.length);
  });
});
