/** Pacer: when the long passes (trace, rules) pause for the server's request loop. */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Pacer, STEP_FRAMES } from '../../server/src/core/steps.ts';

describe('Pacer', () => {
  it('fast work pauses every STEP_FRAMES units', () => {
    const pace = new Pacer();
    let pauses = 0;
    for (let k = 0; k < 3 * STEP_FRAMES; k++) if (pace.tick()) pauses++;
    // (Unless this machine took 10 ms for 32,768 ticks: then sooner, never later.)
    assert.ok(pauses >= 3, `${pauses} pauses`);
  });

  it('slow work (a server still warming up) pauses once 10 ms have passed, not after STEP_FRAMES units', () => {
    let now = 1000;
    const clock = mock.method(performance, 'now', () => now);
    try {
      const pace = new Pacer();
      const at: number[] = [];
      // 2 µs per unit of work: 10 ms is 5,000 units.
      for (let k = 1; k <= 20_000; k++) {
        now += 0.002;
        if (pace.tick()) at.push(k);
      }
      assert.ok(at.length >= 3 && at.length <= 4, `paused at ${at.join(', ')}`);
      // The clock is looked at every 512 units: each pause comes within 512 units after its 10 ms.
      for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= 5000 && at[i]! - at[i - 1]! <= 5000 + 1024, `paused at ${at.join(', ')}`);
      // Time spent paused does not count: after a pause of 500 ms, the pass goes on for 10 ms more.
      while (!pace.tick()) now += 0.002;
      now += 500;
      let units = 0;
      do { now += 0.002; units++; } while (!pace.tick());
      assert.ok(units >= 5000, `paused again after ${units} units`);
    } finally {
      clock.mock.restore();
    }
  });
});
