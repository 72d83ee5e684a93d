/**
 * `uir ingest`: index an existing paired dataset (LQ and GT folders, pairs matched by file name, sizes checked)
 * into a manifest, labelled with a degradation type and marked real (captured) or synthetic. Files stay where they
 * are (absolute paths in the rows) unless --copy brings them into the dataset folder. Unmatched or mismatched
 * files become rejects with the reason.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openManifest, manifestPath } from '../manifest/db.js';
import { getOperator } from '../degradations/index.js';
import { outputError, readImageHeader, imagesByName } from '../io/image-io.js';
import { UsageError } from '../errors.js';
import { toolVersions } from './versions.js';

export interface IngestOptions { lq: string; gt: string; type: string; real: boolean; out: string; split: string; copy: boolean; level: number }
export interface IngestResult { pairs: number; rejected: number; type: string }

export async function ingest(o: IngestOptions): Promise<IngestResult> {
  const op = getOperator(o.type);
  if (!['train', 'val', 'test'].includes(o.split)) throw new UsageError(`--split: expected train, val or test, received '${o.split}'`);
  const lq = await imagesByName(o.lq, '--lq');
  const gt = await imagesByName(o.gt, '--gt');
  try { await fs.mkdir(o.out, { recursive: true }); } catch (e) { throw outputError(o.out, e as NodeJS.ErrnoException); }
  const db = openManifest(manifestPath(o.out), { create: true });
  try {
    const runId = Number(db.prepare('INSERT INTO runs (started_at, status, command, versions_json, stats_json) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), 'running', 'ingest', JSON.stringify(toolVersions()), JSON.stringify({ lq: path.resolve(o.lq), gt: path.resolve(o.gt), type: op.id, real: o.real })).lastInsertRowid);
    const reject = db.prepare('INSERT INTO rejects (path, reason, run_id) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, run_id = excluded.run_id');
    const insSource = db.prepare('INSERT OR IGNORE INTO sources (hash, path, width, height, format, bytes, split, real, origin, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const insPair = db.prepare(`INSERT INTO pairs (id, crop_id, source_hash, type, code, level, params, seed, lq_path, gt_path, lq_hash, gt_hash, width, height, split, real, status)
      VALUES (?, NULL, ?, ?, ?, ?, '{}', '', ?, ?, ?, ?, ?, ?, ?, ?, 'done') ON CONFLICT(id) DO NOTHING`);
    let pairs = 0, rejected = 0;
    const rows: (() => void)[] = [];
    for (const [name, lqFile] of lq) {
      const gtFile = gt.get(name);
      if (!gtFile) { rows.push(() => reject.run(path.resolve(lqFile), `no GT file named ${name}.* in ${o.gt}`, runId)); rejected++; continue; }
      const [lb, gb] = await Promise.all([fs.readFile(lqFile), fs.readFile(gtFile)]);
      let lh, gh;
      try { [lh, gh] = await Promise.all([readImageHeader(lb), readImageHeader(gb)]); } catch (e) {
        rows.push(() => reject.run(path.resolve(lqFile), `not a readable image pair (${(e as Error).message.split('\n')[0]})`, runId)); rejected++; continue;
      }
      if (lh.width !== gh.width || lh.height !== gh.height) {
        rows.push(() => reject.run(path.resolve(lqFile), `size ${lh.width}x${lh.height} differs from GT ${gh.width}x${gh.height}`, runId)); rejected++; continue;
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
      const id = `ing_${gtHash.slice(0, 16)}_${lqHash.slice(0, 8)}`;
      rows.push(() => {
        insSource.run(gtHash, path.resolve(gtFile), gh.width, gh.height, gh.format, gb.length, o.split, o.real ? 1 : 0, 'ingest', 'done');
        insPair.run(id, gtHash, op.id, op.code, o.level, lqPath, gtPath, lqHash, gtHash, gh.width, gh.height, o.split, o.real ? 1 : 0);
      });
      pairs++;
    }
    for (const [name, gtFile] of gt) if (!lq.has(name)) { rows.push(() => reject.run(path.resolve(gtFile), `no LQ file named ${name}.* in ${o.lq}`, runId)); rejected++; }
    db.transaction(() => { for (const r of rows) r(); })();
    db.prepare('UPDATE runs SET finished_at = ?, status = ?, stats_json = ? WHERE id = ?').run(new Date().toISOString(), 'done', JSON.stringify({ pairs, rejected, type: op.id, real: o.real }), runId);
    return { pairs, rejected, type: op.id };
  } finally {
    db.close();
  }
}
