/**
 * `uir ingest`: index an existing paired dataset (LQ and GT folders, pairs matched by file name, sizes checked)
 * into a manifest, labelled with a degradation type and marked real (captured) or synthetic. Files stay where they
 * are (absolute paths in the rows) unless --copy brings them into the dataset folder. Unmatched or mismatched
 * files become rejects with the reason.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ManifestStore, type IngestedPair } from '../manifest/store.js';
import { getOperator } from '../degradations/index.js';
import { outputError, readImageHeader, imagesByName } from '../io/image-io.js';
import { UsageError } from '../errors.js';
import { toolVersions } from '../versions.js';

export interface IngestOptions { lq: string; gt: string; type: string; real: boolean; out: string; split: string; copy: boolean; level: number }
export interface IngestResult { pairs: number; rejected: number; type: string }

export async function ingest(o: IngestOptions, log?: (line: string) => void, progress?: (done: number, total: number) => void): Promise<IngestResult> {
  const op = getOperator(o.type);
  if (!['train', 'val', 'test'].includes(o.split)) throw new UsageError(`{split}: expected train, val or test, received '${o.split}'`);
  const lq = await imagesByName(o.lq, '{lq}');
  const gt = await imagesByName(o.gt, '{gt}');
  try { await fs.mkdir(o.out, { recursive: true }); } catch (e) { throw outputError(o.out, e as NodeJS.ErrnoException); }
  const store = await ManifestStore.openWriter(o.out, { command: 'ingest', note: log });
  try {
    const runId = store.startRun({ command: 'ingest', versions: toolVersions(), stats: { lq: path.resolve(o.lq), gt: path.resolve(o.gt), type: op.id, real: o.real } });
    const pairs: IngestedPair[] = [], rejects: { path: string; reason: string }[] = [];
    let seen = 0;
    for (const [name, lqFile] of lq) {
      progress?.(++seen, lq.size);
      const gtFile = gt.get(name);
      if (!gtFile) { rejects.push({ path: path.resolve(lqFile), reason: `no GT file named ${name}.* in ${o.gt}` }); continue; }
      const [lb, gb] = await Promise.all([fs.readFile(lqFile), fs.readFile(gtFile)]);
      let lh, gh;
      try { [lh, gh] = await Promise.all([readImageHeader(lb), readImageHeader(gb)]); } catch (e) {
        rejects.push({ path: path.resolve(lqFile), reason: `not a readable image pair (${(e as Error).message.split('\n')[0]})` }); continue;
      }
      if (lh.width !== gh.width || lh.height !== gh.height) {
        rejects.push({ path: path.resolve(lqFile), reason: `size ${lh.width}x${lh.height} differs from GT ${gh.width}x${gh.height}` }); continue;
      }
      const lqHash = createHash('sha256').update(lb).digest('hex'), gtHash = createHash('sha256').update(gb).digest('hex');
      let lqPath = path.resolve(lqFile), gtPath = path.resolve(gtFile);
      if (o.copy) {
        const dir = path.join(o.out, 'ingest', op.id);
        await fs.mkdir(path.join(dir, 'lq'), { recursive: true });
        await fs.mkdir(path.join(dir, 'gt'), { recursive: true });
        lqPath = path.join('ingest', op.id, 'lq', path.basename(lqFile));
        gtPath = path.join('ingest', op.id, 'gt', path.basename(gtFile));
        await fs.copyFile(lqFile, path.join(o.out, lqPath));
        await fs.copyFile(gtFile, path.join(o.out, gtPath));
      }
      pairs.push({
        id: `ing_${gtHash.slice(0, 16)}_${lqHash.slice(0, 8)}`, type: op.id, code: op.code, level: o.level, lqPath, gtPath, lqHash, gtHash,
        gtSource: path.resolve(gtFile), width: gh.width, height: gh.height, format: gh.format, bytes: gb.length, split: o.split, real: o.real,
      });
    }
    for (const [name, gtFile] of gt) if (!lq.has(name)) rejects.push({ path: path.resolve(gtFile), reason: `no LQ file named ${name}.* in ${o.lq}` });
    store.addIngested(pairs, rejects, runId);
    store.finishRun(runId, 'done', { lq: path.resolve(o.lq), gt: path.resolve(o.gt), pairs: pairs.length, rejected: rejects.length, type: op.id, real: o.real });
    return { pairs: pairs.length, rejected: rejects.length, type: op.id };
  } finally {
    await store.close();
  }
}
