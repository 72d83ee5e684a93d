/**
 * The garbage collector's settings for uir's own processes: the CLI (bin/uir.js) and the in-process benchmarks that
 * stand for it call throughputGc() once at start. Library users keep their process's settings.
 *
 * Without incremental marking. A uir process keeps a heap of about 10-14 MB (the operators, their schemas, sharp)
 * while each pair it makes allocates several MB of image buffers outside it. Above V8's 8 MB activation threshold,
 * V8 then started an incremental mark-compact every few pairs (13-19 in 96 Kodak pairs against 1, measured with
 * --trace-gc), about 10% of a degrade run's time; a heap that small is marked in a few milliseconds at once, which is
 * what V8 does without incremental marking (1 mark-compact in 96 pairs). Build workers also start with a larger
 * old generation (pipeline/pool.ts), a start-up flag V8 takes only on the command line.
 */
import v8 from 'node:v8';

export function throughputGc(): void {
  v8.setFlagsFromString('--no-incremental-marking');
}
