/** lowlight-haze-rain-snow (mixed): bad weather at dusk: haze, rain, snow, then an under-exposed capture. */
import { defineChain } from './chain.js';
import haze from './haze.js';
import rainStreak from './rain-streak.js';
import snow from './snow.js';
import lowLight from './low-light.js';

export default defineChain({
  id: 'lowlight-haze-rain-snow', code: 'LHRS', kind: 'mixed', levels: 10,
  summary: 'Haze, rain streaks and snow in the scene, captured under low light',
  model: 'Chain: haze -> rain-streak -> snow -> low-light (weather in the scene, exposure at the camera)',
  components: [
    { ops: [haze], range: [1, 10] },
    { ops: [rainStreak], range: [1, 10] },
    { ops: [snow], range: [1, 10] },
    { ops: [lowLight], range: [1, 10] },
  ],
});
