/**
 * The highest request rate that passes a trial (meets the SLO): double from a start rate until a
 * trial fails, then bisect between the last pass and the first fail. Used both against a live
 * server (the profiler) and against the simulated service model.
 */
export interface RateSearchOptions {
  startRate?: number;
  /** Rates below this count as "cannot serve" (0). */
  minRate?: number;
  maxRate?: number;
  /** Bisection steps after the bracket is found. */
  refineSteps?: number;
}

export interface RateSearchResult {
  rate: number;
  trials: { rate: number; pass: boolean }[];
}

export async function findMaxRate(
  trial: (rate: number) => boolean | Promise<boolean>,
  opts: RateSearchOptions = {},
): Promise<RateSearchResult> {
  const { startRate = 1, minRate = 0.01, maxRate = 1024, refineSteps = 6 } = opts;
  const trials: { rate: number; pass: boolean }[] = [];
  const run = async (rate: number) => {
    const pass = await trial(rate);
    trials.push({ rate, pass });
    return pass;
  };
  let lo = 0;
  let hi = 0;
  let r = startRate;
  if (await run(r)) {
    lo = r;
    while (lo < maxRate) {
      r = Math.min(maxRate, lo * 2);
      if (!(await run(r))) {
        hi = r;
        break;
      }
      lo = r;
    }
    if (hi === 0) return { rate: lo, trials };
  } else {
    hi = r;
    while (hi / 2 >= minRate) {
      r = hi / 2;
      if (await run(r)) {
        lo = r;
        break;
      }
      hi = r;
    }
    if (lo === 0) return { rate: 0, trials };
  }
  for (let i = 0; i < refineSteps; i++) {
    const mid = (lo + hi) / 2;
    if (await run(mid)) lo = mid;
    else hi = mid;
  }
  return { rate: lo, trials };
}
