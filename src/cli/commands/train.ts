/** `uir train` and `uir classify`: thin wrappers over src/model (loaded only when these commands run). */
import { train, loadCheckpoint } from '../../model/train.js';
import { selectBackend, type BackendChoice } from '../../model/backend.js';
import { readImage } from '../../io/image-io.js';
import { UsageError } from '../../errors.js';
import * as tf from '@tensorflow/tfjs-core';

export function parseRepeat(spec: string | undefined): Record<string, number> | undefined {
  if (!spec) return undefined;
  const out: Record<string, number> = {};
  for (const part of spec.split(',')) {
    const m = /^([\w-]+)=(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!m || Number(m[2]) <= 0) throw new UsageError(`--repeat: expected type=factor,... such as haze=1,rain-streak=300, received '${part}'`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export async function trainCommand(a: Record<string, unknown>): Promise<void> {
  const log = (l: string): void => { process.stderr.write(l + '\n'); };
  const r = await train({
    manifest: String(a.manifest), out: String(a.out), arch: String(a.arch), steps: Number(a.steps), batch: Number(a.batch), patch: Number(a.patch),
    seed: Number(a.seed), split: String(a.split), types: (a.type as string[] | undefined)?.flatMap((t) => t.split(',')), repeat: parseRepeat(a.repeat as string | undefined),
    balance: Boolean(a.balance), lrEncoder: Number(a['lr-encoder']), lrDecoder: Number(a['lr-decoder']), ckptEvery: Number(a['ckpt-every']), resume: Boolean(a.resume),
    backend: a.backend as BackendChoice, maskRatio: Number(a['mask-ratio']), maskPatch: Number(a['mask-patch']), progress: a.progress as 'auto',
    finetune: a.init ? { init: String(a.init), ema: Number(a.ema ?? 0.999) } : undefined,
    threads: a.threads === undefined ? undefined : Number(a.threads),
  }, log);
  process.stdout.write(`trained to step ${r.step}: loss ${r.loss.toFixed(4)}, batch accuracy ${(100 * r.acc).toFixed(0)}%; checkpoint ${r.checkpoint}\n`);
}

export async function classifyCommand(a: { model: string; inputs: string[]; backend: BackendChoice; top: number; json: boolean }): Promise<void> {
  await selectBackend(a.backend);
  const { model } = await loadCheckpoint(a.model);
  const out: { file: string; predictions: { type: string; p: number }[] }[] = [];
  for (const f of a.inputs) {
    const { image } = await readImage(f);
    const P = model.config.maskPatch * 2 ** model.net.depth;
    const w = Math.max(P, Math.floor(image.width / P) * P), h = Math.max(P, Math.floor(image.height / P) * P);
    if (image.width < P || image.height < P) throw new UsageError(`${f}: ${image.width}x${image.height} is smaller than ${P}x${P}`);
    const probs = tf.tidy(() => {
      const x = tf.slice(tf.tensor4d(image.data, [1, image.height, image.width, 3]), [0, 0, 0, 0], [1, h, w, 3]) as tf.Tensor4D;
      return tf.softmax(model.forward(x).logits).dataSync();
    });
    const preds = model.config.classes.map((t, i) => ({ type: t, p: probs[i]! })).sort((x, y) => y.p - x.p).slice(0, a.top);
    out.push({ file: f, predictions: preds });
  }
  if (a.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else for (const r of out) process.stdout.write(`${r.file}: ${r.predictions.map((p) => `${p.type} ${(100 * p.p).toFixed(1)}%`).join(', ')}\n`);
  model.dispose();
}

export async function restoreCommand(a: { model: string; inputs: string[]; output: string; backend: BackendChoice; tile: number }): Promise<void> {
  const { promises: fs } = await import('node:fs');
  const path = await import('node:path');
  const { writeImage } = await import('../../io/image-io.js');
  const { restoreImage } = await import('../../model/restore.js');
  const { expandInputs } = await import('../files.js');
  await selectBackend(a.backend);
  const { model } = await loadCheckpoint(a.model, { ema: true });
  const { files, fromFolder } = await expandInputs(a.inputs);
  const single = files.length === 1 && !fromFolder && path.extname(a.output) !== '';
  if (!single) await fs.mkdir(a.output, { recursive: true });
  for (const f of files) {
    const { image } = await readImage(f);
    const out = restoreImage(model, image, a.tile);
    await writeImage(out, single ? a.output : path.join(a.output, path.basename(f, path.extname(f)) + '.png'));
  }
  process.stdout.write(`restored ${files.length} image(s) -> ${a.output}\n`);
  model.dispose();
}
