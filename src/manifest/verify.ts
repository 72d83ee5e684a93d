/**
 * `uir manifest verify`: every referenced file exists and has the recorded content hash; files in gt/ and lq/<type>/
 * that no row references are orphans. --fix removes orphans and corrupt files and re-queues what is missing, so
 * running the build again regenerates exactly that.
 *
 * What --fix may delete, and nothing else: regular files (never a symbolic link, never through one) directly inside
 * the folders a build writes, DIR/gt/ and DIR/lq/<type>/, each a real directory inside DIR (not a link to one).
 * Links found there are reported, not followed and not removed. Files a row references by an absolute path, or by a
 * path leading outside DIR, are checked but never removed.
 */
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ManifestStore } from './store.js';
import { resolveStored } from './queries.js';

export interface VerifyReport {
  checkedFiles: number; missing: string[]; mismatched: string[]; orphans: string[];
  /** Symbolic links (and other non-regular entries) where a build writes files: reported, never followed or removed. */
  links: string[];
  pending: number; requeued: number; removed: number;
}

async function fileHash(file: string): Promise<string | null> {
  try { return createHash('sha256').update(await fs.readFile(file)).digest('hex'); } catch { return null; }
}

/** `rel` (a stored path) as a file strictly inside `dir` that a build could have written, or null. */
function insideWritable(dir: string, rel: string): string | null {
  if (path.isAbsolute(rel)) return null;
  const abs = path.resolve(dir, rel), root = path.resolve(dir);
  const r = path.relative(root, abs).split(path.sep);
  if (r[0] === '..' || r.includes('..')) return null;
  const ok = (r.length === 2 && r[0] === 'gt') || (r.length === 3 && r[0] === 'lq');
  return ok ? abs : null;
}

/** Remove `file` if it is a regular file reached without following any link from DIR (its folders are checked). */
async function removeRegular(dir: string, file: string): Promise<boolean> {
  const root = await fs.realpath(dir);
  // every folder between DIR and the file must be a real folder (lstat), so the real path is the plain one
  let at = path.resolve(dir);
  for (const part of path.relative(at, path.dirname(file)).split(path.sep).filter(Boolean)) {
    at = path.join(at, part);
    const st = await fs.lstat(at).catch(() => null);
    if (!st?.isDirectory()) return false;
  }
  const st = await fs.lstat(file).catch(() => null);
  if (!st?.isFile()) return false;
  if (path.relative(root, await fs.realpath(path.dirname(file))).startsWith('..')) return false;
  await fs.rm(file, { force: true });
  return true;
}

/** The entries of DIR/gt and DIR/lq/<type>, as stored paths, without following links. */
async function listWritten(dir: string, links: string[]): Promise<string[]> {
  const out: string[] = [];
  const entries = async (rel: string): Promise<import('node:fs').Dirent[]> => {
    const st = await fs.lstat(path.join(dir, rel)).catch(() => null);
    if (!st) return [];
    if (!st.isDirectory()) { links.push(rel); return []; }
    return fs.readdir(path.join(dir, rel), { withFileTypes: true });
  };
  const files = async (rel: string): Promise<void> => {
    for (const e of await entries(rel)) {
      const p = path.join(rel, e.name);
      if (e.isFile()) out.push(p);
      else links.push(p); // a link, a folder where files belong, a socket...: reported, never entered
    }
  };
  await files('gt');
  for (const e of await entries('lq')) {
    const p = path.join('lq', e.name);
    if (e.isDirectory()) await files(p);
    else links.push(p);
  }
  return out;
}

export async function verifyManifest(store: ManifestStore, fix: boolean, progress?: (checked: number, total: number) => void): Promise<VerifyReport> {
  const { db, dir: dataDir } = store;
  const report: VerifyReport = { checkedFiles: 0, missing: [], mismatched: [], orphans: [], links: [], pending: 0, requeued: 0, removed: 0 };
  const known = new Map<string, string | null>(); // stored path -> expected hash
  const crops = db.prepare("SELECT id, source_hash, path, hash FROM crops WHERE status = 'done'").all() as { id: string; source_hash: string; path: string; hash: string }[];
  const pairs = db.prepare("SELECT id, source_hash, crop_id, lq_path, lq_hash, gt_path, gt_hash FROM pairs WHERE status = 'done'").all() as { id: string; source_hash: string; crop_id: string | null; lq_path: string; lq_hash: string; gt_path: string; gt_hash: string }[];
  const pendingPaths = [
    ...(db.prepare("SELECT path FROM crops WHERE status = 'pending'").all() as { path: string }[]).map((r) => r.path),
    ...(db.prepare("SELECT lq_path AS path FROM pairs WHERE status = 'pending'").all() as { path: string }[]).map((r) => r.path),
  ];
  const badCrops = new Set<string>(), badPairs = new Set<string>(), badSources = new Set<string>();
  const checked = new Map<string, boolean>();
  const total = new Set([...crops.map((c) => c.path), ...pairs.flatMap((p) => [p.lq_path, p.gt_path])]).size;
  const check = async (stored: string, hash: string): Promise<boolean> => {
    const prior = checked.get(stored);
    if (prior !== undefined) return prior;
    const file = resolveStored(dataDir, stored);
    const h = await fileHash(file);
    report.checkedFiles++;
    progress?.(report.checkedFiles, total);
    const ok = h === hash;
    if (h === null) report.missing.push(stored);
    else if (!ok) report.mismatched.push(stored);
    const mine = insideWritable(dataDir, stored);
    if (!ok && h !== null && fix && mine && (await removeRegular(dataDir, mine))) report.removed++;
    checked.set(stored, ok);
    return ok;
  };
  for (const c of crops) {
    known.set(c.path, c.hash);
    if (!(await check(c.path, c.hash))) { badCrops.add(c.id); badSources.add(c.source_hash); }
  }
  for (const p of pairs) {
    known.set(p.lq_path, p.lq_hash);
    known.set(p.gt_path, p.gt_hash);
    const lqOk = await check(p.lq_path, p.lq_hash);
    const gtOk = await check(p.gt_path, p.gt_hash);
    if (!lqOk || !gtOk) {
      if (p.crop_id) { badPairs.add(p.id); badSources.add(p.source_hash); if (!gtOk) badCrops.add(p.crop_id); }
    }
  }
  const referenced = new Set<string>([...known.keys(), ...pendingPaths].map((p) => path.normalize(p)));
  for (const f of (await listWritten(dataDir, report.links)).sort()) {
    if (referenced.has(path.normalize(f))) continue;
    report.orphans.push(f);
    if (fix && (await removeRegular(dataDir, path.join(dataDir, f)))) report.removed++;
  }
  report.pending = (db.prepare("SELECT count(*) AS n FROM pairs WHERE status = 'pending'").get() as { n: number }).n;
  if (fix && (badPairs.size || badCrops.size)) {
    db.transaction(() => {
      const rp = db.prepare("UPDATE pairs SET status = 'pending', lq_hash = NULL WHERE id = ?");
      const rc = db.prepare("UPDATE crops SET status = 'pending', hash = NULL WHERE id = ?");
      const rs = db.prepare("UPDATE sources SET status = 'planned' WHERE hash = ?");
      // a crop that must be rewritten takes its pairs' recorded gt hash with it
      const rcp = db.prepare("UPDATE pairs SET status = 'pending', gt_hash = NULL WHERE crop_id = ? AND status = 'done'");
      for (const id of badPairs) rp.run(id);
      for (const id of badCrops) { rc.run(id); rcp.run(id); }
      for (const h of badSources) rs.run(h);
    })();
    report.requeued = badPairs.size + badCrops.size;
    report.pending = (db.prepare("SELECT count(*) AS n FROM pairs WHERE status = 'pending'").get() as { n: number }).n;
  }
  return report;
}
