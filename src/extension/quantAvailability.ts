// When "Na concentration map" and "Residual" can act on the selection (pure): the reason a reader can act on, or
// undefined when they can. The toolbar, the panel and the commands ask the same question.
import type { DisplaySet } from './ohif';
import type { DerivedResult } from './saveRegistry';
import { checkSodiumSeries } from './sodium';
import { seriesName } from './target';

/** Why a concentration map cannot be made of `ds` (an original or stored sodium series, or our denoised result). */
export function concentrationUnavailableReason(
  ds: DisplaySet | undefined,
  result: DerivedResult | undefined,
): string | undefined {
  if (!ds) return 'Select a viewport showing a sodium series (an original or a denoised one).';
  const role = ds.naRole as string | undefined;
  if (role === 'concentration' || role === 'residual' || role === 'reference')
    return `${seriesName(ds)} is a ${role} series: select an original or a denoised sodium series.`;
  if (result) return result.quantity ? `${seriesName(ds)} is not a sodium image.` : undefined;
  const check = checkSodiumSeries(ds);
  return check.ok ? undefined : check.reason;
}

/** Why no residual can be made of `ds`: only our own denoised results have an input to subtract them from. */
export function residualUnavailableReason(
  ds: DisplaySet | undefined,
  result: DerivedResult | undefined,
): string | undefined {
  if (ds && result?.method && !result.quantity) return undefined;
  return 'Select the viewport showing a denoised sodium series: its residual is input − denoised.';
}
