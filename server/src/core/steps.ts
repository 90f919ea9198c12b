/**
 * Long passes (the trace, the rules) written once as generators that pause every few tens of
 * thousands of frames: the CLI runs them straight through, the language server lets its request loop
 * run at each pause (hovers are answered while a 250 MB log is analysed).
 */
export type Steps<T> = Generator<void, T, void>;

/** Frames (or per-connection setups, counted as frames) between two pauses: a few tens of milliseconds. */
export const STEP_FRAMES = 1 << 15;

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
