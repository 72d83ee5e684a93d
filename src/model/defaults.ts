/** The training defaults, in one place (config.ts validates with them; the CLI's help text shows them). No imports. */

/** The settings that define a run's loss curve beyond the architecture. */
export interface RunSettings { patch: number; batch: number; seed: number; maskRatio: number; maskPatch: number }
export const RUN_DEFAULTS: Readonly<RunSettings> = { patch: 64, batch: 8, seed: 0, maskRatio: 0.5, maskPatch: 16 };

/** Learning rates by objective: pre-training as the paper (encoder 3e-4, decoders 1e-4), fine-tuning 3e-4 peak. */
export const LR_DEFAULTS = { pretrain: { encoder: 3e-4, decoder: 1e-4 }, finetune: { encoder: 3e-4, decoder: 3e-4 } } as const;
export const EMA_DEFAULT = 0.999;
export const ARCH_DEFAULT = 'nafnet-small';
export const CKPT_EVERY_DEFAULT = 500;

/** The TensorFlow.js backends uir can run on (backend.ts decides; `auto` explains its choice). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
