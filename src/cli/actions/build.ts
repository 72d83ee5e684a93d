/** `uir build-dataset`: builds with the recipe and prints the summary. */
import { loadRecipe } from '../../pipeline/recipe.js';
import { buildDataset } from '../../pipeline/build.js';
import { resolveShard } from '../../pipeline/shard.js';
import { defaultJobs } from '../../pipeline/pool.js';
import { UsageError } from '../../errors.js';
import { fmtTime } from '../../progress.js';

export async function buildCommand(a: { recipe: string; src: string[]; out: string; jobs?: number; shard?: string; strict: boolean; maxPixels?: number; progress?: string; pool?: 'threads' | 'processes' }): Promise<void> {
  const recipe = await loadRecipe(a.recipe, (l) => process.stderr.write(l + '\n'));
  const jobs = a.jobs ?? defaultJobs();
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new UsageError(`--jobs: expected integer 1-256, received ${a.jobs}`);
  const shard = resolveShard(a.shard);
  const s = await buildDataset({ recipe, src: a.src, out: a.out, jobs, shard, strict: a.strict, maxPixels: a.maxPixels, progress: a.progress as 'auto', pool: a.pool, log: (l) => process.stderr.write(l + '\n') });
  process.stdout.write(`built ${s.made} new pairs (${s.pairs} in the manifest) from ${s.sources} sources in ${fmtTime(s.seconds)} (${s.pairsPerSecond.toFixed(1)} pairs/s, ${jobs} worker ${a.pool === 'threads' ? (jobs > 1 ? 'threads' : 'thread') : (jobs > 1 ? 'processes' : 'process')}${shard ? `, shard ${shard.index}/${shard.count}` : ''}); ${s.rejected} rejected (${s.duplicates} duplicates); peak RSS ${s.peakRssMb} MB${s.peakRssBoundMb > s.peakRssMb ? ` (all processes together; the sum of each one's own peak is ${s.peakRssBoundMb} MB)` : ''}\nmanifest: ${s.db}\n`);
}
