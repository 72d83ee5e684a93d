/** PIQE: the hand-computable case, agreement with MathWorks' piqe.m, and ordering with noise. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { piqe } from '../../src/metrics/piqe.js';
import { readImage } from '../../src/io/image-io.js';
import { createImage } from '../../src/image.js';
import { addGaussianNoise } from '../../src/degradations/noise.js';
import { Rng } from '../../src/rng.js';
import { SHARED, ROOT, uir } from '../helpers.js';

describe('piqe', () => {
  it('scores a uniform image 100 (no active block: (0 + 1) / (0 + 1) x 100), as piqe.m documents', () => {
    const r = piqe(createImage(40, 24, 3, 0.5));
    expect(r).toEqual({ score: 100, activeBlocks: 0, artifactBlocks: 0, noiseBlocks: 0 });
  });

  it("equals MathWorks piqe.m on real photographs (padded sizes, JPEG and PNG)", async () => {
    // reference scores from test/fixtures/piqe_reference.py, a NumPy transcription of piqe.m's steps (rgb2gray
    // rounding, imgaussfilt 7x7 sigma 7/6 replicate, var/std with N-1, the centre/surround column deletions), run once
    // on the same files with Debian bookworm's python3 3.11, numpy 1.24.2 and opencv 4.6.0 (to decode)
    const cases: [string, number][] = [
      [path.join(SHARED, 'Kodak24/gt/kodim01.png'), 47.539963],
      [path.join(SHARED, 'Rain100L/lq/1.png'), 27.600312],
      [path.join(SHARED, 'PolyU/lq/Canon5D2_5_160_3200_chair_11.JPG'), 49.720408],
      [path.join(ROOT, 'samples/kodim03.png'), 39.622198],
    ];
    for (const [file, ref] of cases) expect(piqe((await readImage(file)).image).score, file).toBeCloseTo(ref, 5);
  });

  it('rises with Gaussian noise on a clean photograph', async () => {
    const { image } = await readImage(path.join(SHARED, 'Kodak24/gt/kodim05.png'));
    const scores = [0, 10, 30, 60].map((s) => (s === 0 ? piqe(image) : piqe(addGaussianNoise(image, s / 255, false, new Rng(s)))).score);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!, `sigma step ${i}`).toBeGreaterThan(scores[i - 1]!);
  });

  it('uir eval --lq alone reports PIQE per folder', async () => {
    const r = await uir(['eval', '--lq', path.join(SHARED, 'Rain100L/lq'), '--limit', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { metric: string; images: { piqe: number }[]; average: number };
    expect(j.metric).toBe('PIQE');
    expect(j.images).toHaveLength(3);
    expect(j.average).toBeCloseTo(j.images.reduce((a, b) => a + b.piqe, 0) / 3, 10);
  });
});
