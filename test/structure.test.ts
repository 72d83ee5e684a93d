/**
 * The architecture, checked so it stays true (a small scan of imports and text, design.md): layers import only
 * downwards (the wasm runtime at the bottom; degradations never import pipeline; model never imports pipeline), SQL
 * and better-sqlite3 only in src/manifest/, process.exit only in bin/, pointers to wasm memory only in src/wasm/,
 * and no function over 80 lines outside assembly/.
 */
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers.js';

/** Layer of each part of src/ (a file or a folder), bottom first; a file imports only from lower layers or its own folder. */
const LAYERS: Record<string, number> = {
  'paths.ts': 0, 'errors.ts': 0, 'gc.ts': 0,
  'wasm': 1, 'versions.ts': 1,
  'schema.ts': 2, 'rng.ts': 2, 'image.ts': 2, 'progress.ts': 2,
  'imgproc': 3, 'io': 3,
  'metrics': 4,
  'degradations': 5,
  'degrade.ts': 6, 'manifest': 6,
  'pipeline': 7, 'model': 7, 'serve': 7,
  'cli': 8,
};
async function files(dir: string, ext = '.ts'): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p, ext)));
    else if (p.endsWith(ext)) out.push(p);
  }
  return out;
}

/** The part of src/ a path belongs to ('model', 'image.ts', ...). */
const partOf = (file: string): string => path.relative(path.join(ROOT, 'src'), file).split(path.sep)[0]!;

describe('the layers of src/', () => {
  it('every part has a layer, and each import goes to a lower layer or stays in its own folder', async () => {
    const wrong: string[] = [];
    for (const f of await files(path.join(ROOT, 'src'))) {
      const from = partOf(f);
      expect(LAYERS[from], `${from} has no layer in test/structure.test.ts`).toBeDefined();
      const text = await fs.readFile(f, 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const to = partOf(path.resolve(path.dirname(f), m[1]!).replace(/\.js$/, '.ts'));
        if (to === from) continue;
        if (!(LAYERS[to]! < LAYERS[from]!)) wrong.push(`${path.relative(ROOT, f)} imports ${m[1]} (${from}, layer ${LAYERS[from]}, -> ${to}, layer ${LAYERS[to]})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('SQL and better-sqlite3 only in src/manifest/; process.exit only in bin/; withScratch only in src/wasm/', async () => {
    const wrong: string[] = [];
    for (const f of await files(path.join(ROOT, 'src'))) {
      const rel = path.relative(ROOT, f), part = partOf(f);
      const code = (await fs.readFile(f, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (part !== 'manifest' && /\b(SELECT\s|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+(TABLE|INDEX)|PRAGMA\s)/.test(code)) wrong.push(`${rel}: SQL`);
      if (part !== 'manifest' && /from\s+'better-sqlite3'/.test(code)) wrong.push(`${rel}: imports better-sqlite3`);
      if (/process\.exit\s*\(/.test(code)) wrong.push(`${rel}: process.exit`);
      if (part !== 'wasm' && /\bwithScratch\b/.test(code)) wrong.push(`${rel}: withScratch`);
    }
    expect(wrong).toEqual([]);
  });

  it('no function over 80 lines outside assembly/ (src, bin, bench)', async () => {
    const long: string[] = [];
    const all = [...(await files(path.join(ROOT, 'src'))), ...(await files(path.join(ROOT, 'bench'))), ...(await files(path.join(ROOT, 'bin'), '.js'))];
    for (const f of all) {
      const sf = ts.createSourceFile(f, await fs.readFile(f, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): void => {
        if (ts.isFunctionLike(n) && 'body' in n && n.body) {
          const a = sf.getLineAndCharacterOfPosition(n.getStart()).line, b = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
          if (b - a + 1 > 80) long.push(`${path.relative(ROOT, f)}:${a + 1} (${b - a + 1} lines)`);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(long).toEqual([]);
  });
});
