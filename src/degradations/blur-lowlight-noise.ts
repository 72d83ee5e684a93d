/** blur-lowlight-noise (mixed): a long, shaky night exposure: blur, under-exposure with sensor noise, more noise. */
import { defineMixed } from './chain.js';

export default defineMixed({
  id: 'blur-lowlight-noise', code: 'BLN', levels: 10,
  summary: 'Camera blur, then low-light exposure with sensor noise, then additive noise',
  model: 'Chain: motion/gaussian blur -> low-light (raw domain) -> noise',
  components: [
    { types: ['motion-blur', 'gaussian-blur'], range: [1, 10] },
    { types: ['low-light'], range: [1, 10] },
    { types: ['noise'], range: [1, 10] },
  ],
});
