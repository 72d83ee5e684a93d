/** blur-rain (mixed): rain streaks photographed with a shaky or defocused camera: rain first, then blur. */
import { defineMixed } from './chain.js';

export default defineMixed({
  id: 'blur-rain', code: 'BR', levels: 10,
  summary: 'Rain streaks then camera blur (motion or Gaussian-family) over scene and rain together',
  model: 'Chain: rain-streak, then motion-blur or gaussian-blur (the camera blurs the rain as well)',
  components: [
    { types: ['rain-streak'], range: [2, 12] },
    { types: ['motion-blur', 'gaussian-blur'], range: [1, 10] },
  ],
});
