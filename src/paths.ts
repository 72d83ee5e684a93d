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
