/** rain-streak-drop (RSD): rain streaks in the scene seen through a window with adherent raindrops. */
import { defineSpec } from './spec.js';
import { componentLevel, runChain, sampleStep, type ChainParams } from './chain.js';

const N = 10;

export default defineSpec<ChainParams>({
  id: 'rain-streak-drop',
  code: 'RSD',
  summary: 'Rain streaks behind the glass plus raindrops on it (streaks rendered first, drops refract them)',
  model: 'rain-streak (HeavyRainRemoval/JORDER) then raindrop (Qian et al. lens drops) over the rainy scene',
  kind: 'single',
  random: true,
  levels: Array.from({ length: N }, (_, i) => ({ summary: `rain-streak L${componentLevel(i + 1, N, 1, 12)} + raindrop L${i + 1}` })),
  params: [{ name: 'steps', type: 'array', doc: 'rain-streak then raindrop, each {type, level, params} (see those types).' }],
  sample(level, rng, size) {
    return {
      steps: [
        sampleStep('rain-streak', componentLevel(level, N, 1, 12), rng.fork(0), size),
        sampleStep('raindrop', level, rng.fork(1), size),
      ],
    };
  },
  apply(img, p, rng) {
    return runChain(img, p.steps, rng);
  },
});
