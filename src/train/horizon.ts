// Steps timed before the first estimate; the first step of a session is left out of the timing
// because it carries JIT warm-up and first-touch allocation.
const PROBE_STEPS = 4;
// Later estimates each time this many more steps have run.
const REESTIMATE_EVERY = 25;

/**
 * How many optimizer steps a run bounded only by wall time will reach, so that its learning-rate
 * schedule can end where the run does. Estimated from the first few steps and then again from each
 * later window of steps (validation passes included, since they spend the same budget): on a shared
 * machine the speed of the first steps says little about the speed an hour later.
 */
export class StepHorizon {
  private mark: { step: number; elapsedS: number } | undefined;
  private estimated = false;

  constructor(private readonly limitS: number) {}

  /** Called after every step; returns the new total step count when a window closes, else undefined. */
  update(step: number, elapsedS: number): number | undefined {
    if (this.mark === undefined) {
      this.mark = { step, elapsedS };
      return undefined;
    }
    const n = step - this.mark.step;
    if (n < (this.estimated ? REESTIMATE_EVERY : PROBE_STEPS)) return undefined;
    const stepS = (elapsedS - this.mark.elapsedS) / n;
    this.mark = { step, elapsedS };
    this.estimated = true;
    return Math.max(step, step + Math.floor((this.limitS - elapsedS) / stepS));
  }
}
