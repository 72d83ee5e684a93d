/**
 * The dataset builder on real photographs: expected rows and files; identical rows and bytes with 1 or 2 workers
 * and as 2 merged shards; kill -9 at a random moment then resume; bad sources become rejects.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { ROOT, SHARED, tempDir, uir } from '../helpers.js';
import { validateRecipe } from '../../src/pipeline/recipe.js';
import { resolveShard } from '../../src/pipeline/shard.js';
import { ConfigError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';
import { cropRects, planSource } from '../../src/pipeline/plan.js';

const RECIPE = {
  name: 'test-mini', seed: 7,
  crop: { mode: 'tile', size: 256, overlap: 0 },
  pairsPerCrop: 1,
  splits: { train: 0.5, val: 0.25, test: 0.25 },
  types: [{ type: 'noise', levels: [3, 9] }, { type: 'haze' }, { type: 'jpeg', levels: { from: 5, to: 8 } }, { type: 'motion-blur', levels: [2] }],
};

let srcDir = '';
let recipeFile = '';
beforeAll(async () => {
  srcDir = await tempDir('uir-src-');
  for (const f of ['kodim01.png', 'kodim05.png', 'kodim13.png', 'kodim23.png']) await fs.copyFile(path.join(SHARED, 'Kodak24/gt', f), path.join(srcDir, f));
  recipeFile = path.join(await tempDir(), 'mini.json');
  await fs.writeFile(recipeFile, JSON.stringify(RECIPE));
});

const src = (): string => `${srcDir}/*.png`;
function rows(dir: string, db = 'manifest.sqlite'): { pairs: unknown[]; crops: unknown[]; sources: unknown[] } {
  const d = new Database(path.join(dir, db), { readonly: true });
  const out = {
    pairs: d.prepare('SELECT * FROM pairs ORDER BY id').all(),
    crops: d.prepare('SELECT * FROM crops ORDER BY id').all(),
    sources: d.prepare('SELECT hash, width, height, split, status FROM sources ORDER BY hash').all(),
  };
  d.close();
  return out;
}

describe('build-dataset', () => {
  it('builds the expected rows and files, and resumes to a no-op', async () => {
    const out = path.join(await tempDir(), 'data');
    const r = await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', out, '--jobs', '2', '--progress', 'none']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { pairs, crops, sources } = rows(out);
    // 768x512 and 512x768 photos, 256 tiles without overlap: 6 crops each, one pair per crop
    expect(crops).toHaveLength(24);
    expect(pairs).toHaveLength(24);
    expect(sources).toHaveLength(4);
    for (const p of pairs as { status: string; lq_path: string; gt_path: string; lq_hash: string; split: string; type: string; level: number; params: string }[]) {
      expect(p.status).toBe('done');
      expect(p.lq_hash).toMatch(/^[0-9a-f]{64}$/);
      await fs.access(path.join(out, p.lq_path));
      await fs.access(path.join(out, p.gt_path));
      expect(['noise', 'haze', 'jpeg', 'motion-blur']).toContain(p.type);
      if (p.type === 'noise') expect([3, 9]).toContain(p.level);
      if (p.type === 'jpeg') expect(p.level).toBeGreaterThanOrEqual(5);
      expect(JSON.parse(p.params)).toBeTypeOf('object');
    }
    // a clean crop is stored once, and a source never lands in two splits
    expect((await fs.readdir(path.join(out, 'gt'))).length).toBe(24);
    const bySource = new Map<string, Set<string>>();
    for (const p of pairs as { source_hash: string; split: string }[]) bySource.set(p.source_hash, (bySource.get(p.source_hash) ?? new Set()).add(p.split));
    for (const s of bySource.values()) expect(s.size).toBe(1);
    const again = await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', out, '--progress', 'none']);
    expect(again.stdout).toMatch(/built 0 new pairs \(24 in the manifest\)/);
    const v = await uir(['manifest', 'verify', out]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/0 missing, 0 with wrong content, 0 orphans, 0 pairs pending/);
  });

  it('gives identical rows and file hashes with 1 worker process, 2 worker threads, and 2 merged shards', async () => {
    const base = await tempDir();
    const one = path.join(base, 'one'), two = path.join(base, 'two'), sh = path.join(base, 'sharded');
    expect((await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', one, '-j', '1', '--progress', 'none'])).code).toBe(0);
    expect((await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', two, '-j', '2', '--pool', 'threads', '--progress', 'none'])).code).toBe(0);
    expect((await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', sh, '--shard', '0/2', '--progress', 'none'])).code).toBe(0);
    // the second shard takes its index from a Slurm job array, as on a cluster
    expect((await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', sh, '--progress', 'none'], { env: { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' } })).code).toBe(0);
    const m = await uir(['manifest', 'merge', sh]);
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/merged 2 shard manifest\(s\).*24 pairs/);
    const a = rows(one), b = rows(two), c = rows(sh);
    expect(b.pairs).toEqual(a.pairs);
    expect(c.pairs).toEqual(a.pairs);
    expect(c.crops).toEqual(a.crops);
    expect(c.sources).toEqual(a.sources);
    const files = async (d: string): Promise<string[]> => (await fs.readdir(path.join(d, 'gt'))).sort();
    expect(await files(sh)).toEqual(await files(one));
  });

  it('survives SIGKILL after N pairs are recorded, at seeded points (mid-write included): verify finds nothing broken, the rerun ends byte-identical to a clean build', async () => {
    const base = await tempDir();
    const heavy = path.join(base, 'heavy.json'), ref = path.join(base, 'ref');
    await fs.writeFile(heavy, JSON.stringify({ ...RECIPE, name: 'test-heavy', pairsPerCrop: 3 }));
    expect((await uir(['build-dataset', '-r', heavy, '-s', src(), '-o', ref, '--progress', 'none'])).code).toBe(0);
    const points = new Rng('sigkill-points');
    // after 1, a few and many done pairs; each with a seeded extra delay that lands inside a file write or commit
    for (const after of [1, 5 + points.int(0, 10), 30 + points.int(0, 20)]) {
      const out = path.join(base, `killed-${after}`);
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/uir.js'), 'build-dataset', '-r', heavy, '-s', src(), '-o', out, '-j', '2', '--progress', 'none'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      const db = path.join(out, 'manifest.sqlite');
      let done = 0;
      for (let i = 0; i < 600 && done < after; i++) {
        await new Promise((r) => setTimeout(r, 20));
        done = await fs.stat(db).then(() => { const d = new Database(db, { readonly: true }); try { return (d.prepare("SELECT count(*) AS n FROM pairs WHERE status = 'done'").get() as { n: number }).n; } catch { return 0; } finally { d.close(); } }, () => 0);
      }
      expect(done, `pairs done before the kill (wanted ${after})`).toBeGreaterThanOrEqual(after);
      await new Promise((r) => setTimeout(r, points.int(0, 40)));
      child.kill('SIGKILL');
      await exited;
      // what the kill left: every recorded file intact (verify without --fix), no partial file under a final name
      const v0 = await uir(['manifest', 'verify', out, '--progress', 'none']);
      expect(v0.stdout, `killed after ${done} pairs`).toMatch(/: 0 missing, 0 with wrong content, /);
      const resumed = await uir(['build-dataset', '-r', heavy, '-s', src(), '-o', out, '--progress', 'none']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const v = await uir(['manifest', 'verify', out, '--progress', 'none']);
      expect(v.stdout, `killed after ${done} pairs`).toMatch(/0 missing, 0 with wrong content, 0 orphans, 0 pairs pending/);
      expect(v.code).toBe(0);
      expect(rows(out).pairs).toEqual(rows(ref).pairs);
      const lqFiles = async (d: string): Promise<string[]> => (await Promise.all((await fs.readdir(path.join(d, 'lq'))).map(async (t) => (await fs.readdir(path.join(d, 'lq', t))).map((f) => `${t}/${f}`)))).flat().sort();
      expect(await lqFiles(out)).toEqual(await lqFiles(ref));
    }
  });

  it('stops cleanly on Ctrl-C sent to the whole process group after a pair is written (workers finish their images, no partial file), a second Ctrl-C leaves at once, and the rerun completes', async () => {
    const base = await tempDir();
    const heavy = path.join(base, 'heavy.json');
    await fs.writeFile(heavy, JSON.stringify({ ...RECIPE, name: 'test-heavy', pairsPerCrop: 6 }));
    const start = (out: string) => {
      // detached: the build leads its own process group, as a shell job does; a terminal's Ctrl-C signals the group
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/uir.js'), 'build-dataset', '-r', heavy, '-s', src(), '-o', out, '-j', '2', '--progress', 'none'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, exited, err: () => stderr };
    };
    /** Wait for a degraded image file (not a temporary one) under out/lq. */
    const firstImage = async (out: string): Promise<void> => {
      for (let i = 0; i < 600; i++) {
        const types = await fs.readdir(path.join(out, 'lq')).catch(() => [] as string[]);
        for (const t of types) if ((await fs.readdir(path.join(out, 'lq', t)).catch(() => [] as string[])).some((f) => f.endsWith('.png') && !f.startsWith('.'))) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('no degraded image after 15 s');
    };
    const partials = async (out: string): Promise<string[]> => {
      const fg = (await import('fast-glob')).default;
      return fg(['gt/.*uir-tmp*', 'lq/*/.*uir-tmp*'], { cwd: out, dot: true });
    };
    const out = path.join(base, 'out');
    const a = start(out);
    await firstImage(out);
    process.kill(-a.child.pid!, 'SIGINT');
    expect(await a.exited, a.err()).toBe(130);
    const m = /interrupted: (\d+)\/144 pairs are done and recorded/.exec(a.err());
    expect(m, a.err()).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(1);
    expect(await partials(out)).toEqual([]);
    // the second Ctrl-C: out at once, without waiting for the images in progress
    const out2 = path.join(base, 'out2');
    const b = start(out2);
    await firstImage(out2);
    const t0 = performance.now();
    process.kill(-b.child.pid!, 'SIGINT');
    await new Promise((r) => setTimeout(r, 30));
    process.kill(-b.child.pid!, 'SIGINT');
    expect(await b.exited, b.err()).toBe(130);
    expect(performance.now() - t0, 'left at once').toBeLessThan(2500);
    for (const o of [out, out2]) {
      const resumed = await uir(['build-dataset', '-r', heavy, '-s', src(), '-o', o, '--progress', 'none']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const v = await uir(['manifest', 'verify', o, '--progress', 'none']);
      expect(v.stdout).toMatch(/0 missing, 0 with wrong content, 0 orphans, 0 pairs pending/);
    }
  });

  it('records corrupt, truncated, empty, non-image, duplicate and too-small sources as rejects and goes on', async () => {
    const dir = await tempDir('uir-bad-');
    await fs.copyFile(path.join(srcDir, 'kodim01.png'), path.join(dir, 'good.png'));
    await fs.copyFile(path.join(srcDir, 'kodim01.png'), path.join(dir, 'copy-of-good.png'));
    await fs.writeFile(path.join(dir, 'empty.png'), '');
    await fs.writeFile(path.join(dir, 'text.png'), 'not an image');
    const bytes = await fs.readFile(path.join(srcDir, 'kodim05.png'));
    await fs.writeFile(path.join(dir, 'truncated.png'), bytes.subarray(0, bytes.length >> 1));
    await fs.copyFile(path.join(ROOT, 'samples', 'kodim19.png'), path.join(dir, 'small.png')); // 256x384 < 300 crop? no: 256 fits
    const recipe = path.join(dir, 'r.json');
    await fs.writeFile(recipe, JSON.stringify({ ...RECIPE, crop: { mode: 'center', size: 300 } }));
    const out = path.join(await tempDir(), 'data');
    const r = await uir(['build-dataset', '-r', recipe, '-s', `${dir}/*.png`, '-o', out, '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const d = new Database(path.join(out, 'manifest.sqlite'), { readonly: true });
    const rejects = d.prepare('SELECT path, reason FROM rejects ORDER BY path').all() as { path: string; reason: string }[];
    const pairs = d.prepare("SELECT count(*) AS n FROM pairs WHERE status = 'done'").get() as { n: number };
    d.close();
    const reason = (name: string): string => rejects.find((x) => path.basename(x.path) === name)?.reason ?? '';
    expect(reason('empty.png')).toMatch(/empty file/);
    expect(reason('text.png')).toMatch(/not a readable image/);
    expect(reason('truncated.png')).toMatch(/truncated\.png: cannot decode png/);
    expect(reason('small.png')).toMatch(/256x384 is smaller than the 300x300 crop/);
    expect(reason('good.png') + reason('copy-of-good.png')).toMatch(/duplicate of .*(good|copy-of-good)\.png/);
    expect(rejects).toHaveLength(5);
    expect(pairs.n).toBe(1);
    const strict = await uir(['build-dataset', '-r', recipe, '-s', `${dir}/*.png`, '-o', path.join(await tempDir(), 'x'), '--strict', '--progress', 'none']);
    expect(strict.code).toBe(4);
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--strict stops at corruption found while decoding (a PNG whose header is fine, its data truncated), and a build whose every source is rejected exits 1', async () => {
    const dir = await tempDir('uir-strict-');
    await fs.copyFile(path.join(srcDir, 'kodim01.png'), path.join(dir, 'good.png'));
    const bytes = await fs.readFile(path.join(srcDir, 'kodim05.png'));
    await fs.writeFile(path.join(dir, 'truncated.png'), bytes.subarray(0, bytes.length >> 1));
    const strict = await uir(['build-dataset', '-r', recipeFile, '-s', `${dir}/*.png`, '-o', path.join(await tempDir(), 'x'), '--strict', '--progress', 'none']);
    expect(strict.code, strict.stderr).toBe(4);
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
    expect(strict.stderr).toMatch(/^uir: --strict: .*truncated\.png: cannot decode png/);
    // every source rejected: nothing built is a failure, in one line
    const bad = await tempDir('uir-allbad-');
    await fs.writeFile(path.join(bad, 'empty.png'), '');
    await fs.writeFile(path.join(bad, 'text.png'), 'not an image');
    await fs.writeFile(path.join(bad, 'truncated.png'), bytes.subarray(0, bytes.length >> 1));
    const none = await uir(['build-dataset', '-r', recipeFile, '-s', `${bad}/*.png`, '-o', path.join(await tempDir(), 'y'), '--progress', 'none']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr.trim()).toMatch(/^uir: no pairs built: every source was rejected \(3 this run; e\.g\. .*\); `uir manifest stats .*` lists the rejects$/);
  });

  it('fails clearly on an output folder it cannot write, and on a different recipe in the same folder', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'file'), 'x');
    const r = await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', path.join(dir, 'file', 'data'), '--progress', 'none']);
    expect(r.code).toBe(5);
    expect(r.stderr.trim()).toMatch(/^uir: .*file\/data: cannot write \(a parent is not a folder\)$/);
    const out = path.join(dir, 'data');
    expect((await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', `${srcDir}/kodim01.png`, '-o', out, '--progress', 'none'])).code).toBe(0);
    const other = await uir(['build-dataset', '-r', recipeFile, '-s', src(), '-o', out, '--progress', 'none']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/was built with recipe '5d'/);
  });
});

describe('recipes and planning', () => {
  it('names bad fields by dotted path', () => {
    expect(() => validateRecipe({ ...RECIPE, types: [{ type: 'haze', levels: [0, 14] }] })).toThrow(/types\.0\.levels: expected levels 1-13 of haze, received \[0,14\]/);
    expect(() => validateRecipe({ ...RECIPE, crop: { mode: 'tile', size: 8 } })).toThrow(/crop\.size: expected integer 16-8192, received 8/);
    expect(() => validateRecipe({ ...RECIPE, splits: { train: 0.5, val: 0.2 } })).toThrow(/splits: fractions must add up to 1, they add up to 0\.7/);
    expect(() => validateRecipe({ ...RECIPE, types: [{ type: 'fog' }] })).toThrow(/types\.0\.type: unknown degradation type "fog"/);
    expect(() => validateRecipe({ ...RECIPE, types: [{ type: 'noise', fixed: { sigmaa: 1 } }] })).toThrow(/types\.0\.fixed\.sigmaa: not a parameter of noise/);
    expect(() => validateRecipe({ ...RECIPE, bogus: 1 })).toThrow(/bogus: unknown field/);
  });
  it('checks a recipe\'s fixed params at load, at every depth, naming the recipe file', async () => {
    const file = path.join(await tempDir(), 'bad.json');
    await fs.writeFile(file, JSON.stringify({ ...RECIPE, types: [{ type: 'haze' }, { type: 'rain', fixed: { layers: [{ density: 'lots', length: 10, angle: 0, width: 1, intensity: 1 }] } }, { type: 'blur-jpeg', fixed: { steps: 'x' } }] }));
    const r = await uir(['build-dataset', '-r', file, '-s', src(), '-o', path.join(await tempDir(), 'd'), '--progress', 'none']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}: types.1.fixed.layers.0.density: expected number 0-1, received "lots"`);
    expect(r.stderr).toMatch(/types\.2\.fixed\.steps: expected \[.*\], received "x"/);
    expect(() => validateRecipe({ ...RECIPE, types: [{ type: 'noise', fixed: { sigma: 'high' } }] }, 'r.json')).toThrow(/^r\.json: types\.0\.fixed\.sigma: expected number 0-1, received "high"$/);
  });

  it('emits a JSON Schema that the bundled recipes reference and pass, and that catches what validation catches', async () => {
    const Ajv = (await import('ajv/dist/2020.js')).default;
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'recipe.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    for (const f of ['5d.json', 'uir-19.json']) {
      const j = JSON.parse(require_(f));
      expect(j.$schema).toBe('../schemas/recipe.schema.json');
      expect(validate(j), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    for (const bad of [{ ...RECIPE, bogus: 1 }, { ...RECIPE, types: [{ type: 'noise', fixed: { sigma: 'high' } }] }, { ...RECIPE, types: [{ type: 'fog' }] }, { ...RECIPE, crop: { mode: 'tile', size: 8 } }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(() => validateRecipe(bad)).toThrow(ConfigError);
    }
  });

  it('ships valid 5d and uir-19 recipes', async () => {
    for (const f of ['5d.json', 'uir-19.json']) expect(() => validateRecipe(JSON.parse(require_(f)), f)).not.toThrow();
    const five = validateRecipe(JSON.parse(require_('5d.json'))).recipe;
    expect(five.types.map((t) => t.type)).toEqual(['haze', 'rain-streak', 'noise', 'motion-blur', 'low-light']);
    const plan = planSource(five, 'ab'.repeat(32), 512, 512);
    expect(plan.pairs).toHaveLength(4 * 5);
    for (const p of plan.pairs.filter((x) => x.type === 'noise')) expect(p.params).toMatchObject({ variant: 'gaussian' });
  });
  it('tiles with overlap to the far edges', () => {
    const r = validateRecipe({ ...RECIPE, crop: { mode: 'tile', size: 256, overlap: 32 } }).recipe;
    const rects = cropRects(r, 600, 300);
    expect(rects.map((q) => q.x)).toEqual([0, 224, 344, 0, 224, 344]);
    expect(rects.map((q) => q.y)).toEqual([0, 0, 0, 44, 44, 44]);
  });
  it('reads the shard from --shard and from Kubernetes, Slurm and AWS Batch job arrays', () => {
    expect(resolveShard('2/8', {})).toEqual({ index: 2, count: 8 });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '3', UIR_SHARD_COUNT: '4' })).toEqual({ index: 3, count: 4 });
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '6', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 4, count: 6 });
    expect(resolveShard(undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '0', UIR_SHARD_COUNT: '2' })).toEqual({ index: 0, count: 2 });
    expect(resolveShard(undefined, {})).toBeNull();
    expect(() => resolveShard('4/4', {})).toThrow(/shard: expected shard index 0-3 of n >= 1, received 4\/4/);
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '1' })).toThrow(/UIR_SHARD_COUNT/);
  });
});

function require_(f: string): string {
  return readFileSync(path.join(ROOT, 'recipes', f), 'utf8');
}
