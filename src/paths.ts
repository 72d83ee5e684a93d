/** Where the package lives (to find the wasm modules built next to it, from src/ in tests or dist/ when installed). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'assembly'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('uir: cannot find the package root (with assembly/) above ' + fileURLToPath(from));
    dir = up;
  }
}

/**
 * The built JavaScript file `name` beside the module `from` (its import.meta.url): right next to it when running built
 * code, or its copy under dist/ when running from TypeScript sources (tests), which must have been built first.
 */
export function builtFileBeside(from: string, name: string): string {
  const here = fileURLToPath(from);
  if (!here.endsWith('.ts')) return path.join(path.dirname(here), name);
  const root = packageRoot(from);
  const dist = path.join(root, 'dist', path.relative(root, path.dirname(here)), name);
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` first`);
  return dist;
}
