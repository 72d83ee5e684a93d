/** The architectures: each family registered by its own module with its presets; the one place that builds a network. */
import { NAFNET, type NafnetConfig } from './nafnet.js';
import { RESTORMER, type RestormerConfig } from './restormer.js';
import type { RestorationNet } from './net.js';

/** A network config as stored in checkpoints; configs without `family` (older checkpoints) are NAFNet. */
export type NetConfig = (NafnetConfig & { family?: 'nafnet' }) | RestormerConfig;

const FAMILIES = { nafnet: NAFNET, restormer: RESTORMER } as const;

/** Every preset by name (what --arch takes). */
export const ARCH_PRESETS: Readonly<Record<string, NetConfig>> = { ...NAFNET.presets, ...RESTORMER.presets };
export const ARCH_NAMES: readonly string[] = Object.keys(ARCH_PRESETS);

export function buildNet(config: NetConfig, seed: number | string): RestorationNet {
  return config.family === 'restormer' ? FAMILIES.restormer.build(config, seed) : FAMILIES.nafnet.build({ ...config, family: 'nafnet' }, seed);
}
