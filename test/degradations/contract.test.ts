/**
 * The contract every registered operator must meet, at every level, on real photographs (kornia CommonTests
 * pattern): shape and range, determinism, seed sensitivity, exact replay, ordered severities, parameter checks.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { OPERATORS, totalLevels, getOperator } from '../../src/degradations/index.js';
import { degrade, replay } from '../../src/degrade.js';
import { validateParams } from '../../src/degradations/validate.js';
import { crop, toUint8, type Image } from '../../src/image.js';
import { psnr } from '../../src/metrics/quality.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { realPhotos } from '../helpers.js';

let photos: Image[] = [];
/** What builds degrade: 256 px tiles of 512 px photos (at the photo's scale), and whole 512 px photos. */
let inputs: { img: Image; photo?: { width: number; height: number } }[] = [];
beforeAll(async () => {
  photos = await realPhotos(200);
  const big = await realPhotos(512);
  inputs = [
    { img: big[0]! }, { img: big[3]! },
    { img: crop(big[1]!, 64, 96, 256, 256), photo: { width: big[1]!.width, height: big[1]!.height } },
    { img: crop(big[2]!, 200, 100, 256, 256), photo: { width: big[2]!.width, height: big[2]!.height } },
  ];
});

const same = (a: Image, b: Image): boolean => Buffer.from(toUint8(a)).equals(Buffer.from(toUint8(b)));

describe('registry', () => {
  it('has the 19 UIR-2.5M types, at least 5 levels each and at least 200 in all', () => {
    expect(OPERATORS).toHaveLength(19);
    for (const op of OPERATORS) expect(op.levels.length, op.id).toBeGreaterThanOrEqual(5);
    expect(totalLevels()).toBeGreaterThanOrEqual(200);
    expect(OPERATORS.filter((o) => o.kind === 'mixed')).toHaveLength(5);
  });
  it('finds types by id, code (any case) and alias, and lists the valid types otherwise', () => {
    expect(getOperator('rain').id).toBe('rain-streak');
    expect(getOperator('rs').id).toBe('rain-streak');
    expect(getOperator('GN').id).toBe('noise');
    expect(() => getOperator('fog')).toThrow(UsageError);
    expect(() => getOperator('fog')).toThrow(/valid types: noise \(GN\), real-noise \(RN\)/);
  });
});

describe.each(OPERATORS.map((op) => [op.id, op] as const))('%s', (_id, op) => {
  it('keeps shape and range at every level, replays exactly, and orders severities (distinct outputs level to level on 256 px tiles and 512 px photos; mean PSNR never rises)', async () => {
    const means: number[] = [];
    let prev: Image[] = [];
    for (let L = 1; L <= op.levels.length; L++) {
      let sum = 0;
      const outs: Image[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const { img: clean, photo } = inputs[i]!;
        const seed = 1000 + i;
        const { image, record } = await degrade(clean, op, L, seed, photo);
        expect(image.width).toBe(clean.width);
        expect(image.height).toBe(clean.height);
        expect(image.channels).toBe(3);
        let lo = Infinity, hi = -Infinity;
        for (const v of image.data) { if (v < lo) lo = v; if (v > hi) hi = v; }
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        if (i === 0) {
          // replay from the recorded params, after a JSON round trip as they are stored
          const again = await replay(clean, op, JSON.parse(JSON.stringify(record.params)), record.seed);
          expect(same(again, image), `replay of level ${L}`).toBe(true);
          const twice = await degrade(clean, op, L, seed, photo);
          expect(same(twice.image, image), `determinism of level ${L}`).toBe(true);
        }
        if (L > 1) expect(same(image, prev[i]!), `input ${i}: level ${L} is the same image as level ${L - 1}`).toBe(false);
        outs.push(image);
        sum += Math.min(100, psnr(image, clean));
      }
      prev = outs;
      means.push(sum / inputs.length);
    }
    for (let L = 1; L < means.length; L++) {
      expect(means[L]!, `mean PSNR level ${L + 1} vs ${L}: ${means.map((m) => m.toFixed(2)).join(' ')}`).toBeLessThanOrEqual(means[L - 1]!);
    }
    expect(means[means.length - 1]!, `last level at least 3 dB below level 1: ${means.map((m) => m.toFixed(2)).join(' ')}`).toBeLessThanOrEqual(means[0]! - 3);
  });

  it('refuses level 0 and the level past the last, naming the range', async () => {
    for (const L of [0, op.levels.length + 1, 1.5]) await expect(degrade(photos[0]!, op, L, 1)).rejects.toThrow(new RegExp(`^level: ${op.id} has levels 1-${op.levels.length}, received ${L}`));
  });

  it(op.random ? 'differs between seeds' : 'does not depend on the seed', async () => {
    const L = Math.ceil(op.levels.length / 2);
    const a = await degrade(photos[0]!, op, L, 1);
    const b = await degrade(photos[0]!, op, L, 2);
    expect(same(a.image, b.image)).toBe(!op.random);
  });

  it('rejects bad params naming the parameter', () => {
    const first = op.params[0]!;
    expect(() => validateParams(op, {})).toThrow(ConfigError);
    expect(() => validateParams(op, {})).toThrow(new RegExp(`${op.id}\\.${first.name}: required`));
    expect(() => validateParams(op, 'x')).toThrow(/expected an object/);
    const numeric = op.params.find((p) => p.range);
    if (numeric) {
      const bad = { [numeric.name]: numeric.range![1] + 1000 };
      expect(() => validateParams(op, bad)).toThrow(new RegExp(`${op.id}\\.${numeric.name}: expected ${numeric.type} ${numeric.range![0]}-${numeric.range![1]}, received`));
    }
    expect(() => validateParams(op, { bogus: 1 })).toThrow(/bogus: unknown parameter/);
  });

  it('documents every level and parameter', () => {
    for (const l of op.levels) expect(l.summary.length).toBeGreaterThan(3);
    for (const p of op.params) expect(p.doc.length, p.name).toBeGreaterThan(10);
  });
});
