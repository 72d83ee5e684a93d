/** `uir ingest`: indexes an existing paired set and prints what it took. */
import { ingest } from '../../pipeline/ingest.js';
import { manifestPath } from '../../manifest/db.js';
import { Progress } from '../../progress.js';

export async function ingestCommand(a: { lq: string; gt: string; type: string; real: boolean; out: string; split: string; copy: boolean; level: number; progress?: 'auto' | 'bar' | 'plain' | 'none' }): Promise<void> {
  const progress = new Progress('ingest', 0, Progress.modeFor(process.stderr, a.progress), 'files');
  let n = 0;
  const r = await ingest(a, (l) => process.stderr.write(l + '\n'), (done, total) => { progress.setTotal(total); progress.update((n = done)); });
  if (n > 0) progress.finish(n);
  process.stdout.write(`ingested ${r.pairs} ${a.real ? 'real' : 'synthetic'} ${r.type} pairs into ${manifestPath(a.out)}; ${r.rejected} rejected (see \`uir manifest stats ${a.out}\`)\n`);
}
