/** `uir classify`: the degradation type of each image (whole image when it fits, else a grid of crops). */
import { selectBackend, type BackendChoice } from '../../model/backend.js';
import { loadCheckpoint } from '../../model/checkpoint.js';
import { trainingPatch } from '../../model/config.js';
import { classifyImage, type ClassifyPolicy } from '../../model/classify.js';
import { parseBytes } from '../../model/memory.js';
import { readImage } from '../../io/image-io.js';
import { Progress } from '../../progress.js';
import { expandInputs } from '../files.js';

export interface ClassifyOptions { model: string; inputs: string[]; backend: BackendChoice; top: number; json: boolean; memoryLimit?: string; progress?: 'auto' | 'bar' | 'plain' | 'none' }

export async function classifyCommand(a: ClassifyOptions): Promise<void> {
  const memoryLimit = a.memoryLimit !== undefined ? parseBytes(a.memoryLimit, '--memory-limit') : undefined;
  const { files } = await expandInputs(a.inputs);
  await selectBackend(a.backend, (l) => process.stderr.write(l + '\n'));
  const { model, meta } = await loadCheckpoint(a.model);
  const crop = trainingPatch(meta);
  const out: { file: string; width: number; height: number; predictions: { type: string; p: number }[]; policy: ClassifyPolicy }[] = [];
  const progress = new Progress('classify', files.length, Progress.modeFor(process.stderr, a.progress), 'images');
  try {
    for (const f of files) {
      const { image } = await readImage(f);
      const r = await classifyImage(model, image, { crop, memoryLimit, name: f });
      const predictions = model.config.classes.map((t, i) => ({ type: t, p: r.probs[i]! })).sort((x, y) => y.p - x.p).slice(0, a.top);
      out.push({ file: f, width: image.width, height: image.height, predictions, policy: r.policy });
      progress.update(out.length);
    }
  } finally { model.dispose(); }
  if (files.length > 1) progress.finish(out.length);
  if (a.json) { process.stdout.write(JSON.stringify(out, null, 2) + '\n'); return; }
  for (const r of out) {
    const how = r.policy.mode === 'whole' ? 'whole image' : `mean of ${r.policy.crops} crops of ${r.policy.crop} px`;
    process.stdout.write(`${r.file}: ${r.predictions.map((p) => `${p.type} ${(100 * p.p).toFixed(1)}%`).join(', ')}  (${how})\n`);
  }
}
