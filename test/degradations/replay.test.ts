/**
 * Replaying recorded params gives the same bytes as when they were recorded: the fixture (test/fixtures/replay-19.json,
 * made by replay-fixture.ts) holds every level of all 19 types, params and output hashes only. A change to any
 * operator's output, to the meaning of a recorded parameter, or to params validation shows here.
 */
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import { getOperator, totalLevels } from '../../src/degradations/index.js';
import { replay } from '../../src/degrade.js';
import { FIXTURE, fixtureCrops, sha, type ReplayRecord } from '../fixtures/replay-fixture.js';
import path from 'node:path';
import { readImage } from '../../src/io/image-io.js';
import { ROOT } from '../helpers.js';

describe('recorded params', () => {
  it('of every level of all 19 types replay to byte-identical images', async () => {
    const { records } = JSON.parse(await fs.readFile(FIXTURE, 'utf8')) as { records: ReplayRecord[] };
    expect(records).toHaveLength(totalLevels());
    expect(new Set(records.map((r) => r.type)).size).toBe(19);
    const crops = await fixtureCrops(ROOT);
    const changed: string[] = [];
    for (const r of records) {
      const out = await replay(crops[r.crop]!, getOperator(r.type), r.params, r.seed);
      if (sha(out) !== r.sha256) changed.push(`${r.type} L${r.level}`);
    }
    expect(changed).toEqual([]);
  });
});

/**
 * Fields whose change need not change the output, and why (everything else must): the level a chain step records
 * beside its params (those alone decide it), the trajectory extent motion-blur records beside its points, the
 * parameters of the noise variants not drawn, and rain's veil grey / patchiness / attenuation when its veil is 0.
 */
function exempt(type: string, pathStr: string, params: Record<string, unknown>): string | null {
  if (/^steps\.\d+\.level$/.test(pathStr)) return 'a chain step records its level for reading; its params decide it';
  const step = /^steps\.(\d+)\./.exec(pathStr), stepType = step ? (params as { steps: { type: string }[] }).steps[Number(step[1])]!.type : type;
  if (stepType === 'motion-blur' && /(^|\.)length$/.test(pathStr)) return 'the extent the points were scaled to, recorded for reading';
  if (type === 'noise') {
    const v = params.variant;
    if (v !== 'poisson' && pathStr === 'peak') return 'peak is poisson-only';
    if (v !== 'salt-pepper' && (pathStr === 'amount' || pathStr === 'saltRatio')) return 'salt-and-pepper only';
    if (v !== 'gaussian' && pathStr === 'gray') return 'gray is gaussian-only';
    if (v === 'poisson' && pathStr === 'sigma') return 'poisson is set by its peak';
  }
  if (type === 'real-noise' && pathStr === 'jpegQuality' && params.jpegQuality === null) return 'no in-camera JPEG drawn';
  if (/(^|\.)(airlight|patchiness|attenuation)$/.test(pathStr) && type === 'rain-streak' && params.veil === 0) return 'no veil';
  const kind = (params as { kind?: string }).kind ?? ((params as { steps?: { params?: { kind?: string } }[] }).steps?.[0]?.params?.kind);
  if (/(^|\.)beta$/.test(pathStr) && kind !== undefined && !/generalized|plateau/.test(kind)) return 'beta shapes generalized and plateau kernels only';
  if (/(^|\.)omega$/.test(pathStr) && kind !== undefined && kind !== 'sinc') return 'omega is the sinc kernel\'s';
  return null;
}

describe('every recorded parameter is used, and apply draws nothing unrecorded', () => {
  it.each(['noise', 'real-noise', 'motion-blur', 'defocus-blur', 'gaussian-blur', 'jpeg', 'haze', 'rain-streak', 'raindrop', 'snow', 'mosaic', 'low-light', 'moire', 'blur-jpeg'])('%s: changing any recorded number, flag or choice changes the output', async (type) => {
    const op = getOperator(type);
    // a whole bundled photo: at its scale every spatial size is large enough to show in 8 bits
    const photo = (await readImage(path.join(ROOT, 'samples/kodim23.png'))).image;
    const crops = [photo];
    const L = Math.ceil(op.levels.length * 0.6), seed = 17;
    const { degrade } = await import('../../src/degrade.js');
    const { record, image } = await degrade(crops[0]!, op, L, seed);
    const base = sha(image);
    const { z } = await import('../../src/schema.js');
    const json = z.toJSONSchema(op.schema, { unrepresentable: 'any' }) as Record<string, unknown>;
    // every leaf of the params with the JSON Schema node that describes it
    const leaves: { path: (string | number)[]; node: Record<string, unknown> }[] = [];
    const walk = (v: unknown, node: Record<string, unknown>, at: (string | number)[]): void => {
      const n = (Array.isArray(node.anyOf) ? (node.anyOf as Record<string, unknown>[]).find((x) => x.type !== 'null') : node) ?? node;
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, ((n.prefixItems as Record<string, unknown>[] | undefined)?.[i] ?? n.items ?? {}) as Record<string, unknown>, [...at, i]));
      else if (v !== null && typeof v === 'object') {
        const props = (n.properties ?? {}) as Record<string, Record<string, unknown>>;
        const disc = Array.isArray(n.oneOf) ? (n.oneOf as Record<string, unknown>[]).find((o) => ((o.properties as Record<string, { const?: unknown }>)?.type?.const) === (v as { type?: unknown }).type) : undefined;
        const p2 = disc ? (disc.properties as Record<string, Record<string, unknown>>) : props;
        for (const [k, x] of Object.entries(v)) walk(x, p2[k] ?? {}, [...at, k]);
      } else leaves.push({ path: at, node: n });
    };
    walk(record.params, json, []);
    const unchanged: string[] = [];
    let checked = 0;
    // the first three items of a list stand for the rest (a drop can hide behind another)
    for (const { path: at, node } of leaves.filter((l) => l.path.every((k) => typeof k !== 'number' || k < 3 || l.path.length <= 2 && typeof l.path[0] === 'number')).slice(0, 60)) {
      const pathStr = at.join('.');
      const get = (o: unknown): unknown => at.reduce<unknown>((a, k) => (a as Record<string | number, unknown>)[k], o);
      const v = get(record.params);
      const candidates: unknown[] = [];
      if (typeof v === 'boolean') candidates.push(!v);
      else if (typeof v === 'string') candidates.push(...((node.enum as unknown[] | undefined) ?? []).filter((x) => x !== v));
      else if (typeof v === 'number') {
        const lo = Number(node.minimum ?? -1e9), hi = Number(node.maximum ?? 1e9), int = node.type === 'integer';
        for (const f of [1.3, 0.7, 1.05, 0.95]) {
          let x = v === 0 ? Math.min(hi, lo + 0.1 * (Math.min(hi, 10) - lo)) : v * f;
          if (int) x = Math.round(x) === v ? v + (f > 1 ? 1 : -1) : Math.round(x);
          if (x >= lo && x <= hi && x !== v) candidates.push(x);
        }
      } else continue;
      let changed = false, tried = false;
      for (const c of candidates) {
        const p = structuredClone(record.params) as Record<string, unknown>;
        const parent = at.slice(0, -1).reduce<unknown>((a, k) => (a as Record<string | number, unknown>)[k], p) as Record<string | number, unknown>;
        parent[at[at.length - 1]!] = c;
        let out;
        try { out = await replay(crops[0]!, op, p, seed); } catch { continue; }
        tried = true;
        if (sha(out) !== base) { changed = true; break; }
      }
      if (!tried) continue;
      checked++;
      if (!changed && !exempt(type, pathStr, record.params)) unchanged.push(pathStr);
    }
    expect(checked, 'parameters checked').toBeGreaterThan(0);
    expect(unchanged, 'recorded parameters whose change leaves the output unchanged').toEqual([]);
    // the promise of a seed-free operator: its params alone decide the output
    if (op.seedFree) expect(sha(await replay(crops[0]!, op, record.params, 999))).toBe(base);
  });
});
