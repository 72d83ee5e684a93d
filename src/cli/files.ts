/** Expanding input arguments (files and folders) into image files, with errors that name the path. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { INPUT_EXTENSIONS } from '../io/image-io.js';

export async function expandInputs(inputs: readonly string[]): Promise<{ files: string[]; fromFolder: boolean }> {
  const files: string[] = [];
  let fromFolder = false;
  for (const input of inputs) {
    let st;
    try { st = await fs.stat(input); } catch { throw new InputError(`${input}: no such file or folder`); }
    if (st.isDirectory()) {
      fromFolder = true;
      const names = (await fs.readdir(input)).filter((n) => INPUT_EXTENSIONS.includes(path.extname(n).toLowerCase())).sort();
      if (names.length === 0) throw new InputError(`${input}: folder has no images (${INPUT_EXTENSIONS.join(' ')})`);
      files.push(...names.map((n) => path.join(input, n)));
    } else files.push(input);
  }
  return { files, fromFolder };
}

/** A seed from the command line: digits become a number, anything else stays a string key. */
export function parseSeed(s: string | number): number | string {
  const t = String(s).trim();
  if (/^\d{1,15}$/.test(t)) return Number(t);
  if (t === '') throw new InputError('--seed: expected a number or a non-empty string');
  return t;
}
