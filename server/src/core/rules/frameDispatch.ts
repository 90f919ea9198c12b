/**
 * Frames handed to the meters and rule scans by type: each says which frame types it reads (a mask of
 * `1 << type`), and a frame goes only to those that read its type. A busy log is nearly all DATA and
 * HEADERS, which half of the meters have no use for; calling each of them per frame only to have it
 * return at its first line was a good part of the rules' time.
 */
import type { FrameRecord } from '../model/trace.ts';

/** The mask of the given frame types. */
export const frameTypes = (...types: number[]): number => types.reduce((mask, t) => mask | (1 << t), 0);

/** Types below this have a list each; frames of other types (extensions) go to the visitors that read every frame. */
const TYPED = 10;

export class FrameDispatch {
  private readonly byType: Array<Array<(f: FrameRecord) => void>> = Array.from({ length: TYPED }, () => []);
  /** The visitors of every frame (no mask), for extension frame types. */
  private readonly others: Array<(f: FrameRecord) => void> = [];

  /**
   * Adds a visitor; `types` undefined: it reads every frame. Visitors see a frame in the order they
   * were added.
   */
  add(visit: (f: FrameRecord) => void, types: number | undefined): void {
    for (let t = 0; t < TYPED; t++) if (types === undefined || (types & (1 << t)) !== 0) this.byType[t]!.push(visit);
    if (types === undefined) this.others.push(visit);
  }

  /** The visitors of frames of type `type`. */
  visitorsOf(type: number): ReadonlyArray<(f: FrameRecord) => void> {
    return type >= 0 && type < TYPED ? this.byType[type]! : this.others;
  }
}
