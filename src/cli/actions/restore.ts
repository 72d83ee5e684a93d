/** `uir restore`: restore images with a checkpoint, whole when they fit in memory, else in blended tiles. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { selectBackend, type BackendChoice } from '../../model/backend.js';
import { loadCheckpoint } from '../../model/checkpoint.js';
import { planRestore, restoreImage, describeRestorePlan } from '../../model/restore.js';
import { parseBytes } from '../../model/memory.js';
import { readImage, writeImage } from '../../io/image-io.js';
import { Progress } from '../../progress.js';
import { expandInputs } from '../files.js';

export interface RestoreCommandOptions {
  model: string; inputs: string[]; output: string; backend: BackendChoice;
  tile?: number; overlap?: number; memoryLimit?: string; progress?: 'auto' | 'bar' | 'plain' | 'none';
}

export async function restoreCommand(a: RestoreCommandOptions): Promise<void> {
  const memoryLimit = a.memoryLimit !== undefined ? parseBytes(a.memoryLimit, '--memory-limit') : undefined;
  const { files, fromFolder } = await expandInputs(a.inputs);
  const single = files.length === 1 && !fromFolder && path.extname(a.output) !== '';
  await selectBackend(a.backend, (l) => process.stderr.write(l + '\n'));
  const { model } = await loadCheckpoint(a.model, { ema: true });
  if (!single) await fs.mkdir(a.output, { recursive: true });
  const told = new Set<string>();
  const progress = new Progress('restore', files.length, Progress.modeFor(process.stderr, a.progress), 'images');
  try {
    for (const [i, f] of files.entries()) {
      const { image } = await readImage(f);
      const plan = await planRestore(model, image.width, image.height, { tile: a.tile, overlap: a.overlap, memoryLimit }, f);
      const how = describeRestorePlan(plan);
      if (plan.mode === 'tiles' && !told.has(`${plan.tile}/${plan.overlap}`)) { told.add(`${plan.tile}/${plan.overlap}`); process.stderr.write(`restore: ${path.basename(f)}: ${how}\n`); }
      const out = await restoreImage(model, image, plan, f);
      await writeImage(out, single ? a.output : path.join(a.output, path.basename(f, path.extname(f)) + '.png'));
      progress.update(i + 1);
    }
  } finally { model.dispose(); }
  if (files.length > 1) progress.finish(files.length);
  process.stdout.write(`restored ${files.length} image(s) -> ${a.output}\n`);
}
