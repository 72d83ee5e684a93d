/**
 * The worker thread of BatchLoader (batches.ts): decodes and crops the batches the training thread asks for, and
 * hands back their pixels without copying (transferred buffers).
 */
import { parentPort } from 'node:worker_threads';
import { loadBatch, type Sample } from './samples.js';

/** A request: the samples of one step; the reply carries the same id. */
export interface BatchRequest { id: number; samples: Sample[]; patch: number; seed: number; step: number }
export type BatchReply = { id: number; lq: Float32Array; gt: Float32Array; labels: Int32Array } | { id: number; error: string; name: string };

const port = parentPort!;
port.on('message', (r: BatchRequest) => {
  loadBatch(r.samples, r.patch, r.seed, r.step).then(
    (b) => port.postMessage({ id: r.id, ...b } satisfies BatchReply, [b.lq.buffer as ArrayBuffer, b.gt.buffer as ArrayBuffer, b.labels.buffer as ArrayBuffer]),
    // a uir error travels with its template, so the training thread's CLI still names flags ({patch} -> --patch)
    (e: unknown) => port.postMessage({ id: r.id, error: (e as { template?: string }).template ?? (e instanceof Error ? e.message : String(e)), name: e instanceof Error ? e.name : 'Error' } satisfies BatchReply),
  );
});
