/**
 * Option tables the commands share, each declared once, and `defineCommand`, which types a command module's handler
 * from its builder. Library errors name fields (`level`, `maskRatio`); `flagFor` is the one map from a field to its
 * flag, used by bin/ when it prints an error.
 */
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { ARCH_DEFAULT, BACKEND_CHOICES, CKPT_EVERY_DEFAULT, RUN_DEFAULTS, type BackendChoice } from '../model/defaults.js';

/** A command module whose handler sees the options its builder declares. */
export function defineCommand<T>(c: { command: string; describe: string; builder: (y: Argv) => Argv<T>; handler: (a: ArgumentsCamelCase<T>) => Promise<void> | void }): CommandModule<object, T> {
  return c as CommandModule<object, T>;
}

export type ProgressMode = 'auto' | 'bar' | 'plain' | 'none';
export type BackendFlag = BackendChoice;

export const progressOption = <T>(y: Argv<T>, describe = 'Progress display') =>
  y.option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'] as const, default: 'auto' as ProgressMode, describe });

export const backendOption = <T>(y: Argv<T>, describe = 'TensorFlow.js backend') =>
  y.option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto' as BackendFlag, describe });

export const jsonOption = <T>(y: Argv<T>, describe = 'JSON output') => y.option('json', { type: 'boolean', default: false, describe });

/** --memory-limit for the commands that run a network on images. */
export const memoryOption = <T>(y: Argv<T>) =>
  y.option('memory-limit', { type: 'string', describe: 'Memory one forward pass may take, e.g. 2GiB (default: 3 GiB of the 4 GiB wasm heap; 8 GiB of a GPU on webgpu, within its largest buffer; half the RAM elsewhere)' });

/** --tile and --overlap for the commands that restore images. */
export const tileOptions = <T>(y: Argv<T>) => y
  .option('tile', { type: 'number', describe: 'Restore in tiles of this size even when the whole image fits (rounded down to the network\'s size multiple)' })
  .option('overlap', { type: 'number', describe: 'Overlap of neighbouring tiles in pixels, cross-faded (default 32)' });

/** The dataset folder of train, finetune and eval: --data (--manifest, its old name, is kept as an alias until 0.3). */
const DATA_DOC = 'Dataset folder built by build-dataset or ingest (--manifest, the old name, works until 0.3)';
export const dataOption = <T>(y: Argv<T>) => y.option('data', { alias: ['manifest'], type: 'string', describe: DATA_DOC });
export const requiredDataOption = <T>(y: Argv<T>) => y.option('data', { alias: ['m', 'manifest'], type: 'string', demandOption: true, describe: DATA_DOC });

/** The pair filters of `manifest query` and `manifest export`. */
export const pairFilterOptions = <T>(y: Argv<T>) => y
  .option('type', { alias: 't', type: 'string', array: true, describe: 'Types (id, code or alias; repeat or comma-separate)' })
  .option('level', { alias: 'l', type: 'number', array: true, describe: 'Levels' })
  .option('split', { type: 'string', array: true, describe: 'train, val, test' })
  .option('real', { type: 'boolean', describe: '--real for captured pairs only, --no-real for synthetic only' });

/** The options train and finetune share. */
export const trainingRunOptions = <T>(y: Argv<T>, lr: { lrEncoder: [string, number]; lrDecoder: [string, number] }) =>
  progressOption(backendOption(requiredDataOption(y)
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Run folder: checkpoints and metrics.jsonl' })
    .option('arch', { type: 'string', default: ARCH_DEFAULT, describe: "nafnet-small, nafnet-tiny, restormer-small, restormer-tiny, or the paper's nafnet-5d and restormer; must match --init" })
    .option('steps', { type: 'number', default: 1000, describe: 'Training steps' })
    .option('batch', { type: 'number', describe: `Batch size (default ${RUN_DEFAULTS.batch}; on --resume, the run's own)` })
    .option('patch', { type: 'number', describe: `Crop size, a multiple of the mask patch (default ${RUN_DEFAULTS.patch}; on --resume, the run's own)` })
    .option('seed', { type: 'number', describe: `Seed for initialisation, sampling, crops and masks (default ${RUN_DEFAULTS.seed}; on --resume, the run's own)` })
    .option('split', { type: 'string', default: 'train', choices: ['train', 'val', 'test'], describe: 'Split to train on' })
    .option('type', { type: 'string', array: true, describe: 'Only these types' })
    .option('repeat', { type: 'string', describe: 'Repeat factors per type, e.g. haze=1,rain-streak=300,noise=15,motion-blur=5,low-light=60' })
    .option('balance', { type: 'boolean', default: false, describe: 'Draw every type equally often' })
    .option('lr-encoder', { type: 'number', default: lr.lrEncoder[1], describe: lr.lrEncoder[0] })
    .option('lr-decoder', { type: 'number', default: lr.lrDecoder[1], describe: lr.lrDecoder[0] })
    .option('ckpt-every', { type: 'number', default: CKPT_EVERY_DEFAULT, describe: 'Checkpoint every N steps (and at the end)' })
    .option('resume', { type: 'boolean', default: false, describe: 'Continue from the latest checkpoint in --out, with its recorded --batch, --patch, --seed and mask settings (a flag that disagrees is an error)' })
    .option('threads', { type: 'number', describe: 'Data-parallel replicas on the wasm backend, one per core (default: every core, at most the batch size)' })
    .check((a) => { if (a.threads !== undefined && !(Number.isInteger(a.threads) && a.threads >= 1)) throw new UsageError(`--threads: expected a whole number >= 1, received ${a.threads}`); return true; })
    .check((a) => { if (a.repeat && a.balance) throw new UsageError('--repeat and --balance: choose one'); return true; })));

/** The flag of a library field: `maskRatio` -> `--mask-ratio`, with the fields whose flag has another name. */
const FIELD_FLAGS: Record<string, string> = { manifest: '--data', data: '--data', types: '--type', finetune: '--init' };
export function flagFor(field: string): string {
  const head = field.split(/[.[]/)[0]!;
  return FIELD_FLAGS[head] ?? `--${head.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
}
