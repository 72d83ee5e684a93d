/** Shared test helpers: real photographs from ../shared/data, copied to a temp dir before use. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { readImage } from '../src/io/image-io.js';
import { resize } from '../src/imgproc/resize.js';
import type { Image } from '../src/image.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = path.resolve(ROOT, '..', 'shared', 'data');

export async function tempDir(prefix = 'uir-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Copy named files from a shared data set into a fresh temp dir; returns their new paths. */
export async function copyShared(set: string, names: string[]): Promise<string[]> {
  const dir = await tempDir();
  const out: string[] = [];
  for (const n of names) {
    const dst = path.join(dir, n);
    await fs.copyFile(path.join(SHARED, set, n), dst);
    out.push(dst);
  }
  return out;
}

/** Real photographs, area-downscaled so the short side is `short` pixels (keeps the suite fast). */
export async function realPhotos(short = 200): Promise<Image[]> {
  const files = [
    ...(await copyShared('Kodak24/gt', ['kodim01.png', 'kodim13.png', 'kodim23.png'])),
    ...(await copyShared('CBSD68/gt', ['101087.png'])),
  ];
  const imgs: Image[] = [];
  for (const f of files) {
    const { image } = await readImage(f);
    const s = short / Math.min(image.width, image.height);
    imgs.push(resize(image, Math.round(image.width * s), Math.round(image.height * s), 'area'));
  }
  return imgs;
}

interface Result { code: number; stdout: string; stderr: string }
/** Run the built CLI (bin/uir.js) in a child process. */
export function uir(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'uir.js'), ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

