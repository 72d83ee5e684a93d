/** `uir manifest stats|query|export|verify|merge`: reads and maintenance of a dataset's manifest, printed. */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { manifestPath } from '../../manifest/db.js';
import { ManifestStore } from '../../manifest/store.js';
import { toCsv, toJsonl, exportBasicsr, type PairFilter } from '../../manifest/queries.js';
import { verifyManifest } from '../../manifest/verify.js';
import { mergeManifests, findShardDbs } from '../../manifest/merge.js';
import { CheckFailedError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/image-io.js';
import { Progress } from '../../progress.js';

function table(headers: string[], rows: (string | number)[][]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]): string => r.map((c, i) => (typeof c === 'number' ? String(c).padStart(w[i]!) : String(c).padEnd(w[i]!))).join('  ');
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export async function statsCommand(a: { data: string; json: boolean }): Promise<void> {
  const store = ManifestStore.openReader(a.data);
  try {
    const s = store.stats();
    if (a.json) { process.stdout.write(JSON.stringify(s, null, 2) + '\n'); return; }
    const out = process.stdout;
    out.write(`${a.data}: ${s.pairs} pairs from ${s.sources} sources, ${s.pending} pending, ${s.rejects} rejected files\n\n`);
    out.write(table(['type', 'code', 'pairs'], s.byType.map((r) => [r.type, r.code, r.n])) + '\n');
    const levels = [...new Set(s.byTypeLevel.map((r) => r.level))].sort((x, y) => x - y);
    const types = [...new Set(s.byTypeLevel.map((r) => r.type))];
    out.write(table(['type \\ level', ...levels.map(String)], types.map((t) => [t, ...levels.map((l) => s.byTypeLevel.find((r) => r.type === t && r.level === l)?.n ?? 0)])) + '\n');
    out.write(table(['split', 'pairs'], s.bySplit.map((r) => [r.split, r.n])) + '\n');
    out.write(table(['origin', 'pairs'], s.byReal.map((r) => [r.real ? 'real' : 'synthetic', r.n])));
  } finally { await store.close(); }
}

function filterFrom(a: { type?: string[]; level?: number[]; split?: string[]; real?: boolean; source?: string }): PairFilter {
  for (const l of a.level ?? []) if (!Number.isInteger(l) || l < 0) throw new UsageError(`--level: expected a positive integer, received ${l}`);
  return { type: a.type?.flatMap((t) => t.split(',')), level: a.level, split: a.split?.flatMap((t) => t.split(',')), real: a.real, source: a.source };
}

export async function queryCommand(a: { data: string; type?: string[]; level?: number[]; split?: string[]; real?: boolean; source?: string; limit?: number; json: boolean; csv: boolean }): Promise<void> {
  if (a.json && a.csv) throw new UsageError('--json and --csv: choose one');
  const store = ManifestStore.openReader(a.data);
  try {
    const rows = store.queryPairs(filterFrom(a), a.limit ?? (a.json || a.csv ? undefined : 50));
    if (a.json) process.stdout.write(JSON.stringify(rows.map((r) => ({ ...r, params: JSON.parse(r.params) as unknown })), null, 2) + '\n');
    else if (a.csv) process.stdout.write(toCsv(rows));
    else process.stdout.write(table(['id', 'type', 'level', 'split', 'lq', 'gt'], rows.map((r) => [r.id, r.type, r.level, r.split, r.lq_path, r.gt_path])) + `${rows.length} row(s)\n`);
  } finally { await store.close(); }
}

export async function exportCommand(a: { data: string; format: string; output?: string; type?: string[]; level?: number[]; split?: string[]; real?: boolean }): Promise<void> {
  const store = ManifestStore.openReader(a.data);
  try {
    const f = filterFrom(a);
    if (a.format === 'basicsr') {
      const out = a.output ?? path.join(a.data, `basicsr${a.split?.length ? '-' + a.split.join('-') : ''}`);
      const r = await exportBasicsr(store, f, out);
      process.stdout.write(`${r.count} pairs -> ${r.metaInfo}\nBasicSR dataset options (also in ${path.join(out, 'basicsr_dataset.yml')}):\n${r.yaml}\n`);
      return;
    }
    const rows = store.queryPairs(f);
    const text = a.format === 'csv' ? toCsv(rows) : toJsonl(rows);
    if (a.output) { await writeFileAtomic(a.output, Buffer.from(text)); process.stdout.write(`${rows.length} pairs -> ${a.output}\n`); }
    else process.stdout.write(text);
  } finally { await store.close(); }
}

export async function verifyCommand(a: { data: string; fix: boolean; progress?: 'auto' | 'bar' | 'plain' | 'none' }): Promise<void> {
  const store = a.fix ? await ManifestStore.openWriter(a.data, { command: 'manifest verify --fix', scope: 'folder', mustExist: true, note: (l) => process.stderr.write(l + '\n') }) : ManifestStore.openReader(a.data);
  try {
    const progress = new Progress('verify', 0, Progress.modeFor(process.stderr, a.progress), 'files');
    const r = await verifyManifest(store, a.fix, (n, total) => { progress.setTotal(total); progress.update(n); });
    if (r.checkedFiles > 0) progress.finish(r.checkedFiles);
    const out = process.stdout;
    out.write(`checked ${r.checkedFiles} files: ${r.missing.length} missing, ${r.mismatched.length} with wrong content, ${r.orphans.length} orphans, ${r.pending} pairs pending${r.links.length ? `; ${r.links.length} links or other entries left alone` : ''}\n`);
    for (const [label, list] of [['missing', r.missing], ['wrong content', r.mismatched], ['orphan', r.orphans], ['link (not followed, not removed)', r.links]] as const) {
      for (const f of list.slice(0, 20)) out.write(`  ${label}: ${f}\n`);
      if (list.length > 20) out.write(`  ... and ${list.length - 20} more ${label}\n`);
    }
    if (a.fix) {
      out.write(`fixed: removed ${r.removed} files, re-queued ${r.requeued} items${r.pending ? `; run the same build-dataset command to regenerate ${r.pending} pending pairs` : ''}\n`);
      return;
    }
    if (r.missing.length || r.mismatched.length || r.orphans.length) throw new CheckFailedError(`verify found problems in ${a.data} (run with --fix to remove orphans and re-queue missing pairs)`);
  } finally { await store.close(); }
}

export async function mergeCommand(a: { out: string; shards: string[] }): Promise<void> {
  await fs.mkdir(a.out, { recursive: true });
  const dbs = await findShardDbs(a.shards.length ? a.shards : [a.out], a.out);
  const r = await mergeManifests(a.out, dbs, (l) => process.stderr.write(l + '\n'));
  process.stdout.write(`merged ${r.shards} shard manifest(s) into ${manifestPath(a.out)}: ${r.pairs} pairs, ${r.sources} sources${r.copiedFiles ? `, ${r.copiedFiles} files copied` : ''}\n`);
}
