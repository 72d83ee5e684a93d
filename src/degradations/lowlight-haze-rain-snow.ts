/** lowlight-haze-rain-snow (mixed): bad weather at dusk: haze, rain, snow, then an under-exposed capture. */
import { defineMixed } from './chain.js';

export default defineMixed({
  id: 'lowlight-haze-rain-snow', code: 'LHRS', levels: 10,
  summary: 'Haze, rain streaks and snow in the scene, captured under low light',
  model: 'Chain: haze -> rain-streak -> snow -> low-light (weather in the scene, exposure at the camera)',
  components: [
    { types: ['haze'], range: [1, 10] },
    { types: ['rain-streak'], range: [1, 10] },
    { types: ['snow'], range: [1, 10] },
    { types: ['low-light'], range: [1, 10] },
  ],
});
