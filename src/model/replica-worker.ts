/**
 * A data-parallel replica (parallel.ts): builds the model of the spec on its own wasm backend, then per step loads
 * the shared weights, computes the gradient of its slice of the batch and writes it to its shared gradient buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './backend.js';
import { LaterReads, loadReplica } from './replica.js';
import { isWasmOom } from './memory.js';
import { heapView } from './kernels/register.js';
import type { WorkerInit, WorkerReply, WorkerStep } from './parallel.js';
import type { ReplicaStats } from './replica.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (m: WorkerReply): void => port.postMessage(m);

try {
  await selectBackend('wasm');
  const replica = await loadReplica(init.spec);
  const vars = init.names.map((n) => {
    const v = replica.vars.get(n);
    if (!v) throw new Error(`replica has no variable ${n}`);
    return v;
  });
  const offsets: number[] = [];
  let total = 0;
  for (const v of vars) { offsets.push(total); total += v.size; }
  const weights = new Float32Array(init.weights), grads = new Float32Array(init.grads[init.index]!);
  send({ kind: 'ready' });
  port.on('message', async (m: WorkerStep) => {
    try {
      // the main thread's weights (a fresh tensor per variable: the wasm backend caches packed weights by data id)
      vars.forEach((v, i) => { const t = tf.tensor(weights.subarray(offsets[i]!, offsets[i]! + v.size), v.shape); v.assign(t); t.dispose(); });
      const stats: ReplicaStats = { loss: 0, l1: 0, focal: 0, correct: 0 };
      const reads = new LaterReads();
      const { value, grads: g } = tf.variableGrads(() => replica.loss(m.batch, stats, reads.later));
      reads.later(value, (v) => { stats.loss = v[0]! * m.batch.n; });
      await reads.done();
      vars.forEach((v, i) => {
        const t = g[v.name];
        if (t) grads.set(heapView(t)?.data ?? (t.dataSync() as Float32Array), offsets[i]); else grads.fill(0, offsets[i]!, offsets[i]! + v.size);
      });
      for (const t of Object.values(g)) t.dispose();
      send({ kind: 'done', stats });
    } catch (e) {
      send({ kind: 'error', message: (e as Error).stack ?? String(e), oom: isWasmOom(e) });
    }
  });
} catch (e) {
  send({ kind: 'error', message: (e as Error).stack ?? String(e) });
}
