/** blur-jpeg (mixed): a blurred photograph saved as JPEG; the blur is Gaussian-family, motion or defocus. */
import { defineChain } from './chain.js';
import gaussianBlur from './gaussian-blur.js';
import motionBlur from './motion-blur.js';
import defocusBlur from './defocus-blur.js';
import jpeg from './jpeg.js';

export default defineChain({
  id: 'blur-jpeg', code: 'BJ', kind: 'mixed', levels: 10,
  summary: 'Blur (Gaussian-family, motion or defocus) followed by JPEG compression',
  model: 'Chain: blur then JPEG, as in the first stage of Real-ESRGAN without resizing or noise',
  components: [
    { ops: [gaussianBlur, motionBlur, defocusBlur], range: [1, 10] },
    { ops: [jpeg], range: [3, 14] },
  ],
});
