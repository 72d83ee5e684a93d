/**
 * The build's worker pool: child processes (the default) or worker threads, behind one small interface.
 *
 * Workers are child processes by default: measured with 2 workers on 2 cores, separate processes build 1.9x as fast
 * as one worker, worker threads of one process only 1.4-1.6x (they contend inside the one process: libvips' shared
 * thread pool and allocator). Threads start faster, which matters only for tiny builds.
 */
import os from 'node:os';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { fork } from 'node:child_process';
import { InterruptedError } from '../errors.js';
import { builtFileBeside } from '../paths.js';
import type { SourceTask, WorkerMessage } from './worker.js';

export type PoolKind = 'threads' | 'processes';
export const DEFAULT_POOL: PoolKind = 'processes';
/** Young-generation size of worker isolates, MB (UIR_SEMI_SPACE_MB overrides it, for memory experiments). */
const SEMI_SPACE_MB = Number(process.env.UIR_SEMI_SPACE_MB ?? 64);
/**
 * Initial old-generation size of worker processes, MB. A worker's own heap is small (~10 MB of modules) while each
 * pair allocates ~15 MB of image buffers outside it; V8 then schedules a full GC every few pairs (measured: 24 full
 * GCs in 60 Kodak blurs, 44 -> 28 ms a blur without them). Starting the old generation at 64 MB stops that
 * (bench:build, 2 workers: 72-75 -> 84-101 pairs/s on 24 sources, 95-100 -> 124-140 on 240; peak RSS +5-10%).
 * 0 leaves V8's default.
 */
const OLD_SPACE_MB = Number(process.env.UIR_OLD_SPACE_MB ?? 64);

/** One pool member: a worker thread or a forked process behind the same small interface. */
export interface PoolWorker {
  /** The worker's process id (process pool only). */
  pid?: number;
  send(t: SourceTask): void;
  onMessage(fn: (m: WorkerMessage) => void): void;
  onError(fn: (e: Error) => void): void;
  /** Ask the worker to leave after its current source (SIGKILL after 5 s). */
  stop(): Promise<unknown>;
  /** Stop it now (the second Ctrl-C): files are atomic, so nothing half-written stays. */
  kill(): void;
}

export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Start `n` workers of `kind`. */
export function startPool(kind: PoolKind, n: number): PoolWorker[] {
  // a large young generation for worker threads' isolates (pixel work allocates big short-lived arrays); worker
  // processes get theirs from their command line, and this process keeps its own small
  if (kind === 'threads') v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
  return Array.from({ length: n }, () => startWorker(kind));
}

function startWorker(kind: PoolKind): PoolWorker {
  const file = builtFileBeside(import.meta.url, kind === 'processes' ? 'worker-process.js' : 'worker.js');
  if (kind === 'threads') {
    const w = new Worker(file);
    return { send: (t) => w.postMessage(t), onMessage: (fn) => w.on('message', fn), onError: (fn) => w.on('error', fn), stop: () => w.terminate(), kill: () => void w.terminate() };
  }
  // detached: a process group of its own, so the Ctrl-C or SIGTERM sent to ours never reaches a worker, not even
  // while Node starts; the parent stops its workers itself, and a worker leaves as soon as its parent is gone
  const child = fork(file, [], { env: { ...process.env, UIR_BUILD_WORKER: '1' }, execArgv: [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--initial-old-space-size=${OLD_SPACE_MB}`], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', detached: true });
  let stopping = false;
  return {
    pid: child.pid,
    // a failed send means the worker is gone: its 'exit' reports that
    send: (t) => { if (child.connected) child.send(t, (err) => { if (err && !stopping) child.kill('SIGKILL'); }); },
    onMessage: (fn) => child.on('message', (m) => fn(m as WorkerMessage)),
    onError: (fn) => {
      child.on('error', fn);
      // a worker only leaves when told to (it ignores the Ctrl-C / SIGTERM sent to the whole process group)
      child.on('exit', (code, sig) => {
        if (stopping) return;
        // killed by the group's Ctrl-C before it could ignore it (while Node starts): an interruption, not a failure
        if (sig === 'SIGINT' || sig === 'SIGTERM') fn(new InterruptedError(`worker process ${child.pid} stopped by ${sig}`));
        else fn(new Error(`worker process ${child.pid} exited unexpectedly (${sig ?? `code ${code}`})`));
      });
    },
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      if (child.connected) child.disconnect(); // the worker exits when its channel closes
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    kill: () => { stopping = true; child.kill('SIGKILL'); },
  };
}
