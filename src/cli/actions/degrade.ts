/** `uir degrade`: one type at one level over files or folders, or a replay of recorded params. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getOperator } from '../../degradations/index.js';
import { degrade, replay, checkLevel, type DegradationRecord } from '../../degrade.js';
import { readImage, writeImage, writeFileAtomic, formatFromPath, outputError, type OutputFormat } from '../../io/image-io.js';
import { ConfigError, InputError, UsageError } from '../../errors.js';
import { deriveSeed } from '../../rng.js';
import { expandInputs, parseSeed } from '../files.js';
import { Progress } from '../../progress.js';

export interface DegradeOptions {
  inputs: string[];
  type?: string;
  level?: number;
  output: string;
  seed: string;
  paramsOut?: string;
  params?: string;
  format?: OutputFormat;
  maxPixels?: number;
  progress?: 'auto' | 'bar' | 'plain' | 'none';
}

interface FileRecord extends DegradationRecord { input: string; output: string }

async function loadReplay(file: string): Promise<DegradationRecord[]> {
  let text: string;
  try { text = await fs.readFile(file, 'utf8'); } catch { throw new InputError(`--params: cannot read ${file}`); }
  let data: unknown;
  try { data = JSON.parse(text); } catch (e) { throw new ConfigError([{ path: file, message: `not valid JSON (${(e as Error).message})` }]); }
  const list = Array.isArray(data) ? data : [data];
  list.forEach((r, i) => {
    const at = Array.isArray(data) ? `${file}[${i}]` : file;
    if (typeof r !== 'object' || r === null) throw new ConfigError([{ path: at, message: 'expected a record written by --params-out' }]);
    for (const k of ['type', 'seed', 'params'] as const) if (!(k in r)) throw new ConfigError([{ path: `${at}.${k}`, message: 'required (a record written by --params-out)' }]);
  });
  return list as DegradationRecord[];
}

/**
 * Folder mode names each output after its input without the extension: a.png and a.jpg (or x.png in two input
 * folders) would write one file and lose the other, and an output may not replace an input. Checked before anything
 * is written.
 */
function checkTargets(files: string[], targets: string[]): void {
  const by = new Map<string, string>();
  const inputs = new Set(files.map((f) => path.resolve(f)));
  targets.forEach((t, i) => {
    const key = path.resolve(t);
    const other = by.get(key);
    if (other !== undefined) throw new UsageError(`${other} and ${files[i]} would both be written to ${t}; rename one, or degrade them into separate output folders`);
    if (inputs.has(key)) throw new UsageError(`${files[i]}: its output ${t} is an input file; choose another -o`);
    by.set(key, files[i]!);
  });
}

export async function degradeCommand(o: DegradeOptions): Promise<void> {
  const op = o.type ? getOperator(o.type) : null;
  const replays = o.params ? await loadReplay(o.params) : null;
  if (op && !replays) checkLevel(op, o.level!);
  const baseSeed = parseSeed(o.seed);
  const { files, fromFolder } = await expandInputs(o.inputs);
  const single = files.length === 1 && !fromFolder;
  if (replays && replays.length !== files.length) {
    throw new UsageError(`--params holds ${replays.length} record(s) but ${files.length} input(s) were given`);
  }

  // Output: a file for one input with an image extension, otherwise a folder.
  let outDir: string;
  let outFile: string | null = null;
  if (single && path.extname(o.output)) {
    formatFromPath(o.output);
    outFile = o.output;
    outDir = path.dirname(o.output);
  } else {
    if (path.extname(o.output) && /\.(png|jpe?g|webp|tiff?)$/i.test(o.output)) {
      throw new UsageError(`-o ${o.output}: several inputs need an output folder, not a file`);
    }
    outDir = o.output;
  }
  const ext = o.format === 'jpeg' ? 'jpg' : o.format ?? 'png';
  const targets = files.map((f) => outFile ?? path.join(outDir, path.basename(f, path.extname(f)) + '.' + ext));
  checkTargets(files, targets);
  try { await fs.mkdir(outDir, { recursive: true }); } catch (e) { throw outputError(outDir, e as NodeJS.ErrnoException); }

  const records: FileRecord[] = [];
  const failures: string[] = [];
  const progress = new Progress('degrade', files.length, single ? 'none' : Progress.modeFor(process.stderr, o.progress), 'images');
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    try {
      const { image } = await readImage(file, { maxPixels: o.maxPixels });
      let out, record: DegradationRecord;
      if (replays) {
        const r = replays[i]!;
        const rop = getOperator(r.type);
        out = await replay(image, rop, r.params, r.seed);
        record = { ...r, width: image.width, height: image.height };
      } else {
        const seed = single ? baseSeed : deriveSeed(baseSeed, path.basename(file));
        ({ image: out, record } = await degrade(image, op!, o.level!, seed));
      }
      const target = targets[i]!;
      await writeImage(out, target, { format: outFile ? undefined : o.format ?? 'png' });
      records.push({ ...record, input: file, output: target });
    } catch (err) {
      if (single || !(err instanceof InputError)) throw err;
      failures.push(err.message);
    }
    progress.update(i + 1);
  }
  if (!single) progress.finish(files.length);
  if (o.paramsOut) {
    const json = JSON.stringify(single ? records[0] : records, null, 2) + '\n';
    await writeFileAtomic(o.paramsOut, Buffer.from(json));
  }
  if (failures.length) {
    throw new InputError(`${failures.length} of ${files.length} inputs failed (the others were written): ${failures.join('; ')}`);
  }
}
