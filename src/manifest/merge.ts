/**
 * `uir manifest merge`: combine shard manifests (each written by one `--shard i/n` build) into one. Shards that
 * wrote into the same folder share their files; shards in other folders have their files copied (hard-linked when
 * the file system allows) into the target folder. Rows are keyed by deterministic ids, so merging is idempotent.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { manifestPath, type DB } from './db.js';
import { ManifestStore } from './store.js';
import { ConfigError, InputError } from '../errors.js';
import { toolVersions } from '../versions.js';

/** Shard manifests named by the arguments: .sqlite files, or folders (all manifest.shard-*.sqlite inside). */
export async function findShardDbs(args: string[], target: string): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const st = await fs.stat(a).catch(() => null);
    if (!st) throw new InputError(`${a}: no such file or folder`);
    if (st.isDirectory()) {
      const found = await fg('manifest.shard-*-of-*.sqlite', { cwd: a, absolute: true });
      if (found.length === 0 && path.resolve(a) !== path.resolve(target)) {
        const single = manifestPath(a);
        if ((await fs.stat(single).catch(() => null))?.isFile()) found.push(path.resolve(single));
      }
      if (found.length === 0) throw new InputError(`${a}: no shard manifests (manifest.shard-I-of-N.sqlite) in this folder`);
      out.push(...found.sort());
    } else out.push(path.resolve(a));
  }
  return [...new Set(out)];
}

export interface MergeResult { shards: number; pairs: number; sources: number; copiedFiles: number }

export async function mergeManifests(targetDir: string, shardDbs: string[], note?: (line: string) => void): Promise<MergeResult> {
  if (shardDbs.length === 0) throw new InputError('merge: no shard manifests given');
  const store = await ManifestStore.openWriter(targetDir, { command: 'manifest merge', scope: 'folder', note });
  const target = store.db;
  let copied = 0;
  try {
    const recipes = new Set<string>();
    for (const file of shardDbs) {
      const shard = ManifestStore.openFile(file);
      const r = shard.lastBuildRecipe();
      await shard.close();
      if (r) recipes.add(r.hash);
    }
    if (recipes.size > 1) throw new ConfigError([{ path: 'merge', message: `the shards were built from different recipes (${[...recipes].join(', ')}); merge shards of one build only` }]);
    for (const file of shardDbs) {
      const srcDir = path.dirname(file);
      if (path.resolve(srcDir) !== path.resolve(targetDir)) copied += await copyFiles(file, srcDir, targetDir);
      attachAndCopy(target, file);
    }
    store.finishRun(store.startRun({ command: 'merge', versions: toolVersions(), stats: { shards: shardDbs.map((f) => path.basename(f)) } }), 'done');
    const n = (sql: string): number => (target.prepare(sql).get() as { n: number }).n;
    return { shards: shardDbs.length, pairs: n("SELECT count(*) AS n FROM pairs WHERE status = 'done'"), sources: n('SELECT count(*) AS n FROM sources'), copiedFiles: copied };
  } finally {
    await store.close();
  }
}

function attachAndCopy(target: DB, file: string): void {
  target.prepare('ATTACH DATABASE ? AS shard').run(file);
  try {
    // a shard written before schema 2 has no scale column
    const hasScale = (target.prepare('SELECT count(*) AS n FROM pragma_table_info(?, ?) WHERE name = ?').get('pairs', 'shard', 'scale') as { n: number }).n > 0;
    const cols = `id, crop_id, source_hash, type, code, level, params, seed, lq_path, gt_path, lq_hash, gt_hash, width, height, split, real, status${hasScale ? ', scale' : ''}`;
    target.transaction(() => {
      target.exec(`
        INSERT OR IGNORE INTO sources SELECT * FROM shard.sources;
        INSERT OR IGNORE INTO crops SELECT * FROM shard.crops;
        INSERT INTO pairs (${cols})
          SELECT ${cols} FROM shard.pairs WHERE true
          ON CONFLICT(id) DO UPDATE SET status = excluded.status, lq_hash = excluded.lq_hash, gt_hash = excluded.gt_hash
          WHERE excluded.status = 'done';
        INSERT OR IGNORE INTO rejects SELECT * FROM shard.rejects;
        INSERT INTO runs (started_at, finished_at, status, command, recipe_name, recipe_hash, recipe_json, seed, shard, versions_json, stats_json)
          SELECT started_at, finished_at, status, command, recipe_name, recipe_hash, recipe_json, seed, shard, versions_json, stats_json FROM shard.runs;
      `);
    })();
  } finally {
    target.exec('DETACH DATABASE shard');
  }
}

async function copyFiles(dbFile: string, fromDir: string, toDir: string): Promise<number> {
  const shard = ManifestStore.openFile(dbFile);
  const rels = [
    ...(shard.db.prepare("SELECT path FROM crops WHERE status = 'done'").all() as { path: string }[]).map((r) => r.path),
    ...(shard.db.prepare("SELECT lq_path AS path FROM pairs WHERE status = 'done'").all() as { path: string }[]).map((r) => r.path),
  ].filter((p) => !path.isAbsolute(p));
  await shard.close();
  let n = 0;
  for (const rel of rels) {
    const dst = path.join(toDir, rel);
    if (await fs.stat(dst).catch(() => null)) continue;
    await fs.mkdir(path.dirname(dst), { recursive: true });
    await fs.link(path.join(fromDir, rel), dst).catch(() => fs.copyFile(path.join(fromDir, rel), dst));
    n++;
  }
  return n;
}
