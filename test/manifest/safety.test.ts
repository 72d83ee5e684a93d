/**
 * Data safety of the commands that write a dataset: verify --fix never follows a link or deletes outside the folder,
 * one writer at a time (the lock), stale locks and killed runs, a shard's clean-up leaves other shards' files alone,
 * and a damaged manifest is one line for every command.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { ROOT, SHARED, tempDir, uir } from '../helpers.js';

let data = '';
beforeAll(async () => {
  data = path.join(await tempDir(), 'data');
  const r = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', data, '--progress', 'none']);
  expect(r.code, r.stderr).toBe(0);
});

async function copyData(): Promise<string> {
  const copy = path.join(await tempDir(), 'data');
  await fs.cp(data, copy, { recursive: true });
  return copy;
}

/** Every file below dir (not following links), relative. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) await walk(p); else out.push(p);
    }
  };
  await walk('');
  return out.sort();
}

/** Start a build of the 24 Kodak photos in the background; resolves once it holds its lock. */
async function backgroundBuild(out: string, extra: string[] = []): Promise<{ done: Promise<{ code: number | null; stderr: string }>; pid: number }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/uir.js'), 'build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(SHARED, 'Kodak24/gt/*.png'), '-o', out, '--progress', 'none', '--jobs', '1', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += String(c); });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  const lock = path.join(out, extra.includes('--shard') ? `manifest.shard-${extra[extra.indexOf('--shard') + 1]!.replace('/', '-of-')}.sqlite.lock` : 'manifest.sqlite.lock');
  for (let i = 0; i < 600; i++) {
    if (await fs.stat(lock).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { done, pid: child.pid! };
}

/** Wait (polling, up to 20 s) until a manifest being built records at least one done pair. */
async function waitForDonePairs(db: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const n = await fs.stat(db).then(() => {
      const d = new Database(db, { readonly: true });
      try { return (d.prepare("SELECT count(*) AS n FROM pairs WHERE status = 'done'").get() as { n: number }).n; } catch { return 0; } finally { d.close(); }
    }, () => 0);
    if (n > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${db}: no pair done after 20 s`);
}

describe('verify --fix', () => {
  it('never follows a symbolic link to a folder placed in lq/, never deletes outside DIR, and reports links', async () => {
    const copy = await copyData();
    const outside = path.join(await tempDir(), 'precious');
    await fs.mkdir(path.join(outside, 'sub'), { recursive: true });
    for (const f of ['a.png', 'b.txt', 'sub/c.png']) await fs.writeFile(path.join(outside, f), 'keep me');
    await fs.symlink(outside, path.join(copy, 'lq', 'haze', 'evil-dir'));
    await fs.symlink(outside, path.join(copy, 'lq', 'evil-type'));
    await fs.symlink(path.join(outside, 'a.png'), path.join(copy, 'gt', 'evil-file.png'));
    const orphan = path.join(copy, 'lq', 'haze', 'orphan.png');
    await fs.writeFile(orphan, 'stray');
    const r = await uir(['manifest', 'verify', copy, '--fix', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    expect(await tree(outside)).toEqual(['a.png', 'b.txt', path.join('sub', 'c.png')]);
    for (const l of ['lq/haze/evil-dir', 'lq/evil-type', 'gt/evil-file.png']) {
      expect((await fs.lstat(path.join(copy, l))).isSymbolicLink(), l).toBe(true);
      expect(r.stdout).toContain(`link (not followed, not removed): ${l}`);
    }
    await expect(fs.stat(orphan)).rejects.toThrow(); // a real orphan still goes
    expect(r.stdout).toMatch(/1 orphans, 0 pairs pending; 3 links or other entries left alone/);
  });

  it('removes no file a manipulated row points to outside the folder', async () => {
    const copy = await copyData();
    const victim = path.join(await tempDir(), 'victim.png');
    await fs.writeFile(victim, 'not what the row says');
    const d = new Database(path.join(copy, 'manifest.sqlite'));
    const id = (d.prepare("SELECT id FROM pairs WHERE status = 'done' LIMIT 1").get() as { id: string }).id;
    d.prepare('UPDATE pairs SET lq_path = ? WHERE id = ?').run(path.relative(copy, victim), id);
    d.close();
    const r = await uir(['manifest', 'verify', copy, '--fix', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrong content: \.\.\//);
    expect(await fs.readFile(victim, 'utf8')).toBe('not what the row says');
  });
});

describe('one writer at a time', () => {
  it('a second build on the same --out, and verify --fix during a build, stop at once naming the holder; read-only commands run; the build ends complete', async () => {
    const out = path.join(await tempDir(), 'data');
    const a = await backgroundBuild(out);
    const second = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(SHARED, 'Kodak24/gt/*.png'), '-o', out, '--progress', 'none']);
    expect(second.code).toBe(7);
    expect(second.stderr.trim()).toMatch(new RegExp(`^uir: .*data is in use: pid ${a.pid} on ${os.hostname()}, \`build-dataset\`, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z holds manifest\\.sqlite\\.lock; wait for it to finish`));
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    const fix = await uir(['manifest', 'verify', out, '--fix']);
    expect(fix.code).toBe(7);
    expect(fix.stderr).toMatch(/is in use: pid \d+ .*`build-dataset`/);
    // read-only commands never block
    expect((await uir(['manifest', 'stats', out])).code).toBe(0);
    expect((await uir(['manifest', 'query', out, '--limit', '1'])).code).toBe(0);
    const end = await a.done;
    expect(end.code, end.stderr).toBe(0);
    const v = await uir(['manifest', 'verify', out, '--progress', 'none']);
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/checked \d+ files: 0 missing, 0 with wrong content, 0 orphans/);
    expect(JSON.parse((await uir(['manifest', 'stats', out, '--json'])).stdout)).toMatchObject({ pairs: 720, pending: 0 });
    await expect(fs.stat(path.join(out, 'manifest.sqlite.lock'))).rejects.toThrow(); // released
  });

  it('a build killed with SIGKILL leaves a lock that the next run takes over with a note, and its run is marked interrupted', async () => {
    const out = path.join(await tempDir(), 'data');
    const a = await backgroundBuild(out);
    const db = path.join(out, 'manifest.sqlite');
    // wait for some pairs to be recorded, then kill it
    await waitForDonePairs(db);
    process.kill(a.pid, 'SIGKILL');
    await a.done;
    expect(JSON.parse(await fs.readFile(path.join(out, 'manifest.sqlite.lock'), 'utf8'))).toMatchObject({ pid: a.pid, command: 'build-dataset' });
    const again = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(SHARED, 'Kodak24/gt/*.png'), '-o', out, '--progress', 'none']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`note: took over the lock of manifest\\.sqlite\\.lock left by pid ${a.pid} on .*, which is no longer running`));
    expect(again.stderr).toMatch(/note: 1 run\(s\) of an earlier process that did not finish are now marked interrupted/);
    const d = new Database(db, { readonly: true });
    const runs = d.prepare('SELECT status FROM runs ORDER BY id').all() as { status: string }[];
    d.close();
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'done']);
  });

  it('shards build side by side in one folder; a shard\'s start-up clean-up removes only its own temporary files', async () => {
    const out = path.join(await tempDir(), 'data');
    await fs.mkdir(path.join(out, 'gt'), { recursive: true });
    const mine = path.join(out, 'gt', '.x.png.uir-tmp-s0of2-12345-0'), theirs = path.join(out, 'gt', '.y.png.uir-tmp-s1of2-12345-0');
    await fs.writeFile(mine, 'stale');
    const b = await backgroundBuild(out, ['--shard', '1/2']);
    // once shard 1 is past its own clean-up (pairs recorded), a file of its in flight
    const db1 = path.join(out, 'manifest.shard-1-of-2.sqlite');
    await waitForDonePairs(db1);
    await fs.writeFile(theirs, 'being written by shard 1');
    const a = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(SHARED, 'Kodak24/gt/*.png'), '-o', out, '--progress', 'none', '--shard', '0/2']);
    expect(a.code, a.stderr).toBe(0);
    await expect(fs.stat(mine)).rejects.toThrow();
    expect(await fs.readFile(theirs, 'utf8')).toBe('being written by shard 1');
    expect((await b.done).code).toBe(0);
    // merge takes the folder: with every shard done it runs
    await fs.rm(theirs);
    const m = await uir(['manifest', 'merge', out]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/merged 2 shard manifest\(s\) .*: 720 pairs/);
  });
});

describe('a damaged manifest', () => {
  it('gives every command one line naming the file and suggesting `uir manifest verify` (exit 4), never "internal error"', async () => {
    const copy = await copyData();
    const file = path.join(copy, 'manifest.sqlite');
    const d = new Database(file);
    d.pragma('journal_mode = DELETE');
    const pageSize = d.pragma('page_size', { simple: true }) as number;
    d.close();
    // overwrite every interior page (page 1, the schema, stays readable)
    const size = (await fs.stat(file)).size;
    const fh = await fs.open(file, 'r+');
    for (let off = pageSize; off < size; off += pageSize) await fh.write(Buffer.alloc(pageSize, 0xa5), 0, pageSize, off);
    await fh.close();
    for (const args of [['manifest', 'stats', copy], ['manifest', 'verify', copy], ['manifest', 'query', copy], ['manifest', 'export', copy, '-f', 'jsonl'], ['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', copy, '--progress', 'none']]) {
      const r = await uir(args);
      expect(r.code, `${args[1]}: ${r.stderr}`).toBe(4);
      expect(r.stderr.trim().split('\n'), args[1]).toHaveLength(1);
      expect(r.stderr).toMatch(/^uir: .*manifest\.sqlite: the manifest is damaged \(.*\); `uir manifest verify`/);
      expect(r.stderr).not.toMatch(/internal error/);
    }
    // and the build touched nothing: its lock is released
    await expect(fs.stat(path.join(copy, 'manifest.sqlite.lock'))).rejects.toThrow();
  });
});
