/** Time, passed explicitly so tests can move it. */
export interface Clock {
  now(): number;
  /**
   * Calls `fn` after `ms` of this clock's time; returns a function that cancels it. Optional:
   * a clock without it (a shifted test clock) waits on the process's timers.
   */
  setTimer?(fn: () => void, ms: number): () => void;
}

function processTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}

export const systemClock: Clock = { now: () => Date.now(), setTimer: processTimer };

/** `clock.setTimer`, or the process's timers for a clock without one. */
export function setTimerOn(clock: Clock, fn: () => void, ms: number): () => void {
  return (clock.setTimer ?? processTimer)(fn, ms);
}

/** Resolves after `ms` of the clock's time. */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => setTimerOn(clock, resolve, ms));
}

export function createManualClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}
