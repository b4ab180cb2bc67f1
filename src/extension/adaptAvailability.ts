// When "Adapt DA to this study" can run (pure): a sodium series with at least one repeat on its grid.
import type { DisplaySet } from './ohif';
import { checkSodiumSeries } from './sodium';
import { findRepeats } from './repeats';

/** Why the action is unavailable for this series, or undefined when it can run. */
export function adaptUnavailableReason(source: DisplaySet | undefined, all: readonly DisplaySet[]): string | undefined {
  const check = checkSodiumSeries(source);
  if (!check.ok || !source) return check.ok ? 'Select a sodium series.' : check.reason;
  const repeats = findRepeats(source, all).length + 1;
  if (repeats < 2)
    return `Adapting needs at least 2 repeated acquisitions of this series on one grid; this study has ${repeats}.`;
  return undefined;
}
