/** Tool and library versions recorded with every run (codec builds change output bytes). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { packageRoot } from './paths.js';

const require = createRequire(import.meta.url);

export function toolVersions(): Record<string, string> {
  const pkg = (name: string): string => { try { return (require(`${name}/package.json`) as { version: string }).version; } catch { return 'unknown'; } };
  let uir = 'unknown';
  try { uir = (JSON.parse(readFileSync(path.join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string }).version; } catch { /* keep unknown */ }
  const v = sharp.versions as Record<string, string | undefined>;
  return {
    uir, node: process.version, sharp: v.sharp ?? 'unknown', libvips: v.vips ?? 'unknown', 'better-sqlite3': pkg('better-sqlite3'),
    libjpeg: v.mozjpeg ? `mozjpeg ${v.mozjpeg}` : 'unknown', libpng: v.png ?? 'unknown', libwebp: v.webp ?? 'unknown',
  };
}
