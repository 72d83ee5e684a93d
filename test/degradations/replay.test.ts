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
