// What "Save to PACS" needs about each in-memory derived series, keyed by its display set UID.
import type { Volume } from '../core/volume';
import type { NaturalInstance } from './ohif';
import type { MethodLabel } from './metricsText';

export interface SavableSeries {
  volume: Volume;
  method: MethodLabel;
  parameters: Record<string, string | number | boolean>;
  seriesInstanceUID: string;
  seriesDescription: string;
  seriesNumber: number;
  source: {
    seriesInstanceUID: string;
    sopClassUID: string;
    sopInstanceUIDs: string[];
    header: NaturalInstance;
  };
  /** SeriesInstanceUIDs already stored from this display set (each save makes a new series). */
  saved: string[];
}

const registry = new Map<string, SavableSeries>();

export function registerSavable(displaySetInstanceUID: string, s: SavableSeries): void {
  registry.set(displaySetInstanceUID, s);
}

export function savable(displaySetInstanceUID: string): SavableSeries | undefined {
  return registry.get(displaySetInstanceUID);
}
