/**
 * `uir manifest verify`: every referenced file exists and has the recorded content hash; files in gt/ and lq/ that
 * no row references are orphans. --fix removes orphans and corrupt files and re-queues what is missing, so running
 * the build again regenerates exactly that.
 */
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import fg from 'fast-glob';
import type { ManifestStore } from './store.js';
import { resolveStored } from './queries.js';

export interface VerifyReport { checkedFiles: number; missing: string[]; mismatched: string[]; orphans: string[]; pending: number; requeued: number; removed: number }

async function fileHash(file: string): Promise<string | null> {
  try { return createHash('sha256').update(await fs.readFile(file)).digest('hex'); } catch { return null; }
}

export async function verifyManifest(store: ManifestStore, fix: boolean): Promise<VerifyReport> {
  const { db, dir: dataDir } = store;
  const report: VerifyReport = { checkedFiles: 0, missing: [], mismatched: [], orphans: [], pending: 0, requeued: 0, removed: 0 };
  const known = new Map<string, string | null>(); // stored path -> expected hash
  const crops = db.prepare("SELECT id, source_hash, path, hash FROM crops WHERE status = 'done'").all() as { id: string; source_hash: string; path: string; hash: string }[];
  const pairs = db.prepare("SELECT id, source_hash, crop_id, lq_path, lq_hash, gt_path, gt_hash FROM pairs WHERE status = 'done'").all() as { id: string; source_hash: string; crop_id: string | null; lq_path: string; lq_hash: string; gt_path: string; gt_hash: string }[];
  const badCrops = new Set<string>(), badPairs = new Set<string>(), badSources = new Set<string>();
  const checked = new Map<string, boolean>();
  const check = async (stored: string, hash: string): Promise<boolean> => {
    const prior = checked.get(stored);
    if (prior !== undefined) return prior;
    const file = resolveStored(dataDir, stored);
    const h = await fileHash(file);
    report.checkedFiles++;
    const ok = h === hash;
    if (h === null) report.missing.push(stored);
    else if (!ok) report.mismatched.push(stored);
    if (!ok && h !== null && fix && !path.isAbsolute(stored)) { await fs.rm(file, { force: true }); report.removed++; }
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
  const referenced = new Set<string>([
    ...known.keys(),
    ...(db.prepare("SELECT path FROM crops WHERE status = 'pending'").all() as { path: string }[]).map((r) => r.path),
    ...(db.prepare("SELECT lq_path AS path FROM pairs WHERE status = 'pending'").all() as { path: string }[]).map((r) => r.path),
  ]);
  const onDisk = await fg(['gt/**', 'lq/**'], { cwd: dataDir, onlyFiles: true, dot: true });
  for (const f of onDisk.sort()) {
    if (referenced.has(f)) continue;
    report.orphans.push(f);
    if (fix) { await fs.rm(path.join(dataDir, f), { force: true }); report.removed++; }
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
