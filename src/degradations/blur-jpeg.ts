/** blur-jpeg (mixed): a blurred photograph saved as JPEG; the blur is Gaussian-family, motion or defocus. */
import { defineMixed } from './chain.js';

export default defineMixed({
  id: 'blur-jpeg', code: 'BJ', levels: 10,
  summary: 'Blur (Gaussian-family, motion or defocus) followed by JPEG compression',
  model: 'Chain: blur then JPEG, as in the first stage of Real-ESRGAN without resizing or noise',
  components: [
    { types: ['gaussian-blur', 'motion-blur', 'defocus-blur'], range: [1, 10] },
    { types: ['jpeg'], range: [3, 14] },
  ],
});
