/** blur-lowlight-noise (mixed): a long, shaky night exposure: blur, under-exposure with sensor noise, more noise. */
import { defineChain } from './chain.js';
import motionBlur from './motion-blur.js';
import gaussianBlur from './gaussian-blur.js';
import lowLight from './low-light.js';
import noise from './noise.js';

export default defineChain({
  id: 'blur-lowlight-noise', code: 'BLN', kind: 'mixed', levels: 10,
  summary: 'Camera blur, then low-light exposure with sensor noise, then additive noise',
  model: 'Chain: motion/gaussian blur -> low-light (raw domain) -> noise',
  components: [
    { ops: [motionBlur, gaussianBlur], range: [1, 10] },
    { ops: [lowLight], range: [1, 10] },
    { ops: [noise], range: [1, 10] },
  ],
});
