// Which series a "Denoise Na" click acts on (pure): the selected original sodium series, or, when a derived series
// (our denoised result or reference, or a saved DERIVED series from the PACS) is selected, the series it came from.
import type { DisplaySet, NaturalInstance } from './ohif';
import { checkSodiumSeries } from './sodium';
import { isDerived } from './repeats';

export type DenoiseTarget =
  | {
      ok: true;
      source: DisplaySet;
      /** The selected set, when it is derived from `source`. */ derivedFrom?: DisplaySet;
    }
  | { ok: false; reason: string };

/** SeriesInstanceUID a saved derived series names as its source (ReferencedSeriesSequence or SourceImageSequence). */
function referencedSeriesUid(ds: DisplaySet): string | undefined {
  const inst = (ds.instance ?? ds.instances?.[0]) as NaturalInstance | undefined;
  const seq = inst?.ReferencedSeriesSequence as unknown;
  const first = Array.isArray(seq) ? seq[0] : seq;
  const uid = (first as { SeriesInstanceUID?: unknown } | undefined)?.SeriesInstanceUID;
  return typeof uid === 'string' && uid ? uid : undefined;
}

/** Display name of a series for messages. */
export function seriesName(ds: DisplaySet): string {
  return ds.SeriesDescription ? `"${ds.SeriesDescription}"` : `series ${ds.SeriesNumber ?? ds.SeriesInstanceUID}`;
}

/**
 * The series to denoise for the selection, with a reason a radiologist can act on when there is none.
 * @example denoiseTarget(selected, displaySetService.getActiveDisplaySets())
 */
export function denoiseTarget(selected: DisplaySet | undefined, all: readonly DisplaySet[]): DenoiseTarget {
  if (!selected) return { ok: false, reason: 'Select a viewport showing a sodium (23Na) MR series.' };
  if (!isDerived(selected)) {
    const check = checkSodiumSeries(selected);
    return check.ok ? { ok: true, source: selected } : { ok: false, reason: check.reason };
  }
  const sourceUid = selected.naSourceDisplaySetInstanceUID as string | undefined;
  const referenced = referencedSeriesUid(selected);
  const source = sourceUid
    ? all.find((d) => d.displaySetInstanceUID === sourceUid)
    : referenced
      ? all.find((d) => d.SeriesInstanceUID === referenced && !isDerived(d))
      : undefined;
  if (!source) {
    return {
      ok: false,
      reason: `${seriesName(selected)} is a derived series and its source series is not in this study: select an original sodium series.`,
    };
  }
  const check = checkSodiumSeries(source);
  if (!check.ok) return { ok: false, reason: `The source of ${seriesName(selected)}: ${check.reason}` };
  return { ok: true, source, derivedFrom: selected };
}
