/**
 * Realism contracts (the measured figures are bench:realism's): no colour cast where the scene is neutral, the camera
 * types' noise-off identity, a tile degraded as part of its photo matches that region of the whole photo degraded,
 * and the strongest level of each calibrated type stays within the range of its real sets.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OPERATORS, getOperator } from '../../src/degradations/index.js';
import { degrade, replay } from '../../src/degrade.js';
import { crop, type Image } from '../../src/image.js';
import { readImage } from '../../src/io/image-io.js';
import { resize } from '../../src/imgproc/resize.js';
import { psnr } from '../../src/metrics/quality.js';
import { Rng } from '../../src/rng.js';
import { SHARED, realPhotos } from '../helpers.js';

let photos: Image[] = [];
let chart: Image;
beforeAll(async () => {
  photos = await realPhotos(256);
  // a neutral chart: grey steps from black to near white, and a white band
  const W = 288, H = 160, data = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.fill(y < 120 ? Math.floor(x / 32) * 31 / 255 : 250 / 255, (y * W + x) * 3, (y * W + x) * 3 + 3);
  chart = { data, width: W, height: H, channels: 3 };
});

/** Mean R - G and B - G of lq minus the same of gt, DN: over the pixels where gt is neutral (channels within 6 DN), or
 * over every pixel (a photo's neutral pixels border coloured ones, which any blur or JPEG's chroma subsampling mixes
 * in; the image's channel means are what an operator without a cast keeps). */
function cast(lq: Image, gt: Image, neutralOnly: boolean): [number, number] {
  let rg = 0, bg = 0, n = 0;
  for (let i = 0; i < gt.width * gt.height; i++) {
    const g = gt.data, l = lq.data;
    const r0 = g[i * 3]! * 255, g0 = g[i * 3 + 1]! * 255, b0 = g[i * 3 + 2]! * 255;
    if (neutralOnly && Math.max(r0, g0, b0) - Math.min(r0, g0, b0) > 6) continue;
    rg += (l[i * 3]! - l[i * 3 + 1]!) * 255 - (r0 - g0); bg += (l[i * 3 + 2]! - l[i * 3 + 1]!) * 255 - (b0 - g0); n++;
  }
  return [rg / Math.max(1, n), bg / Math.max(1, n)];
}

/** Types whose colour shift is part of the model: haze's airlight and snow's colour carry a small tint on purpose. */
const TINTED = new Set(['haze', 'snow', 'lowlight-haze-rain-snow']);
/** Types that lower contrast on purpose (darkening and tone curve, rain's veil): every colour difference of a photo
 * shrinks with it, so only the grey chart measures their cast. */
const CONTRAST = new Set(['low-light', 'blur-lowlight-noise', 'rain-streak']);

describe('no colour cast on neutral regions', () => {
  it.each(OPERATORS.filter((op) => !TINTED.has(op.id)).map((op) => [op.id, op] as const))('%s: a grey chart stays grey and real photos keep their colour balance (mean R-G, B-G shift < 2.5 DN over seeds)', async (_id, op) => {
    for (const L of [Math.ceil(op.levels.length / 2), op.levels.length]) {
      const casts: number[][] = [];
      for (let s = 0; s < 4; s++) {
        for (const img of CONTRAST.has(op.id) ? [chart] : [chart, photos[s % photos.length]!]) {
          const { image } = await degrade(img, op, L, 300 + s);
          casts.push(cast(image, img, img === chart));
        }
      }
      const mean = [0, 1].map((k) => casts.reduce((a, c) => a + c[k]!, 0) / casts.length);
      expect(Math.abs(mean[0]!), `${op.id} L${L} R-G ${mean[0]!.toFixed(2)}`).toBeLessThan(2.5);
      expect(Math.abs(mean[1]!), `${op.id} L${L} B-G ${mean[1]!.toFixed(2)}`).toBeLessThan(2.5);
    }
  });

  it('low-light keeps near-white neutral however dark (it was magenta: (240, 60, 226) from (254, 254, 254))', async () => {
    const white: Image = { data: new Float32Array(64 * 64 * 3).fill(254 / 255), width: 64, height: 64, channels: 3 };
    for (let s = 0; s < 6; s++) for (const L of [4, 8, 12]) {
      const { image } = await degrade(white, getOperator('low-light'), L, s);
      let r = 0, g = 0, b = 0;
      for (let i = 0; i < 64 * 64; i++) { r += image.data[i * 3]!; g += image.data[i * 3 + 1]!; b += image.data[i * 3 + 2]!; }
      const m = (r + g + b) / 3;
      // the bound: 5% of the level plus the noise's own spread of a 64 x 64 mean at the darkest level (about 1.5 DN)
      expect(Math.max(r, g, b) - Math.min(r, g, b), `seed ${s} L${L}`).toBeLessThan(0.05 * m + 64 * 64 * 1.5 / 255);
    }
  });
});

describe('the camera types without noise', () => {
  it('real-noise with shot = read = 0 and no JPEG is the clean image within 1/255 (it was 30 dB)', async () => {
    const op = getOperator('real-noise');
    for (const [i, img] of photos.entries()) for (const L of [1, 5, 10]) {
      const { record } = await degrade(img, op, L, 40 + i);
      const out = await replay(img, op, { ...record.params, shot: 0, read: 0, jpegQuality: null }, 40 + i);
      let worst = 0;
      for (let k = 0; k < out.data.length; k++) worst = Math.max(worst, Math.abs(out.data[k]! - img.data[k]!));
      expect(worst, `photo ${i} L${L}`).toBeLessThanOrEqual(1 / 255);
    }
  });
});

describe('camera noise reduction keyed to the scene', () => {
  it('real-noise keeps its luma noise in texture and the drawn share of it in flat areas', async () => {
    const op = getOperator('real-noise');
    const { noiseStats, sobel } = await import('../../src/metrics/realism.js');
    const { blurPlane } = await import('../../src/imgproc/filter.js');
    for (const [i, img] of photos.entries()) {
      const { record } = await degrade(img, op, 7, 60 + i);
      const dn = record.params.denoise as { flat: number; edge: number };
      expect(dn.flat).toBeGreaterThanOrEqual(0.55); expect(dn.flat).toBeLessThanOrEqual(0.85);
      const p = { ...record.params, jpegQuality: null };
      const keyed = await replay(img, op, p, 60 + i), blind = await replay(img, op, { ...p, denoise: { ...dn, flat: 1 } }, 60 + i);
      // flat areas: the residual's std falls by about the drawn share (chroma noise, untouched, keeps it above)
      const ratio = noiseStats(keyed, img).std[1] / noiseStats(blind, img).std[1];
      expect(ratio, `photo ${i}`).toBeGreaterThan(dn.flat - 0.02);
      expect(ratio, `photo ${i}`).toBeLessThan(Math.min(0.95, dn.flat + 0.25));
      const W = img.width, H = img.height, grey = new Float32Array(W * H);
      for (let k = 0; k < W * H; k++) grey[k] = (255 * (img.data[k * 3]! + img.data[k * 3 + 1]! + img.data[k * 3 + 2]!)) / 3;
      // strong edges: scene gradient above 8x the largest drawn threshold (Sobel / 8 of the sigma-1 blurred luma)
      const { gx, gy } = sobel(blurPlane(grey, W, H, 1), W, H);
      const notFlat = gx.map((v, k) => (Math.hypot(v, gy[k]!) / 8 > 8 * 0.0125 * 255 ? 1 : 0));
      const sd = (out: Image): number => { let s = 0, n = 0; for (let k = 0; k < W * H; k++) if (notFlat[k]) { s += (255 * (out.data[k * 3 + 1]! - img.data[k * 3 + 1]!)) ** 2; n++; } return Math.sqrt(s / n); };
      expect(notFlat.reduce((a, b) => a + b, 0), `photo ${i}`).toBeGreaterThan(500);
      expect(Math.abs(sd(keyed) / sd(blind) - 1), `photo ${i}`).toBeLessThan(0.01);
    }
  });
});

describe('levels scale with the photograph, not the crop', () => {
  it.each(['rain-streak', 'snow', 'raindrop', 'motion-blur', 'defocus-blur', 'gaussian-blur'])('%s: a 256 px tile degraded as part of its 768x512 photo matches that region of the whole photo degraded (mean PSNR within 1.5 dB)', async (type) => {
    const op = getOperator(type);
    const src = (await readImage(path.join(SHARED, 'Kodak24/gt/kodim08.png'))).image; // 768x512
    for (const L of [2, Math.ceil(op.levels.length / 2)]) {
      let tiles = 0, regions = 0, asCrop = 0;
      const n = type === 'raindrop' ? 12 : 4; // a tile holds a handful of drops: more samples for a stable mean
      for (let s = 0; s < n; s++) {
        const x = 128 + 128 * (s % 3), y = 128 * (s % 2), tile = crop(src, x, y, 256, 256);
        const photoSize = { width: src.width, height: src.height, photo: { width: src.width, height: src.height } };
        const seed = 70 + s, rng = new Rng(seed);
        const p = op.sample(L, rng.fork('sample'), { ...photoSize, width: 256, height: 256 });
        tiles += psnr(await replay(tile, op, p, seed), tile);
        const whole = (await degrade(src, op, L, seed)).image;
        regions += psnr(crop(whole, x, y, 256, 256), tile);
        // what a build did before: the tile sampled as if it were the whole photograph
        asCrop += psnr((await degrade(tile, op, L, seed)).image, tile);
      }
      expect(Math.abs(tiles - regions) / n, `${type} L${L}: tile ${(tiles / n).toFixed(1)} vs region ${(regions / n).toFixed(1)} (as a crop ${(asCrop / n).toFixed(1)})`).toBeLessThan(1.5);
    }
  });
});

describe('the strongest levels stay within the real sets', () => {
  const pairs = async (set: string, limit: number): Promise<{ lq: Image; gt: Image }[]> => {
    const names = (await fs.readdir(path.join(SHARED, set, 'gt'))).sort().slice(0, limit);
    return Promise.all(names.map(async (n) => ({ lq: (await readImage(path.join(SHARED, set, 'lq', n))).image, gt: (await readImage(path.join(SHARED, set, 'gt', n))).image })));
  };
  // margins: the real sets here are small samples of their benchmarks; each bound is the worst real image minus
  // 1.5 dB (rain: the worst Rain100H image, 6.7 dB, is held back, so its value from realism-reference.md)
  it.each([
    ['rain-streak', 'Rain-DDN-val', 6.7 - 1.5],
    ['haze', 'SOTS-indoor', null],
    ['motion-blur', 'Levin-blur', null],
  ] as const)('%s: level 1 is milder than every %s input and the top level no worse than the worst one (margin 1.5 dB)', async (type, set, floor) => {
    const ps = await pairs(set, 8);
    const real = ps.map((p) => psnr(p.lq, p.gt));
    const op = getOperator(type);
    const at = async (L: number): Promise<number> => { let s = 0; for (const [i, p] of ps.entries()) s += psnr((await degrade(p.gt, op, L, 900 + i)).image, p.gt); return s / ps.length; };
    const top = await at(op.levels.length), first = await at(1);
    expect(first, `${type} L1 ${first.toFixed(1)} vs mildest real ${Math.max(...real).toFixed(1)}`).toBeGreaterThan(Math.max(...real));
    expect(top, `${type} top ${top.toFixed(1)} vs worst real ${Math.min(...real).toFixed(1)}`).toBeGreaterThan((floor ?? Math.min(...real)) - 1.5);
    expect(top, `${type} top ${top.toFixed(1)} reaches the strong real images`).toBeLessThan(Math.min(...real) + 3);
  });

  it('real-noise spans the real noisy sets: level 1 milder than PolyU, the top level no heavier than SIDD-like phone noise (>= 24 dB)', async () => {
    const ps = await pairs('PolyU', 6);
    const gts = ps.map((p) => resize(p.gt, 256, 256, 'area'));
    const op = getOperator('real-noise');
    const at = async (L: number): Promise<number> => { let s = 0; for (const [i, g] of gts.entries()) s += psnr((await degrade(g, op, L, 60 + i)).image, g); return s / gts.length; };
    expect(await at(1)).toBeGreaterThan(40);
    const top = await at(10);
    expect(top).toBeGreaterThan(24);
    expect(top).toBeLessThan(30);
  });
});
