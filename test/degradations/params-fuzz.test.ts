/**
 * The params fuzzer: valid recorded params of every type, mutated at every depth (wrong types, NaN, Infinity,
 * negative and huge numbers, missing and extra keys, emptied and garbage arrays), 240 seeded mutations per type.
 * Every mutation is either refused with a message naming its dotted path under the type, or replays to an image that
 * has no NaN, is not constant and still differs from the clean one: never a silent black, unchanged or broken image.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { OPERATORS } from '../../src/degradations/index.js';
import { degrade, replay } from '../../src/degrade.js';
import { ConfigError } from '../../src/errors.js';
import { crop, toUint8, type Image } from '../../src/image.js';
import { readImage } from '../../src/io/image-io.js';
import { Rng } from '../../src/rng.js';
import { ROOT, tempDir, uir } from '../helpers.js';

const MUTATIONS_PER_TYPE = 240;
let clean: Image;
beforeAll(async () => { clean = crop((await readImage(path.join(ROOT, 'samples/kodim23.png'))).image, 300, 120, 96, 80); });

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path in a params tree (objects and arrays included), the root excluded. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...at, i], ...paths(x, [...at, i])); });
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([...at, k], ...paths(x, [...at, k]));
  return out;
}

const BAD_VALUES: unknown[] = ['oops', NaN, Infinity, -Infinity, -5, -1e9, 1e12, null, true, [], {}, [Number.NaN], ['a', null]];

/** One mutation of a deep copy of `p`, drawn by r; returns the mutated params and what was done. */
function mutate(p: Json, r: Rng): { params: unknown; what: string } {
  const copy = structuredClone(p) as Record<string, unknown>;
  const all = paths(p);
  const target = all[r.int(0, all.length - 1)]!;
  const parent = target.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], copy) as Record<string | number, unknown>;
  const key = target[target.length - 1]!;
  const kind = r.int(0, 9);
  if (kind === 0 && !Array.isArray(parent)) { delete parent[key]; return { params: copy, what: `delete ${target.join('.')}` }; }
  if (kind === 1 && !Array.isArray(parent)) { parent[`extra${r.int(0, 9)}`] = 1; return { params: copy, what: `extra key beside ${target.join('.')}` }; }
  if (kind === 2 && Array.isArray(parent[key])) { (parent[key] as unknown[]).length = 0; return { params: copy, what: `empty ${target.join('.')}` }; }
  if (kind === 3 && Array.isArray(parent[key])) { (parent[key] as unknown[]).push('garbage'); return { params: copy, what: `garbage item in ${target.join('.')}` }; }
  const bad = BAD_VALUES[r.int(0, BAD_VALUES.length - 1)];
  parent[key] = structuredClone(bad);
  return { params: copy, what: `${target.join('.')} = ${Number.isNaN(bad) ? 'NaN' : JSON.stringify(bad) ?? String(bad)}` };
}

const differs = (a: Uint8Array, b: Uint8Array): boolean => { for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1) return true; return false; };

describe.each(OPERATORS.map((op) => [op.id, op] as const))('params fuzzer: %s', (id, op) => {
  it(`${MUTATIONS_PER_TYPE} mutations: each refused naming its path, or a sound image`, async () => {
    const r = new Rng(`fuzz/${id}`);
    const base = toUint8(clean);
    let refused = 0, accepted = 0;
    for (let m = 0; m < MUTATIONS_PER_TYPE; m++) {
      const level = r.int(1, op.levels.length), seed = r.int(0, 1e6);
      const { record } = await degrade(clean, op, level, seed);
      const { params, what } = mutate(JSON.parse(JSON.stringify(record.params)) as Json, r);
      let out: Image;
      try {
        out = await replay(clean, op, params, seed);
      } catch (e) {
        expect(e, what).toBeInstanceOf(ConfigError);
        expect((e as Error).message, what).toMatch(new RegExp(`^${id}(\\.[\\w$]+)*: `));
        refused++;
        continue;
      }
      accepted++;
      const bytes = toUint8(out);
      expect(out.data.some((v) => Number.isNaN(v)), `${what}: NaN`).toBe(false);
      let lo = 255, hi = 0;
      for (const v of bytes) { if (v < lo) lo = v; if (v > hi) hi = v; }
      expect(hi - lo, `${what}: constant image`).toBeGreaterThan(2);
      expect(differs(bytes, base), `${what}: unchanged`).toBe(true);
    }
    expect(refused, 'most mutations must be refused').toBeGreaterThan(MUTATIONS_PER_TYPE / 2);
    expect(refused + accepted).toBe(MUTATIONS_PER_TYPE);
  });
});

describe('params fuzzer through the CLI', () => {
  it('a mutated params file is exit 3 with one line per problem naming the dotted path; nothing is written', async () => {
    const dir = await tempDir();
    const src = path.join(dir, 'in.png');
    await fs.copyFile(path.join(ROOT, 'samples/kodim23.png'), src);
    const cases: [string, (p: Record<string, any>) => void, RegExp][] = [
      ['blur-rain', (p) => { p.steps[0].params.layers = 'oops'; }, /^uir: blur-rain\.steps\.0\.params\.layers: expected an array of 1-8 items, received "oops"$/m],
      ['rain-streak', (p) => { p.layers[0].density = 'lots'; p.layers[0].width = -5; }, /rain-streak\.layers\.0\.density: expected number 0-1, received "lots"[\s\S]*rain-streak\.layers\.0\.width: expected number 0\.05-64, received -5/],
      ['haze', (p) => { p.airlight = ['a', null]; }, /haze\.airlight\.0: expected number 0-1, received "a"\n  haze\.airlight\.1: expected number 0-1, received null\n  haze\.airlight\.2: required/],
      ['noise', (p) => { p.sigma = 'NaN'; p.extra = 1; }, /noise\.sigma: expected number 0-1, received "NaN"[\s\S]*noise\.extra: unknown parameter/],
    ];
    for (const [type, change, msg] of cases) {
      const rec = path.join(dir, `${type}.json`), out = path.join(dir, `${type}.png`);
      const made = await uir(['degrade', '-t', type, '-l', '3', src, '-o', path.join(dir, 'first.png'), '--params-out', rec]);
      expect(made.code, made.stderr).toBe(0);
      const j = JSON.parse(await fs.readFile(rec, 'utf8'));
      change(j.params);
      await fs.writeFile(rec, JSON.stringify(j));
      const r = await uir(['degrade', '--params', rec, src, '-o', out]);
      expect(r.code, type).toBe(3);
      expect(r.stderr, type).toMatch(msg);
      expect(r.stderr).not.toMatch(/internal error/);
      await expect(fs.stat(out)).rejects.toThrow();
    }
  });
});
