/** rain-streak-drop (RSD): rain streaks in the scene seen through a window with adherent raindrops. */
import { defineChain } from './chain.js';
import rainStreak from './rain-streak.js';
import raindrop from './raindrop.js';

export default defineChain({
  id: 'rain-streak-drop', code: 'RSD', kind: 'single', levels: 10,
  summary: 'Rain streaks behind the glass plus raindrops on it (streaks rendered first, drops refract them)',
  model: 'rain-streak (HeavyRainRemoval/JORDER) then raindrop (Qian et al. lens drops) over the rainy scene',
  components: [
    { ops: [rainStreak], range: [1, 12] },
    { ops: [raindrop], range: [1, 10] },
  ],
});
