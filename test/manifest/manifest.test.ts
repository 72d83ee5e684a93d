/** Every manifest command on a real build, and ingest of real paired sets (PolyU, Rain100L). */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, SHARED, tempDir, uir } from '../helpers.js';

let data = '';
beforeAll(async () => {
  data = path.join(await tempDir(), 'data');
  const r = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', data, '--progress', 'none']);
  expect(r.code, r.stderr).toBe(0);
});

describe('uir manifest', () => {
  it('stats: counts by type, level, split and origin', async () => {
    const t = await uir(['manifest', 'stats', data]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/50 pairs from 5 sources/);
    expect(t.stdout).toMatch(/rain-streak\s+RS\s+10/);
    expect(t.stdout).toMatch(/synthetic\s+50/);
    const j = JSON.parse((await uir(['manifest', 'stats', data, '--json'])).stdout);
    expect(j.byType).toHaveLength(5);
    expect(j.bySplit.reduce((s: number, r: { n: number }) => s + r.n, 0)).toBe(50);
  });

  it('query: filters by type (alias), level and split, as a table, JSON or CSV', async () => {
    const all = JSON.parse((await uir(['manifest', 'query', data, '--type', 'GN', '--json'])).stdout) as { type: string; level: number; params: { variant: string } }[];
    expect(all).toHaveLength(10);
    for (const r of all) { expect(r.type).toBe('noise'); expect([7, 9, 13]).toContain(r.level); expect(r.params.variant).toBe('gaussian'); }
    const lvl = all[0]!.level;
    const some = JSON.parse((await uir(['manifest', 'query', data, '--type', 'noise', '--level', String(lvl), '--json'])).stdout) as unknown[];
    expect(some.length).toBe(all.filter((r) => r.level === lvl).length);
    const csv = (await uir(['manifest', 'query', data, '--type', 'rain', '--split', 'train', '--csv'])).stdout.trim().split('\n');
    expect(csv[0]).toMatch(/^id,type,code,level,split/);
    for (const line of csv.slice(1)) expect(line).toMatch(/,rain-streak,RS,\d+,train,/);
    const table = await uir(['manifest', 'query', data, '--limit', '3']);
    expect(table.stdout).toMatch(/3 row\(s\)/);
    const bad = await uir(['manifest', 'query', data, '--split', 'training']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--split: expected train, val or test, received 'training'/);
  });

  it('export: BasicSR meta_info with linked folders, JSON lines and CSV', async () => {
    const out = path.join(await tempDir(), 'bsr');
    const r = await uir(['manifest', 'export', data, '--format', 'basicsr', '--split', 'train', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const meta = (await fs.readFile(path.join(out, 'meta_info.txt'), 'utf8')).trim().split('\n');
    const train = JSON.parse((await uir(['manifest', 'query', data, '--split', 'train', '--json'])).stdout) as { id: string }[];
    expect(meta).toHaveLength(train.length); // one line per train pair, named by pair id
    expect(meta.map((l) => l.split(' ')[0]).sort()).toEqual(train.map((t) => `${t.id}.png`).sort());
    for (const l of meta) expect(l).toMatch(/^[\w-]+\.png \(256,256,3\)$/);
    const [name, shape] = meta[0]!.split(' ');
    expect(shape).toBe('(256,256,3)');
    // BasicSR finds the LQ file by the GT file's name
    await fs.access(path.join(out, 'gt', name!));
    await fs.access(path.join(out, 'lq', name!));
    expect(await fs.readFile(path.join(out, 'basicsr_dataset.yml'), 'utf8')).toMatch(/type: PairedImageDataset/);
    const jl = (await uir(['manifest', 'export', data, '-f', 'jsonl'])).stdout.trim().split('\n');
    expect(jl).toHaveLength(50);
    expect(JSON.parse(jl[0]!)).toHaveProperty('params');
    const csvFile = path.join(out, 'pairs.csv');
    expect((await uir(['manifest', 'export', data, '-f', 'csv', '-o', csvFile])).code).toBe(0);
    expect((await fs.readFile(csvFile, 'utf8')).trim().split('\n')).toHaveLength(51);
  });

  it('verify: reports missing, corrupt and orphan files; --fix repairs so a rebuild completes', async () => {
    const copy = path.join(await tempDir(), 'data');
    await fs.cp(data, copy, { recursive: true });
    const d = new Database(path.join(copy, 'manifest.sqlite'), { readonly: true });
    const [a, b] = d.prepare("SELECT lq_path FROM pairs ORDER BY id LIMIT 2").all() as { lq_path: string }[];
    d.close();
    await fs.rm(path.join(copy, a!.lq_path));
    await fs.writeFile(path.join(copy, b!.lq_path), 'garbage');
    await fs.writeFile(path.join(copy, 'lq', 'haze', 'stray.png'), 'x');
    const v = await uir(['manifest', 'verify', copy]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/1 missing, 1 with wrong content, 1 orphans/);
    expect(v.stdout).toMatch(/orphan: lq\/haze\/stray\.png/);
    const fix = await uir(['manifest', 'verify', copy, '--fix']);
    expect(fix.code).toBe(0);
    expect(fix.stdout).toMatch(/regenerate 2 pending pairs/);
    const rebuild = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', copy, '--progress', 'none']);
    expect(rebuild.stdout).toMatch(/built 2 new pairs/);
    expect((await uir(['manifest', 'verify', copy])).code).toBe(0);
  });

  it('merge: refuses an empty folder with a clear message', async () => {
    const r = await uir(['manifest', 'merge', await tempDir()]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no shard manifests/);
  });

  it('reports a missing or corrupt manifest in one line', async () => {
    const dir = await tempDir();
    const none = await uir(['manifest', 'stats', dir]);
    expect(none.stderr.trim()).toMatch(/manifest\.sqlite: no manifest here/);
    await fs.writeFile(path.join(dir, 'manifest.sqlite'), 'this is not sqlite');
    const bad = await uir(['manifest', 'stats', dir]);
    expect(bad.code).toBe(4);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('uir ingest', () => {
  it('indexes PolyU as 100 real-noise pairs, and Rain100L as rain-streak pairs', async () => {
    const out = path.join(await tempDir(), 'real');
    const r = await uir(['ingest', '--lq', path.join(SHARED, 'PolyU/lq'), '--gt', path.join(SHARED, 'PolyU/gt'), '--type', 'real-noise', '--real', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ingested 100 real real-noise pairs/);
    const rain = await uir(['ingest', '--lq', path.join(SHARED, 'Rain100L/lq'), '--gt', path.join(SHARED, 'Rain100L/gt'), '--type', 'rain', '--out', out]);
    expect(rain.stdout).toMatch(/ingested 100 synthetic rain-streak pairs/);
    const j = JSON.parse((await uir(['manifest', 'stats', out, '--json'])).stdout);
    expect(j.pairs).toBe(200);
    expect(j.byReal).toEqual([{ real: 0, n: 100 }, { real: 1, n: 100 }]);
    const v = await uir(['manifest', 'verify', out]);
    expect(v.code, v.stdout).toBe(0);
    // again: no duplicate rows
    await uir(['ingest', '--lq', path.join(SHARED, 'PolyU/lq'), '--gt', path.join(SHARED, 'PolyU/gt'), '--type', 'RN', '--real', '--out', out]);
    expect(JSON.parse((await uir(['manifest', 'stats', out, '--json'])).stdout).pairs).toBe(200);
  });

  it('lists unmatched and size-mismatched files as rejects', async () => {
    const base = await tempDir();
    await fs.mkdir(path.join(base, 'lq')); await fs.mkdir(path.join(base, 'gt'));
    await fs.copyFile(path.join(SHARED, 'Rain100L/lq/1.png'), path.join(base, 'lq/1.png'));
    await fs.copyFile(path.join(SHARED, 'Rain100L/gt/1.png'), path.join(base, 'gt/1.png'));
    await fs.copyFile(path.join(SHARED, 'Rain100L/lq/2.png'), path.join(base, 'lq/only-lq.png'));
    await fs.copyFile(path.join(ROOT, 'samples/kodim03.png'), path.join(base, 'lq/3.png'));
    await fs.copyFile(path.join(SHARED, 'Rain100L/gt/3.png'), path.join(base, 'gt/3.png'));
    const out = path.join(base, 'data');
    const r = await uir(['ingest', '--lq', path.join(base, 'lq'), '--gt', path.join(base, 'gt'), '--type', 'rain', '--out', out]);
    expect(r.stdout).toMatch(/ingested 1 synthetic rain-streak pairs .*; 2 rejected/);
    const d = new Database(path.join(out, 'manifest.sqlite'), { readonly: true });
    const rej = d.prepare('SELECT path, reason FROM rejects ORDER BY path').all() as { path: string; reason: string }[];
    d.close();
    expect(rej.map((x) => x.reason)).toContain('size 384x256 differs from GT 480x320'); // samples/kodim03.png against a Rain100L target
    expect(rej.map((x) => x.reason).join(' | ')).toMatch(/no GT file named only-lq/);
  });
});
