/** Data-parallel gradients: two replicas (this thread and a worker) give the single-thread gradient of the batch. */
import { describe, it, expect, beforeAll } from 'vitest';
import { selectBackend } from '../../src/model/backend.js';
import { buildReplica, type Replica, type ReplicaBatch, type ReplicaSpec } from '../../src/model/replica.js';
import { benchSpec, buildReplica as buildBenchReplica } from '../../bench/nafnet-replica.js';
import { DataParallel } from '../../src/model/parallel.js';
import { makeConfig } from '../../src/model/maskdcpt.js';
import { randomPatchMask } from '../../src/model/mask.js';
import { Rng } from '../../src/rng.js';

beforeAll(async () => { await selectBackend('wasm'); });

function batch(n: number, size: number, withMask: boolean): ReplicaBatch {
  const rng = new Rng('parallel-test');
  const m = withMask ? randomPatchMask(rng, n, size, size, 16, 0.5) : null;
  return {
    n, height: size, width: size, labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    lq: Float32Array.from({ length: n * size * size * 3 }, () => rng.next()), gt: Float32Array.from({ length: n * size * size * 3 }, () => rng.next()),
    mask: m ? { rows: m.rows, cols: m.cols, patch: m.patch, visible: m.visible } : undefined,
  };
}

describe('data-parallel training', () => {
  it.each([
    ['MaskDCPT pre-training (odd batch: slices of 2 and 3)', { kind: 'maskdcpt', config: makeConfig('nafnet-tiny', ['a', 'b', 'c']), finetune: false } as ReplicaSpec, 5, true],
    ['the bench NAFNet (a replica module outside the library)', benchSpec(8) as ReplicaSpec, 4, false],
  ])('%s: 2 replicas give the 1-thread gradient and loss', async (_name, spec, n, withMask) => {
    const replica: Replica = spec.kind === 'maskdcpt' ? buildReplica(spec, 3) : buildBenchReplica(spec.options, 3);
    const b = batch(n, 32, withMask);
    const one = await DataParallel.create(spec, replica, 1), two = await DataParallel.create(spec, replica, 2);
    const a = await one.gradients(b), c = await two.gradients(b);
    const sa = await a.stats, sc = await c.stats;
    expect(sc.loss).toBeCloseTo(sa.loss, 5);
    expect(sc.correct).toBe(sa.correct);
    expect(sc.l1).toBeGreaterThan(0); // the metrics read after the step arrived
    expect(sc.l1).toBeCloseTo(sa.l1, 5);
    let worst = 0, compared = 0;
    for (const [, v] of replica.vars) {
      const ga = a.grads[v.name], gc = c.grads[v.name];
      if (!ga) continue;
      const x = ga.dataSync(), y = gc!.dataSync();
      let num = 0, den = 0;
      for (let i = 0; i < x.length; i++) { num += (x[i]! - y[i]!) ** 2; den += x[i]! ** 2; }
      if (den > 0) { worst = Math.max(worst, Math.sqrt(num / den)); compared++; }
    }
    expect(compared).toBeGreaterThan(10);
    expect(worst).toBeLessThan(1e-4);
    for (const g of [...Object.values(a.grads), ...Object.values(c.grads)]) g.dispose();
    await one.dispose(); await two.dispose(); replica.dispose();
  });
});
