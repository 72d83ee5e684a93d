/**
 * Sharding a build across a cluster job array: which slice this process builds (--shard i/n or the array variables
 * of Kubernetes, Slurm and AWS Batch), which sources belong to it, and the database and temporary-file tag it uses.
 */
import { UsageError } from '../errors.js';

export interface Shard { index: number; count: number }

/** Shard from --shard i/n or from the job-array variables of Kubernetes, Slurm and AWS Batch. */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard | null {
  const parse = (i: number, n: number, from: string): Shard => {
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(i) || i < 0 || i >= n) throw new UsageError(`${from}: expected shard index 0-${Number.isInteger(n) && n > 0 ? n - 1 : 'n-1'} of n >= 1, received ${i}/${n}`);
    return { index: i, count: n };
  };
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!m) throw new UsageError(`{shard}: expected i/n such as 0/4, received '${flag}'`);
    return parse(Number(m[1]), Number(m[2]), '{shard}');
  }
  const count = env.UIR_SHARD_COUNT ?? env.SLURM_ARRAY_TASK_COUNT;
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (!count) throw new UsageError('JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job) but not the shard count: set UIR_SHARD_COUNT to the Job\'s completions or pass {shard} i/n');
    return parse(Number(env.JOB_COMPLETION_INDEX), Number(count), 'JOB_COMPLETION_INDEX/UIR_SHARD_COUNT');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    if (!count) throw new UsageError('SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: pass {shard} i/n');
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    return parse(Number(env.SLURM_ARRAY_TASK_ID) - min, Number(count), 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  if (env.AWS_BATCH_JOB_ARRAY_INDEX !== undefined) {
    const n = env.UIR_SHARD_COUNT ?? env.AWS_BATCH_JOB_ARRAY_SIZE;
    if (!n) throw new UsageError('AWS_BATCH_JOB_ARRAY_INDEX is set but not the array size: set UIR_SHARD_COUNT or pass {shard} i/n');
    return parse(Number(env.AWS_BATCH_JOB_ARRAY_INDEX), Number(n), 'AWS_BATCH_JOB_ARRAY_INDEX/UIR_SHARD_COUNT');
  }
  return null;
}

/** The manifest database a shard writes (the folder's own manifest.sqlite when not sharded). */
export function shardDbName(shard: Shard | null): string {
  return shard && shard.count > 1 ? `manifest.shard-${shard.index}-of-${shard.count}.sqlite` : 'manifest.sqlite';
}

/** The tag in the temporary names of a shard's files (see tempNameFor). */
export function shardTag(shard: Shard | null): string {
  return shard && shard.count > 1 ? `s${shard.index}of${shard.count}` : 'main';
}

/** Which shard (0-based of n) a source belongs to: by content hash, so duplicates always meet in one shard. */
export function shardOf(sourceHash: string, n: number): number {
  return parseInt(sourceHash.slice(0, 8), 16) % n;
}
