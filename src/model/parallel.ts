/**
 * Data-parallel training on one machine: the batch is split by sample between this thread and worker threads, each
 * holding a replica of the model on its own wasm backend (tfjs-backend-wasm runs single-threaded in Node, and uir's
 * gradient kernels are single-threaded, so this is how a step uses several cores). Every step the workers receive
 * the current weights through one SharedArrayBuffer, compute the gradient of their slice, and return it through
 * another; this thread weights the slices' gradients by their size (the gradient of the batch mean), and the
 * optimizer runs once, here. The result is the same step as on one thread up to float summation order.
 */
import { Worker } from 'node:worker_threads';
import { builtFileBeside } from '../paths.js';
import { heapView } from './kernels/register.js';
import * as tf from '@tensorflow/tfjs-core';
import { LaterReads, sliceBatch, type Replica, type ReplicaBatch, type ReplicaSpec, type ReplicaStats } from './replica.js';

export interface WorkerStep { batch: ReplicaBatch }
export interface WorkerInit { spec: ReplicaSpec; names: string[]; shapes: number[][]; weights: SharedArrayBuffer; grads: SharedArrayBuffer[]; index: number }
export type WorkerReply = { kind: 'ready' } | { kind: 'done'; stats: ReplicaStats } | { kind: 'error'; message: string; oom?: boolean };

/** A replica's wasm heap was exhausted (reported by a worker thread). */
export class WasmOomError extends Error { override name = 'WasmOomError'; }

export class DataParallel {
  private readonly workers: Worker[] = [];
  private readonly names: string[];
  private readonly offsets: number[] = [];
  private readonly weights: Float32Array;
  private readonly grads: Float32Array[];
  private pending: ((r: WorkerReply) => void)[] = [];

  private constructor(readonly replica: Replica, readonly threads: number) {
    this.names = [...replica.vars.keys()];
    let total = 0;
    for (const n of this.names) { this.offsets.push(total); total += replica.vars.get(n)!.size; }
    this.weights = new Float32Array(new SharedArrayBuffer(total * 4));
    this.grads = Array.from({ length: threads - 1 }, () => new Float32Array(new SharedArrayBuffer(total * 4)));
  }

  /** `threads` replicas in all (this thread included); 1 means no workers. */
  static async create(spec: ReplicaSpec, replica: Replica, threads: number): Promise<DataParallel> {
    const dp = new DataParallel(replica, Math.max(1, threads));
    const shapes = dp.names.map((n) => replica.vars.get(n)!.shape);
    const started = Promise.all(dp.grads.map((g, i) => new Promise<void>((resolve, reject) => {
      const w = new Worker(builtFileBeside(import.meta.url, 'replica-worker.js'), { workerData: { spec, names: dp.names, shapes, weights: dp.weights.buffer as SharedArrayBuffer, grads: dp.grads.map((x) => x.buffer as SharedArrayBuffer), index: i } satisfies WorkerInit });
      dp.workers.push(w);
      w.once('error', reject);
      w.once('message', (m: WorkerReply) => (m.kind === 'ready' ? resolve() : reject(new Error(`data-parallel worker: ${m.kind === 'error' ? m.message : 'bad start'}`))));
    })));
    // a replica that cannot start stops the others: live worker threads would keep the process running
    try { await started; } catch (e) { await dp.dispose(); throw e; }
    dp.workers.forEach((w, i) => {
      w.on('message', (m: WorkerReply) => dp.pending[i]?.(m));
      w.on('error', (e) => dp.pending[i]?.({ kind: 'error', message: e.message }));
    });
    return dp;
  }

  /**
   * One gradient computation over `batch` split between the replicas: returns the gradients keyed by tf variable
   * name (as tf.variableGrads does; the caller disposes them) and, as a promise, the batch's mean loss and summed
   * metrics. On one replica the gradients come back as soon as they are queued (on a GPU, before they are computed)
   * and the metrics when the device has them, so the caller can queue the optimizer step first.
   */
  async gradients(batch: ReplicaBatch): Promise<{ grads: Record<string, tf.Tensor>; stats: Promise<ReplicaStats> }> {
    const k = this.threads;
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * batch.n) / k));
    const replies: Promise<WorkerReply>[] = [];
    if (k > 1) {
      // publish the current weights (straight from the wasm heap where possible), then start the workers on their slices
      this.names.forEach((n, i) => {
        const v = this.replica.vars.get(n)!;
        this.weights.set(heapView(v)?.data ?? (v.dataSync() as Float32Array), this.offsets[i]);
      });
      this.workers.forEach((w, i) => {
        replies.push(new Promise((resolve) => { this.pending[i] = resolve; }));
        w.postMessage({ batch: sliceBatch(batch, bounds[i + 1]!, bounds[i + 2]!) } satisfies WorkerStep);
      });
    }
    const mine = k > 1 ? sliceBatch(batch, 0, bounds[1]!) : batch;
    const stats: ReplicaStats = { loss: 0, l1: 0, focal: 0, correct: 0 };
    const reads = new LaterReads();
    const { value, grads } = tf.variableGrads(() => this.replica.loss(mine, stats, reads.later));
    reads.later(value, (v) => { stats.loss += v[0]! * mine.n; }); // and disposed once read
    const settled = reads.done().then(() => stats);
    if (k === 1) return { grads, stats: settled.then((s) => ({ ...s, loss: s.loss / batch.n })) };
    await settled;
    const done = await Promise.all(replies);
    for (const r of done) {
      if (r.kind === 'error') {
        for (const g of Object.values(grads)) g.dispose();
        if (r.oom) throw new WasmOomError(`a data-parallel worker ran out of wasm memory (${r.message.split('\n')[0]})`);
        throw new Error(`data-parallel worker failed: ${r.message}`);
      }
      if (r.kind === 'done') { stats.loss += r.stats.loss; stats.l1 += r.stats.l1; stats.focal += r.stats.focal; stats.correct += r.stats.correct; }
    }
    stats.loss /= batch.n;
    // size-weighted mean of the slices' gradients (each is the gradient of its slice's mean loss), summed in one pass
    // per variable straight into this thread's gradient on the wasm heap (no tensors made, nothing copied twice)
    const out: Record<string, tf.Tensor> = {};
    const w0 = mine.n / batch.n, ws = this.grads.map((_, w) => (bounds[w + 2]! - bounds[w + 1]!) / batch.n);
    this.names.forEach((n, i) => {
      const v = this.replica.vars.get(n)!, o = this.offsets[i]!;
      let g = grads[v.name];
      let view = g ? heapView(g) : null;
      if (!g || !view?.exclusive) {
        // no gradient from this slice, a shared buffer, or not wasm: start from a fresh tensor
        const fresh = g ? tf.mul(g, 1) : tf.zeros(v.shape);
        g?.dispose();
        g = fresh; view = heapView(g);
      }
      const acc = view?.data ?? (g.dataSync() as Float32Array).slice();
      for (let j = 0; j < acc.length; j++) acc[j]! *= w0;
      this.grads.forEach((wg, w) => {
        const s = ws[w]!;
        for (let j = 0; j < acc.length; j++) acc[j]! += wg[o + j]! * s;
      });
      out[v.name] = view ? g : tf.tensor(acc, v.shape);
      if (!view) g.dispose();
      delete grads[v.name];
    });
    for (const g of Object.values(grads)) g.dispose();
    return { grads: out, stats: Promise.resolve(stats) };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
