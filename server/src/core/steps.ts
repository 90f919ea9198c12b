/**
 * Long passes (the trace, the rules) written once as generators that pause every few tens of
 * thousands of frames: the CLI runs them straight through, the language server lets its request loop
 * run at each pause (hovers are answered while a 250 MB log is analysed).
 */
export type Steps<T> = Generator<void, T, void>;

/** Frames (or per-connection setups, counted as frames) between two pauses at most. */
export const STEP_FRAMES = 1 << 15;
/**
 * Milliseconds of work between two pauses at most: code still warming up (the first analysis in a
 * server) runs several times slower than STEP_FRAMES assumes, and hovers waited up to 150 ms then.
 */
const PAUSE_MS = 10;
/** Units of work between two looks at the clock. */
const CHECK_EVERY = 512;

/**
 * Says when a pass should pause: after STEP_FRAMES units of work, or sooner once PAUSE_MS have passed
 * since it went on (the time spent paused does not count).
 */
export class Pacer {
  private work = 0;
  private nextCheck = CHECK_EVERY;
  /** When the pass went on after its last pause (NaN: not looked at since). */
  private since = NaN;

  /** Counts `units` of work; true when the pass should pause now. */
  tick(units = 1): boolean {
    this.work += units;
    if (this.work < this.nextCheck) return false;
    const now = performance.now();
    if (Number.isNaN(this.since)) this.since = now;
    if (this.work >= STEP_FRAMES || now - this.since >= PAUSE_MS) {
      this.work = 0;
      this.nextCheck = CHECK_EVERY;
      this.since = NaN;
      return true;
    }
    this.nextCheck = this.work + CHECK_EVERY;
    return false;
  }
}

/** Runs the passes straight through. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Thrown where an analysis stops because its AbortSignal fired. */
export class AnalysisCancelled extends Error {
  constructor() {
    super('analysis cancelled');
  }
}

/** Lets the event loop run (I/O, requests) before going on. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the passes, letting the event loop run at each pause; stops at a pause once `signal` fired. */
export async function runStepsAsync<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await yieldToEventLoop();
    if (signal?.aborted) throw new AnalysisCancelled();
  }
}
