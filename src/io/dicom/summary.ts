// One-line and JSON summaries of the series a scan found (for series pickers, `info` and error messages).
import type { DicomScan, DicomSeries, RejectedSeries } from './types';

export interface SeriesSummary {
  seriesInstanceUID: string;
  seriesNumber?: number;
  seriesDescription?: string;
  modality?: string;
  imagedNucleus?: string;
  /** Slices of a readable series; instances (files) of a rejected one. */
  slices: number;
  dims?: [number, number, number];
  readable: boolean;
  /** Why a series cannot be read as one volume. */
  reason?: string;
}

export function seriesSummary(s: DicomSeries | RejectedSeries): SeriesSummary {
  const base = {
    seriesInstanceUID: s.seriesInstanceUID,
    seriesNumber: s.seriesNumber,
    seriesDescription: s.seriesDescription,
    modality: s.modality,
    imagedNucleus: s.imagedNucleus,
  };
  return 'volume' in s
    ? { ...base, slices: s.volume.dims[2], dims: [...s.volume.dims], readable: true }
    : { ...base, slices: s.instances, readable: false, reason: s.reason };
}

/** "#3 "Na 3D radial" 23Na, 64 slices, UID 2.25.…" (plus the reason for a rejected series). */
export function describeSeries(s: SeriesSummary): string {
  const parts = [
    `#${s.seriesNumber ?? '?'}`,
    s.seriesDescription ? `"${s.seriesDescription}"` : '(no description)',
    s.imagedNucleus ?? s.modality ?? '',
    s.readable ? `${s.slices} slices` : `${s.slices} instances, unreadable: ${s.reason}`,
    `UID ${s.seriesInstanceUID}`,
  ].filter(Boolean);
  return parts.join(', ').replace(/^(#\S+), /, '$1 ');
}

/** Summaries of every series in a scan, readable and rejected, in series-number order. */
export function scanSummaries(scan: DicomScan): SeriesSummary[] {
  return [...scan.series, ...scan.rejected]
    .map(seriesSummary)
    .sort((a, b) => (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9));
}
