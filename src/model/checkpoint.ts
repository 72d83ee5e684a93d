/**
 * Checkpoints (safetensors): weights, the AdamW state, the EMA weights of fine-tuning, and metadata (format, model
 * config, step, seed, the dataset's identity, the class list and the training configuration, `train`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MaskDcpt, type MaskDcptConfig } from './maskdcpt.js';
import type { AdamW } from './optim.js';
import { saveSafetensors, loadSafetensors, type NamedArray } from './safetensors.js';
import { ConfigError } from '../errors.js';

/** The named tensors' values, read asynchronously (a GPU backend has no synchronous read in Node). */
async function readAll(named: [string, tf.Tensor][]): Promise<Map<string, NamedArray>> {
  const values = await Promise.all(named.map(([, t]) => t.data()));
  return new Map(named.map(([n, t], i) => [n, { shape: t.shape, data: values[i] as Float32Array }]));
}

export async function saveCheckpoint(file: string, model: MaskDcpt, opt: AdamW | null, meta: Record<string, string>, ema?: Map<string, tf.Tensor>): Promise<void> {
  const named: [string, tf.Tensor][] = [...model.variables()];
  if (opt) for (const [which, moments] of [['m', opt.m], ['v', opt.v]] as const) for (const [n, t] of moments) named.push([`optim.${which}.${n}`, t]);
  for (const [n, t] of ema ?? []) named.push([`ema.${n}`, t]);
  const tensors = await readAll(named);
  await saveSafetensors(file, tensors, { format: 'uir-maskdcpt', config: JSON.stringify(model.config), optimStep: String(opt?.step ?? 0), ...meta });
}

/** Load a checkpoint into a new model (and optimizer state, if asked). */
export async function loadCheckpoint(file: string, expect?: { arch?: string; classes?: string[]; ema?: boolean }): Promise<{ model: MaskDcpt; meta: Record<string, string>; tensors: Map<string, NamedArray> }> {
  const { tensors, metadata } = await loadSafetensors(file);
  if (metadata.format !== 'uir-maskdcpt') throw new ConfigError([{ path: file, message: `not a uir MaskDCPT checkpoint (format '${metadata.format ?? 'none'}')` }]);
  const config = JSON.parse(metadata.config!) as MaskDcptConfig;
  if (expect?.arch && expect.arch !== config.arch) throw new ConfigError([{ path: file, message: `checkpoint is architecture '${config.arch}', not '${expect.arch}'` }]);
  if (expect?.classes && JSON.stringify(expect.classes) !== JSON.stringify(config.classes)) {
    throw new ConfigError([{ path: file, message: `checkpoint classes [${config.classes.join(', ')}] do not match [${expect.classes.join(', ')}]` }]);
  }
  const model = new MaskDcpt(config, 0);
  for (const [n, v] of model.variables()) {
    const t = (expect?.ema ? tensors.get(`ema.${n}`) : undefined) ?? tensors.get(n);
    if (!t || t.data.length !== v.size) throw new ConfigError([{ path: file, message: `parameter ${n} is missing or has the wrong size` }]);
    v.assign(tf.tensor(t.data, v.shape));
  }
  return { model, meta: metadata, tensors };
}

/** The latest ckpt-*.safetensors of a run folder, or null. */
export async function latestCheckpoint(out: string): Promise<string | null> {
  const names = (await fs.readdir(out).catch(() => [] as string[])).filter((n) => /^ckpt-\d+\.safetensors$/.test(n)).sort();
  return names.length ? path.join(out, names[names.length - 1]!) : null;
}
