/**
 * The training thread's data feed: the batches of the next steps are decoded and cropped in a worker thread while
 * the current step trains (on a GPU, while the device computes), `depth` steps ahead. The batch of step s depends
 * only on (seed, s) (samples.ts), so what the worker makes is what the training thread would have made. The time the
 * training thread spends waiting for a batch is counted (`waitSeconds`): bench:train and `uir train` report it as a
 * share of the step time.
 */
import { Worker } from 'node:worker_threads';
import { builtFileBeside } from '../paths.js';
import { InputError, UsageError } from '../errors.js';
import { loadBatch, type Sampler } from './samples.js';
import type { BatchReply, BatchRequest } from './batch-worker.js';

export interface Batch { lq: Float32Array; gt: Float32Array; labels: Int32Array }

export class BatchLoader {
  private worker: Worker | null = null;
  private readonly inFlight = new Map<number, { resolve: (b: Batch) => void; reject: (e: Error) => void }>();
  private readonly ahead = new Map<number, Promise<Batch>>();
  private nextId = 0;
  /** Seconds the training thread waited for batches that were not ready yet. */
  waitSeconds = 0;

  /** `inThread` decodes on the calling thread instead (tests, and where worker threads are unwelcome). */
  constructor(private readonly sampler: Sampler, private readonly o: { batch: number; patch: number; seed: number; lastStep: number; depth?: number; inThread?: boolean }) {
    if (o.inThread) return;
    this.worker = new Worker(builtFileBeside(import.meta.url, 'batch-worker.js'));
    this.worker.unref(); // referenced only while a batch is being made: an idle loader never keeps the process alive
    this.worker.on('message', (r: BatchReply) => {
      const job = this.inFlight.get(r.id);
      this.inFlight.delete(r.id);
      if (this.inFlight.size === 0) this.worker?.unref();
      if (!job) return;
      if ('error' in r) job.reject(r.name === 'UsageError' ? new UsageError(r.error) : new InputError(r.error));
      else job.resolve({ lq: r.lq, gt: r.gt, labels: r.labels });
    });
    this.worker.on('error', (e) => { for (const j of this.inFlight.values()) j.reject(e); this.inFlight.clear(); });
  }

  private request(step: number): Promise<Batch> {
    const samples = this.sampler.batch(step, this.o.batch);
    if (!this.worker) return loadBatch(samples, this.o.patch, this.o.seed, step);
    const id = this.nextId++;
    if (this.inFlight.size === 0) this.worker.ref();
    const p = new Promise<Batch>((resolve, reject) => this.inFlight.set(id, { resolve, reject }));
    this.worker.postMessage({ id, samples, patch: this.o.patch, seed: this.o.seed, step } satisfies BatchRequest);
    return p;
  }

  /** The batch of `step`, and the next ones set going. */
  async get(step: number): Promise<Batch> {
    const depth = this.o.depth ?? 2;
    for (let s = step; s < Math.min(step + depth + 1, this.o.lastStep); s++) {
      if (this.ahead.has(s)) continue;
      const p = this.request(s);
      p.catch(() => undefined); // a batch made ahead and never asked for (the run stopped) is no unhandled rejection
      this.ahead.set(s, p);
    }
    const p = this.ahead.get(step) ?? this.request(step);
    this.ahead.delete(step);
    const t0 = performance.now();
    const b = await p;
    this.waitSeconds += (performance.now() - t0) / 1000;
    return b;
  }

  async dispose(): Promise<void> {
    this.ahead.clear();
    await this.worker?.terminate();
    this.worker = null;
  }
}
