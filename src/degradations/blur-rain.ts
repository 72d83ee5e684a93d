/** blur-rain (mixed): rain streaks photographed with a shaky or defocused camera: rain first, then blur. */
import { defineChain } from './chain.js';
import rainStreak from './rain-streak.js';
import motionBlur from './motion-blur.js';
import gaussianBlur from './gaussian-blur.js';

export default defineChain({
  id: 'blur-rain', code: 'BR', kind: 'mixed', levels: 10,
  summary: 'Rain streaks then camera blur (motion or Gaussian-family) over scene and rain together',
  model: 'Chain: rain-streak, then motion-blur or gaussian-blur (the camera blurs the rain as well)',
  components: [
    { ops: [rainStreak], range: [2, 12] },
    { ops: [motionBlur, gaussianBlur], range: [1, 10] },
  ],
});
