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
