/** The training data feed: batches made in the worker thread, ahead, are the ones the training thread would make. */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import { BatchLoader } from '../../src/model/batches.js';
import { Sampler, loadSamples } from '../../src/model/samples.js';
import { ROOT, tempDir, uir } from '../helpers.js';

let data = '';
beforeAll(async () => {
  data = path.join(await tempDir(), 'data');
  const r = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/kodim05.png'), '-o', data, '--progress', 'none']);
  expect(r.code).toBe(0);
});

describe('BatchLoader', () => {
  it('gives the in-thread batches, step by step, whatever the prefetch depth; counts the time waited', async () => {
    const { items, weights } = await loadSamples({ data, split: 'train' });
    const o = { batch: 3, patch: 32, seed: 9, lastStep: 5 };
    const worker = new BatchLoader(new Sampler(items, weights, 9), { ...o, depth: 3 });
    const here = new BatchLoader(new Sampler(items, weights, 9), { ...o, inThread: true });
    for (const step of [0, 1, 2, 4]) { // 3 is made ahead and never asked for
      const a = await worker.get(step), b = await here.get(step);
      expect(Buffer.from(a.lq.buffer).equals(Buffer.from(b.lq.buffer)), `lq of step ${step}`).toBe(true);
      expect(Buffer.from(a.gt.buffer).equals(Buffer.from(b.gt.buffer)), `gt of step ${step}`).toBe(true);
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    }
    expect(worker.waitSeconds).toBeGreaterThan(0);
    await worker.dispose(); await here.dispose();
  });

  it('a batch that cannot be made is an error of the training thread, naming the field', async () => {
    const { items, weights } = await loadSamples({ data, split: 'train' });
    const feed = new BatchLoader(new Sampler(items, weights, 1), { batch: 1, patch: 4096, seed: 1, lastStep: 2 });
    await expect(feed.get(0)).rejects.toThrow(/^patch 4096 is larger than a \d+x\d+ image in the manifest$/);
    await feed.dispose();
  });
});
