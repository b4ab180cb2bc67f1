// The text of the metrics overlay (pure): what each comparison viewport says about its image.
import { researchLabel } from './id';

export type MethodLabel = 'DA' | 'NLM';

/** What the overlay shows for one viewport of the comparison; attached to its display set. */
export interface NaOverlayInfo {
  role: 'original' | 'denoised' | 'reference' | 'concentration' | 'residual';
  /** The denoiser of a denoised set (and of what a concentration map or residual was made from, if denoised). */
  method?: MethodLabel;
  /** Concentration map and residual: their title and lines (the fit, the tubes), top to bottom. */
  title?: string;
  lines?: string[];
  backend?: string;
  millis?: number;
  /** Against the reference (mean of the repeats), in the brain mask: paper definitions. */
  psnr?: number;
  ssim?: number;
  /** Reference-free SNR estimate, used when the study has no repeated acquisitions. */
  snr?: number;
  /** How many acquisitions the reference averages (source included). */
  referenceCount?: number;
  /** Set when the DA ran with weights adapted to this study (or tried to: `adapted` false keeps the shipped ones). */
  adaptation?: {
    parent: string;
    seconds: number;
    gainPercent: number;
    adapted: boolean;
    whitened?: boolean;
    /** The share of NLM blended into the output (the held-out slabs chose it). */
    nlmBlend?: number;
  };
  /** The regime check's plain-words warnings (input outside the model's training range); empty inside it. */
  warnings?: string[];
  /** The DA model as "name version" (from its card). */
  model?: string;
  /** What the DA run did about NLM (jobs/sure-blend blendText), e.g. "blended with NLM by SURE: 23 % NLM". */
  blend?: string;
}

export function formatMillis(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

/** A method's research-use label on two short lines (a third of a screen cuts one long line). */
export function researchLabelLines(method: MethodLabel = 'DA'): string[] {
  const label = researchLabel(method);
  const cut = label.indexOf(' — ');
  return cut > 0 ? [label.slice(0, cut + 2), label.slice(cut + 3)] : [label];
}

/** Quality lines: pSNR and SSIM against the reference, or the reference-free SNR estimate. */
function quality(info: NaOverlayInfo): string[] {
  if (info.psnr !== undefined && info.ssim !== undefined)
    return [`pSNR ${info.psnr.toFixed(2)} dB`, `SSIM ${info.ssim.toFixed(3)}`];
  if (info.snr !== undefined) return [`SNR ≈ ${info.snr.toFixed(1)} (no repeats)`];
  return [];
}

/** Lines, top to bottom; short, as a third of a screen is narrow. The denoised viewport carries the research label. */
export function overlayLines(info: NaOverlayInfo): string[] {
  switch (info.role) {
    case 'denoised': {
      const run = [info.backend?.toUpperCase(), info.millis !== undefined ? formatMillis(info.millis) : '']
        .filter(Boolean)
        .join(' · ');
      const a = info.adaptation;
      const blend = a?.nlmBlend !== undefined ? `; blended with NLM (${Math.round(a.nlmBlend * 100)} %)` : '';
      const adapted = a
        ? a.adapted
          ? `adapted from ${a.parent}${a.whitened ? ' (whitened input: correlated noise)' : ''}: ${a.seconds.toFixed(0)} s, held-out gain ${a.gainPercent.toFixed(1)} %${blend}`
          : `not adapted: no gain on held-out slabs (${a.gainPercent.toFixed(1)} %)${blend}`
        : '';
      const title = a?.adapted ? `Na ${info.method} (adapted) denoised` : `Na ${info.method} denoised`;
      const warnings = (info.warnings ?? []).map((w) => `⚠ ${w}`);
      const model = info.method === 'DA' && info.model ? `model ${info.model}` : '';
      // An adapted run's line already says its blend.
      const blendLine = info.method === 'DA' && info.blend && a?.nlmBlend === undefined ? info.blend : '';
      return [
        title,
        model,
        adapted,
        blendLine,
        run,
        ...warnings,
        ...quality(info),
        ...researchLabelLines(info.method),
      ].filter(Boolean);
    }
    case 'original':
      return ['Original', ...quality(info)];
    case 'reference':
      return ['Reference', `mean of ${info.referenceCount ?? '?'} acquisitions`];
    case 'concentration':
    case 'residual':
      return [
        info.title ?? '',
        ...(info.lines ?? []),
        ...researchLabelLines(info.method ?? 'NLM') /* no model: the plain research label */,
      ].filter(Boolean);
  }
}
