/**
 * The training configuration: one schema (src/schema.ts machinery) from which its TypeScript type, its validation
 * (every field named in the message: `{batch}: expected integer 1-4096, received 0`, printed as `--batch` by the CLI)
 * and the JSON Schema `uir schema training` prints are derived. Every checkpoint records the resolved configuration
 * (metadata `train`); --resume takes the run settings (RUN_DEFAULTS' keys) and the objective from it.
 */
import { z, fields, num, int, choice, flag, problems } from '../schema.js';
import { UsageError } from '../errors.js';
import { ARCH_NAMES } from './archs/index.js';

import { RUN_DEFAULTS, LR_DEFAULTS, EMA_DEFAULT, ARCH_DEFAULT, CKPT_EVERY_DEFAULT, BACKEND_CHOICES, type RunSettings } from './defaults.js';

export { RUN_DEFAULTS, LR_DEFAULTS, EMA_DEFAULT, type RunSettings };

export const trainingSchema = fields({
  objective: choice(['pretrain', 'finetune'], 'pretrain: masked degradation classification + reconstruction (MaskDCPT); finetune: all-in-one restoration from init (no mask, L1, cosine LR, EMA).').default('pretrain'),
  data: z.string().min(1).describe('Dataset folder built by build-dataset or ingest.'),
  out: z.string().min(1).describe('Run folder: checkpoints and metrics.jsonl.'),
  arch: choice(ARCH_NAMES as [string, ...string[]], 'Network architecture (a registered preset).').default(ARCH_DEFAULT),
  steps: int(1, 1e9, 'Training steps (the total, on --resume too).'),
  batch: int(1, 4096, `Batch size (default ${RUN_DEFAULTS.batch}; on resume, the run's own).`).optional(),
  patch: int(8, 4096, `Crop side, a multiple of maskPatch (default ${RUN_DEFAULTS.patch}; on resume, the run's own).`).optional(),
  seed: int(0, 2 ** 31 - 1, `Seed of initialisation, sampling, crops and masks (default ${RUN_DEFAULTS.seed}; on resume, the run's own).`).optional(),
  maskRatio: z.number().min(0).lt(1).describe(`Share of hidden mask patches (default ${RUN_DEFAULTS.maskRatio}; on resume, the run's own).`).optional(),
  maskPatch: int(1, 1024, `Mask patch side in pixels (default ${RUN_DEFAULTS.maskPatch}; on resume, the run's own).`).optional(),
  split: choice(['train', 'val', 'test'], 'Split to train on.').default('train'),
  types: z.array(z.string().min(1)).describe('Only these types.').optional(),
  repeat: z.record(z.string(), z.number().positive()).describe('Repeat factor per type (haze=1, rain-streak=300, ...).').optional(),
  balance: flag('Draw every type equally often.').default(false),
  lrEncoder: num(0, 1, `Learning rate of the encoder (AdamW; the cosine peak when fine-tuning; default ${LR_DEFAULTS.pretrain.encoder}).`).optional(),
  lrDecoder: num(0, 1, `Learning rate of the decoders, classifier and ending conv (default ${LR_DEFAULTS.pretrain.decoder} pre-training, ${LR_DEFAULTS.finetune.decoder} fine-tuning).`).optional(),
  ckptEvery: int(1, 1e9, 'Checkpoint every N steps (and at the end).').default(CKPT_EVERY_DEFAULT),
  resume: flag('Continue from the latest checkpoint in out with its recorded run settings.').default(false),
  backend: choice(BACKEND_CHOICES, 'TensorFlow.js backend: auto takes tfjs-node-gpu, then WebGPU on a hardware GPU, then tfjs-node, then wasm.').default('auto'),
  threads: int(1, 1024, 'Data-parallel replicas on the wasm backend (default: every core, at most the batch size).').optional(),
  progress: choice(['auto', 'bar', 'plain', 'none'], 'Progress display.').default('auto'),
  init: z.string().min(1).describe('Fine-tuning: the pre-trained checkpoint.').optional(),
  ema: z.number().gt(0).lt(1).describe(`Fine-tuning: EMA decay of the weights (default ${EMA_DEFAULT}).`).default(EMA_DEFAULT),
});

/** What a caller gives (defaults may be left out). */
export type TrainingInput = z.input<typeof trainingSchema>;
/** A validated configuration with its defaults, before the run settings are resolved against a checkpoint. */
export type TrainingConfig = z.output<typeof trainingSchema>;
/** The configuration a run trains with. */
export type ResolvedTraining = Omit<TrainingConfig, keyof RunSettings | 'lrEncoder' | 'lrDecoder'> & RunSettings & { lrEncoder: number; lrDecoder: number };

/** Validate a configuration: every problem at once, each naming its field (an error of the options: exit 2). */
export function parseTraining(input: TrainingInput): TrainingConfig {
  const found = problems(trainingSchema, input, '', 'unknown setting');
  const c = found.length ? null : trainingSchema.parse(input);
  if (c?.objective === 'finetune' && !c.init) found.push({ path: 'init', message: 'fine-tuning needs the pre-trained checkpoint to start from' });
  if (c?.objective === 'pretrain' && c.init) found.push({ path: 'init', message: 'only fine-tuning starts from a checkpoint (pre-training continues one with resume)' });
  if (c?.repeat && c.balance) found.push({ path: 'repeat', message: 'repeat and balance: choose one' });
  if (found.length) throw new UsageError(found.map((p) => `{${p.path}}: ${p.message}`).join('; '));
  return c!;
}

/** The run settings and objective a checkpoint records (older checkpoints: the seed, and the mask in the model config). */
export function recordedSettings(meta: Record<string, string>): Partial<RunSettings> & { objective?: 'pretrain' | 'finetune' } {
  const config = meta.config ? (JSON.parse(meta.config) as { maskRatio?: number; maskPatch?: number }) : {};
  const fromConfig = { maskRatio: config.maskRatio, maskPatch: config.maskPatch, seed: meta.seed !== undefined ? Number(meta.seed) : undefined };
  const train = meta.train ? (JSON.parse(meta.train) as Partial<RunSettings> & { objective?: 'pretrain' | 'finetune' }) : {};
  const out: Partial<RunSettings> & { objective?: 'pretrain' | 'finetune' } = { ...fromConfig };
  for (const k of [...Object.keys(RUN_DEFAULTS), 'objective'] as const) if ((train as Record<string, unknown>)[k] !== undefined) (out as Record<string, unknown>)[k] = (train as Record<string, unknown>)[k];
  return out;
}

/** The crop side a checkpoint was trained on (the classifier's resolution); the default when not recorded. */
export function trainingPatch(meta: Record<string, string>): number {
  return recordedSettings(meta).patch ?? RUN_DEFAULTS.patch;
}

/**
 * The configuration a run trains with: given settings over defaults; on resume, the checkpoint's run settings and
 * objective, a given setting that disagrees being an error (never silently the default).
 */
export function resolveTraining(c: TrainingConfig, recorded?: ReturnType<typeof recordedSettings>, from = 'the checkpoint'): ResolvedTraining {
  if (recorded?.objective && recorded.objective !== c.objective) {
    throw new UsageError(`{resume}: ${from} is a ${recorded.objective === 'finetune' ? 'fine-tuning' : 'pre-training'} run; continue it with \`uir ${recorded.objective === 'finetune' ? 'finetune' : 'train'}\``);
  }
  const run = { ...RUN_DEFAULTS };
  for (const k of Object.keys(RUN_DEFAULTS) as (keyof RunSettings)[]) {
    const given = c[k], rec = recorded?.[k];
    if (given !== undefined && rec !== undefined && given !== rec) {
      throw new UsageError(`{${k}} ${given}: {resume} continues a run trained with {${k}} ${rec} (${from}); drop the setting, or start a new run in another {out}`);
    }
    run[k] = given ?? rec ?? RUN_DEFAULTS[k];
  }
  if (run.patch % run.maskPatch) throw new UsageError(`{patch}: expected a multiple of the mask patch ${run.maskPatch}, received ${run.patch}`);
  const lr = LR_DEFAULTS[c.objective];
  return { ...c, ...run, lrEncoder: c.lrEncoder ?? lr.encoder, lrDecoder: c.lrDecoder ?? lr.decoder };
}

/** What a checkpoint records of its configuration: what defines the run, not where it ran or how it was shown. */
export function recordedTraining(c: ResolvedTraining): Record<string, unknown> {
  const { data: _d, out: _o, resume: _r, backend: _b, progress: _p, threads: _t, ckptEvery: _k, ...kept } = c;
  return kept;
}
