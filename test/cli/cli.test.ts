/** The command line as a user runs it: the built bin/uir.js in a child process (npm test builds first). */
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ROOT, SHARED, copyShared, tempDir, uir } from '../helpers.js';

describe('uir list', () => {
  it('prints every type with code and level count, and JSON with 19 types and 200+ levels', async () => {
    const t = await uir(['list']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/rain-streak\s+RS\s+12/);
    expect(t.stdout).toMatch(/19 types, \d{3} levels/);
    const j = JSON.parse((await uir(['list', '--json'])).stdout);
    expect(j.types).toHaveLength(19);
    expect(j.totalLevels).toBeGreaterThanOrEqual(200);
    const one = await uir(['list', 'J']);
    expect(one.stdout).toMatch(/quality 95/);
    expect(one.stdout).toMatch(/quality \(integer \[1, 100\]\)/);
  });
});

describe('uir degrade', () => {
  it('folder mode refuses colliding output names (a.png and a.jpg) and outputs that replace inputs, before writing anything', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'in'));
    await fs.copyFile(path.join(ROOT, 'samples/kodim03.png'), path.join(dir, 'in', 'a.png'));
    await sharp(path.join(ROOT, 'samples/kodim05.png')).jpeg().toFile(path.join(dir, 'in', 'a.jpg'));
    const out = path.join(dir, 'out');
    const r = await uir(['degrade', '-t', 'GN', '-l', '3', path.join(dir, 'in'), '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`uir: ${path.join(dir, 'in', 'a.jpg')} and ${path.join(dir, 'in', 'a.png')} would both be written to ${path.join(out, 'a.png')}; rename one, or degrade them into separate output folders`);
    await expect(fs.stat(out)).rejects.toThrow();
    await fs.rm(path.join(dir, 'in', 'a.jpg'));
    const over = await uir(['degrade', '-t', 'GN', '-l', '3', path.join(dir, 'in'), '-o', path.join(dir, 'in')]);
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/a\.png: its output .*a\.png is an input file; choose another -o/);
    expect((await fs.readFile(path.join(dir, 'in', 'a.png'))).equals(await fs.readFile(path.join(ROOT, 'samples/kodim03.png')))).toBe(true);
  });

  it('degrades a file, records params, and replays them byte for byte', async () => {
    const [src] = await copyShared('Kodak24/gt', ['kodim23.png']);
    const dir = path.dirname(src!);
    const r = await uir(['degrade', '--type', 'rain', '--level', '3', src!, '-o', path.join(dir, 'out.png'), '--seed', '11', '--params-out', path.join(dir, 'p.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rec = JSON.parse(await fs.readFile(path.join(dir, 'p.json'), 'utf8'));
    expect(rec).toMatchObject({ type: 'rain-streak', code: 'RS', level: 3, seed: 11 });
    const again = await uir(['degrade', '--params', path.join(dir, 'p.json'), src!, '-o', path.join(dir, 'again.png')]);
    expect(again.code).toBe(0);
    expect((await fs.readFile(path.join(dir, 'out.png'))).equals(await fs.readFile(path.join(dir, 'again.png')))).toBe(true);
    const meta = await sharp(path.join(dir, 'out.png')).metadata();
    expect([meta.width, meta.height]).toEqual([768, 512]);
  });

  it('takes a folder in and writes a folder out, by short code', async () => {
    const srcs = await copyShared('CBSD68/gt', ['101087.png', '102061.png']);
    const out = path.join(await tempDir(), 'out');
    const r = await uir(['degrade', '-t', 'gn', '-l', '5', path.dirname(srcs[0]!), '-o', out, '--params-out', path.join(out, 'params.json')]);
    expect(r.code).toBe(0);
    expect((await fs.readdir(out)).sort()).toEqual(['101087.png', '102061.png', 'params.json']);
    const recs = JSON.parse(await fs.readFile(path.join(out, 'params.json'), 'utf8'));
    expect(recs).toHaveLength(2);
    expect(recs[0].seed).not.toBe(recs[1].seed);
  });

  it('folder mode does not depend on what else is in the folder: b degraded with a or alone has the same bytes and seed', async () => {
    const dir = await tempDir();
    for (const d of ['ab', 'b']) await fs.mkdir(path.join(dir, d));
    for (const [f, d] of [['101087.png', 'ab'], ['102061.png', 'ab'], ['102061.png', 'b']] as const) await fs.copyFile(path.join(SHARED, 'CBSD68/gt', f), path.join(dir, d, f));
    for (const d of ['ab', 'b']) {
      const r = await uir(['degrade', '-t', 'rain', '-l', '5', path.join(dir, d), '-o', path.join(dir, `out-${d}`), '--seed', '4', '--params-out', path.join(dir, `out-${d}`, 'p.json')]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await fs.readFile(path.join(dir, 'out-ab', '102061.png'))).equals(await fs.readFile(path.join(dir, 'out-b', '102061.png')))).toBe(true);
    const seedOf = async (d: string): Promise<number> => (JSON.parse(await fs.readFile(path.join(dir, d, 'p.json'), 'utf8')) as { input: string; seed: number }[]).find((x) => x.input.endsWith('102061.png'))!.seed;
    expect(await seedOf('out-ab')).toBe(await seedOf('out-b'));
  });

  it('fails with one clear line and a non-zero exit on bad input, leaving no output', async () => {
    const dir = await tempDir();
    const unknown = await uir(['degrade', '--type', 'fog', '--level', '1', 'x.png', '-o', path.join(dir, 'o.png')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/unknown degradation type 'fog'; valid types: noise \(GN\)/);
    const range = await uir(['degrade', '--type', 'haze', '--level', '14', 'x.png', '-o', path.join(dir, 'o.png')]);
    expect(range.stderr.trim()).toBe('uir: --level: haze has levels 1-13, received 14');
    await fs.writeFile(path.join(dir, 'zero.png'), '');
    const zero = await uir(['degrade', '--type', 'haze', '--level', '2', path.join(dir, 'zero.png'), '-o', path.join(dir, 'o.png')]);
    expect(zero.code).toBe(4);
    expect(zero.stderr).toMatch(/zero\.png: empty file \(0 bytes\), not an image/);
    expect(zero.stderr).not.toMatch(/\n\s+at /);
    await fs.writeFile(path.join(dir, 'junk.jpg'), Buffer.from('this is not a jpeg at all'));
    const junk = await uir(['degrade', '--type', 'haze', '--level', '2', path.join(dir, 'junk.jpg'), '-o', path.join(dir, 'o.png')]);
    expect(junk.code).toBe(4);
    expect(junk.stderr).toMatch(/junk\.jpg: not a readable image/);
    expect(await fs.readdir(dir)).toEqual(['junk.jpg', 'zero.png']);
    const flag = await uir(['degrade', '--type', 'haze', '--level', '2', 'x.png', '-o', 'y.png', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown argument: bogus/);
  });
});

describe('uir preview', () => {
  it('renders a contact sheet with one row per type and the chosen columns', async () => {
    const dir = await tempDir();
    const r = await uir(['preview', path.join(ROOT, 'samples', 'kodim23.png'), '-o', path.join(dir, 'sheet.png'), '--types', 'rain,GN', '--columns', '4', '--cell', '64']);
    expect(r.code).toBe(0);
    const meta = await sharp(path.join(dir, 'sheet.png')).metadata();
    // 2 rows of (64 + caption 20 + gap 4) + top gap; 210 px labels + 5 columns of 96 + 4 gap
    expect(meta.height).toBe(4 + 2 * (64 + 20 + 4));
    expect(meta.width).toBe(210 + 5 * (96 + 4) + 4);
  });
});
