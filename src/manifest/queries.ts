/** Read-side manifest operations: stats, filtered queries and exports (BasicSR meta_info, JSON lines, CSV). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DB, PairRow } from './db.js';
import { UsageError } from '../errors.js';
import { getOperator } from '../degradations/index.js';

export interface PairFilter { type?: string[]; level?: number[]; split?: string[]; real?: boolean; status?: string; source?: string }

export function whereClause(f: PairFilter): { sql: string; args: unknown[] } {
  const parts: string[] = [], args: unknown[] = [];
  const inList = (col: string, vals: unknown[]): void => { parts.push(`${col} IN (${vals.map(() => '?').join(', ')})`); args.push(...vals); };
  if (f.type?.length) inList('type', f.type.map((t) => getOperator(t).id));
  if (f.level?.length) inList('level', f.level);
  if (f.split?.length) {
    for (const s of f.split) if (!['train', 'val', 'test'].includes(s)) throw new UsageError(`{split}: expected train, val or test, received '${s}'`);
    inList('split', f.split);
  }
  if (f.real !== undefined) { parts.push('real = ?'); args.push(f.real ? 1 : 0); }
  parts.push('status = ?'); args.push(f.status ?? 'done');
  if (f.source) { parts.push('(source_hash LIKE ? OR source_hash IN (SELECT hash FROM sources WHERE path LIKE ?))'); args.push(`${f.source}%`, `%${f.source}%`); }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

export function queryPairs(db: DB, f: PairFilter, limit?: number, offset = 0): PairRow[] {
  const w = whereClause(f);
  const lim = limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(limit))} OFFSET ${Math.max(0, Math.floor(offset))}` : '';
  return db.prepare(`SELECT * FROM pairs ${w.sql} ORDER BY id${lim}`).all(...w.args) as PairRow[];
}

export function countPairs(db: DB, f: PairFilter): number {
  const w = whereClause(f);
  return (db.prepare(`SELECT count(*) AS n FROM pairs ${w.sql}`).get(...w.args) as { n: number }).n;
}

export interface Stats {
  pairs: number; pending: number; sources: number; rejects: number;
  byType: { type: string; code: string; n: number }[];
  byTypeLevel: { type: string; level: number; n: number }[];
  bySplit: { split: string; n: number }[];
  byReal: { real: number; n: number }[];
}

export function manifestStats(db: DB): Stats {
  const one = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  return {
    pairs: one("SELECT count(*) AS n FROM pairs WHERE status = 'done'"),
    pending: one("SELECT count(*) AS n FROM pairs WHERE status = 'pending'"),
    sources: one("SELECT count(*) AS n FROM sources WHERE status != 'rejected'"),
    rejects: one('SELECT count(*) AS n FROM rejects'),
    byType: db.prepare("SELECT type, code, count(*) AS n FROM pairs WHERE status = 'done' GROUP BY type ORDER BY type").all() as Stats['byType'],
    byTypeLevel: db.prepare("SELECT type, level, count(*) AS n FROM pairs WHERE status = 'done' GROUP BY type, level ORDER BY type, level").all() as Stats['byTypeLevel'],
    bySplit: db.prepare("SELECT split, count(*) AS n FROM pairs WHERE status = 'done' GROUP BY split ORDER BY split").all() as Stats['bySplit'],
    byReal: db.prepare("SELECT real, count(*) AS n FROM pairs WHERE status = 'done' GROUP BY real ORDER BY real").all() as Stats['byReal'],
  };
}

const CSV_COLUMNS: (keyof PairRow)[] = ['id', 'type', 'code', 'level', 'split', 'real', 'lq_path', 'gt_path', 'lq_hash', 'gt_hash', 'width', 'height', 'seed', 'source_hash', 'params'];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: PairRow[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export function toJsonl(rows: PairRow[]): string {
  return rows.map((r) => JSON.stringify({ ...r, params: JSON.parse(r.params) as unknown })).join('\n') + (rows.length ? '\n' : '');
}

/** Resolve a path stored in the manifest (relative to the dataset folder unless absolute). */
export function resolveStored(dataDir: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(dataDir, p);
}

/**
 * BasicSR's PairedImageDataset with a meta_info_file finds each LQ file by the GT file's name in another folder,
 * so every pair needs its own GT name. We write <out>/gt and <out>/lq with one symbolic link per pair (named by
 * pair id) to the dataset's files, plus meta_info.txt ("name (h,w,c)" per line) and the options to paste.
 */
export async function exportBasicsr(store: { dir: string; queryPairs(f: PairFilter): PairRow[] }, f: PairFilter, out: string): Promise<{ count: number; metaInfo: string; yaml: string }> {
  const dataDir = store.dir;
  const rows = store.queryPairs(f);
  await fs.mkdir(path.join(out, 'gt'), { recursive: true });
  await fs.mkdir(path.join(out, 'lq'), { recursive: true });
  const lines: string[] = [];
  for (const r of rows) {
    const ext = path.extname(r.gt_path);
    const name = `${r.id}${ext}`;
    for (const [dir, target] of [['gt', r.gt_path], ['lq', r.lq_path]] as const) {
      const link = path.join(out, dir, name);
      await fs.rm(link, { force: true });
      await fs.symlink(path.resolve(resolveStored(dataDir, target)), link);
    }
    lines.push(`${name} (${r.height},${r.width},3)`);
  }
  const metaInfo = path.join(out, 'meta_info.txt');
  await fs.writeFile(metaInfo, lines.join('\n') + (lines.length ? '\n' : ''));
  const abs = path.resolve(out);
  const yaml = [
    'type: PairedImageDataset',
    `dataroot_gt: ${abs}/gt`,
    `dataroot_lq: ${abs}/lq`,
    `meta_info_file: ${abs}/meta_info.txt`,
    "filename_tmpl: '{}'",
    'io_backend:',
    '  type: disk',
  ].join('\n');
  await fs.writeFile(path.join(out, 'basicsr_dataset.yml'), yaml + '\n');
  return { count: rows.length, metaInfo, yaml };
}
