/** Realism statistics: blob elongation, hand-computed on drawn shapes and ordered on a real photograph; rain streaks' profile. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { blobStats } from '../../src/metrics/realism.js';
import { createImage, type Image } from '../../src/image.js';
import { readImage } from '../../src/io/image-io.js';
import { getOperator } from '../../src/degradations/index.js';
import { replay } from '../../src/degrade.js';
import { sampleSnow, type SnowParams } from '../../src/degradations/snow.js';
import { streakField } from '../../src/degradations/rain-streak.js';
import { Rng } from '../../src/rng.js';
import { SHARED } from '../helpers.js';

/** A grey image with white pixels where `inside(x, y)`. */
function drawn(w: number, h: number, inside: (x: number, y: number) => boolean): Image {
  const img = createImage(w, h, 3, 0.3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x, y)) img.data.fill(1, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return img;
}

describe('blob elongation', () => {
  const grey = createImage(64, 64, 3, 0.3);

  it('is 7 for a 3 x 21 px bar: sqrt(((21^2 - 1) / 12 + 1/12) / ((3^2 - 1) / 12 + 1/12)), and 1 for a disc', () => {
    const bar = blobStats(drawn(64, 64, (x, y) => x >= 30 && x < 33 && y >= 20 && y < 41), grey);
    expect(bar.count).toBe(1);
    expect(bar.elongation).toBeCloseTo(7, 6);
    const disc = blobStats(drawn(64, 64, (x, y) => (x - 32) ** 2 + (y - 32) ** 2 <= 25), grey);
    expect(disc.elongation).toBeCloseTo(1, 6);
  });

  it('does not depend on the direction: the bar turned 90 degrees or drawn diagonally keeps its ratio', () => {
    const across = blobStats(drawn(64, 64, (x, y) => y >= 30 && y < 33 && x >= 20 && x < 41), grey);
    expect(across.elongation).toBeCloseTo(7, 6);
    const diagonal = blobStats(drawn(64, 64, (x, y) => Math.abs(x - y) <= 1 && x >= 16 && x < 48), grey);
    expect(diagonal.elongation).toBeGreaterThan(5);
  });

  it('snow on a real photograph: flakes frozen by a short shutter are rounder than flakes streaked by a long one', async () => {
    const { image } = await readImage(path.join(SHARED, 'Kodak24', 'gt', 'kodim05.png'));
    const op = getOperator('snow'), base = sampleSnow(5, new Rng('elongation'), image);
    const withStreak = (k: number): SnowParams => ({ ...base, layers: base.layers.map((l) => ({ ...l, streak: l.streak * k })) });
    const el = async (k: number): Promise<number> => blobStats(await replay(image, op, withStreak(k), 3), image, { threshold: 20 }).elongation;
    const frozen = await el(0), streaked = await el(4);
    expect(frozen).toBeLessThan(1.8);
    expect(streaked).toBeGreaterThan(frozen + 1);
  });
});

describe('rain streaks', () => {
  it('are hard-edged (a drop swept along its fall): across a streak of width 3 (a disk of radius 3.54) the profile is the chord of the disk, 7 px wide, and drops from half its peak to nothing at the edge, where a Gaussian ridge of sigma 3 fades over 9 px', () => {
    const W = 160, H = 160;
    const s = streakField(W, H, [{ density: 0.0002, length: 40, angle: 0, width: 3, intensity: 1 }], new Rng('profile'));
    let best = 0;
    for (let i = 1; i < s.length; i++) if (s[i]! > s[best]!) best = i;
    const y = Math.floor(best / W), x0 = best % W, peak = s[best]!, at = (dx: number): number => s[y * W + x0 + dx]! / peak;
    expect(peak).toBeGreaterThan(0);
    for (const dir of [-1, 1]) {
      // the chord of a disk of radius 3.54 at 1, 2 and 3 px from the centre, over its length there: 0.96, 0.83, 0.51
      expect(at(dir)).toBeCloseTo(Math.sqrt(3.54 ** 2 - 1) / 3.54, 1);
      expect(at(2 * dir)).toBeCloseTo(Math.sqrt(3.54 ** 2 - 4) / 3.54, 1);
      expect(at(3 * dir)).toBeGreaterThan(0.4);
      expect(at(4 * dir)).toBeLessThan(0.01);
    }
  });
});
