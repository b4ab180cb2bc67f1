// "Na concentration map" and "Residual": the selected sodium series (an original, or a denoised result) → a derived
// series in mM calibrated by its tubes (placed by clicking, given by position, or found), or input − denoised; each
// shown beside its input with what it rests on (the fit and its residuals; what was subtracted), savable as DICOM.
import type { DisplaySet, ExtensionParams } from './ohif';
import { naDenoiseService, type NaDenoiseService, type QuantSummary } from './naDenoiseService';
import { activeDisplaySet } from './viewerState';
import { seriesName } from './target';
import { isDerived } from './repeats';
import { notifyFailed } from './runOutcome';
import {
  cacheDerivedVolume,
  derivedVolumeSpec,
  loadSeriesVolume,
  replaceDerivedVolumeData,
  type DerivedVolumeSpec,
} from './cornerstoneVolume';
import { buildDerivedDisplaySet, nextSeriesNumber } from './displaySet';
import { concentrationUnavailableReason, residualUnavailableReason } from './quantAvailability';
import { OVERLAY_FIELD } from './customizations/overlay';
import { QUANT_PROTOCOL_ID } from './id';
import { QUANT_SELECTORS, quantViewportIds } from './getHangingProtocolModule';
import { setViewportRange } from './windowLevel';
import { thumbnailDataUrl } from './thumbnail';
import type { MethodLabel, NaOverlayInfo } from './metricsText';
import { derivedSource, type DerivedQuantity, type DerivedResult } from './saveRegistry';
import { PRODUCT_VERSION } from './id';
import {
  concentrationMapJob,
  concentrationSeriesKey,
  concentrationSeriesOptions,
  describeCalibration,
  residualJob,
  residualSeriesKey,
  residualSeriesOptions,
  type ConcentrationRequest,
} from '../jobs/concentration';
import { derivedSeriesUid } from '../jobs/derivedSeries';
import { quantile } from '../core/stats';
import type { Volume } from '../core/volume';

export interface ConcentrationCommandOptions {
  /** Known tube concentrations (default: the deployment's `tubeConcentrationsMM`, else 50 and 100 mM). */
  concentrationsMM?: number[];
  /** Tubes by position (patient mm) and concentration, instead of the placed ones or finding them. */
  tubes?: ConcentrationRequest['tubes'];
}

const TITLE_MAP = 'Na concentration map';
const TITLE_RESIDUAL = 'Na residual';

/** What a concentration map or residual is computed from: the selected set's voxels and its original series. */
interface QuantInput {
  /** The selected display set (an original, a stored series, or our denoised result). */
  selected: DisplaySet;
  /** The original series (for denoised results: their source), whose grid and images the output refers to. */
  original: DisplaySet;
  volume: Volume;
  /** The grid and Cornerstone metadata a new derived volume copies. */
  grid: DerivedVolumeSpec;
  /** For a denoised result: its record (denoiser, voxels); absent for an original or stored series. */
  denoised?: DerivedResult;
  source: DerivedResult['source'];
}

/** Reads the selected set as the input of a quantity, or says why it cannot be one. */
async function quantInput(params: ExtensionParams, service: NaDenoiseService): Promise<QuantInput> {
  const { servicesManager, extensionManager } = params;
  const { displaySetService } = servicesManager.services;
  const selected = activeDisplaySet(servicesManager);
  const result = selected && service.results.get(selected.displaySetInstanceUID);
  const reason = concentrationUnavailableReason(selected, result);
  if (reason || !selected) throw new Error(reason);
  const grid = service.derivedVolumes.get(selected.displaySetInstanceUID);
  if (result && grid && !result.quantity) {
    const original = displaySetService.getDisplaySetByUID(String(selected.naSourceDisplaySetInstanceUID ?? ''));
    if (!original) throw new Error(`The source series of ${seriesName(selected)} is no longer in the viewer.`);
    return { selected, original, volume: result.volume, grid, denoised: result, source: result.source };
  }
  // An original, or a series stored on the PACS (a saved denoised one included): read in full precision.
  const loaded = await loadSeriesVolume(selected, extensionManager);
  return {
    selected,
    original: selected,
    volume: loaded.volume,
    grid: derivedVolumeSpec(loaded, '', loaded.volume.data),
    source: derivedSource(selected, loaded),
  };
}

/** What the overlay and messages call the input: "original", "DA denoised", or the stored series' name. */
function inputLabel(input: QuantInput): string {
  if (input.denoised?.method) return `${input.denoised.method} denoised`;
  return isDerived(input.selected) ? (input.selected.SeriesDescription ?? 'derived') : 'original';
}

interface QuantOutput {
  role: 'concentration' | 'residual';
  volume: Volume;
  seriesInstanceUID: string;
  seriesDescription: string;
  overlay: NaOverlayInfo;
  quantity: DerivedQuantity;
  parameters: Record<string, string | number | boolean>;
  /** Display range of the output viewport. */
  range: [number, number];
}

/**
 * Adds (or, for the same key, updates in place) the output's display set, records it for Save, and shows input |
 * output side by side. Returns the output's display set UID.
 */
function showQuantity(params: ExtensionParams, service: NaDenoiseService, input: QuantInput, out: QuantOutput): string {
  const { displaySetService, hangingProtocolService } = params.servicesManager.services;
  const all = displaySetService
    .getActiveDisplaySets()
    .filter((d) => d.StudyInstanceUID === input.original.StudyInstanceUID);
  const earlier = all.find(
    (d) => d.SeriesInstanceUID === out.seriesInstanceUID && service.derivedVolumes.has(d.displaySetInstanceUID),
  );
  const seriesNumber = earlier ? Number(earlier.SeriesNumber) : nextSeriesNumber(all);
  const thumbnailSrc = thumbnailDataUrl(out.volume.data, out.volume.dims, out.range);
  let uid: string;
  let volume = out.volume;
  if (earlier) {
    // The same input and calibration: the earlier set gets the new voxels (one buffer, viewed by the cache).
    uid = earlier.displaySetInstanceUID;
    const kept = service.derivedVolumes.get(uid)!;
    kept.data.set(out.volume.data);
    if (!replaceDerivedVolumeData(uid, kept.data)) cacheDerivedVolume(service.aliases, kept);
    volume = { ...out.volume, data: kept.data };
    earlier[OVERLAY_FIELD] = out.overlay;
    earlier.thumbnailSrc = thumbnailSrc;
  } else {
    uid = crypto.randomUUID();
    const spec: DerivedVolumeSpec = { ...input.grid, displaySetInstanceUID: uid, data: out.volume.data };
    const cached = cacheDerivedVolume(service.aliases, spec);
    service.derivedVolumes.set(uid, spec);
    const set = buildDerivedDisplaySet({
      source: input.original,
      role: out.role,
      method: input.denoised?.method ?? 'NLM',
      seriesDescription: out.seriesDescription,
      displaySetInstanceUID: uid,
      seriesInstanceUID: out.seriesInstanceUID,
      imageIds: cached.imageIds?.length ? [...cached.imageIds] : [...input.source.imageIds],
      overlay: out.overlay,
      seriesNumber,
      thumbnailSrc,
      extra: { naInputDisplaySetInstanceUID: input.selected.displaySetInstanceUID },
    });
    displaySetService.addDisplaySets(set);
  }
  service.results.set(uid, {
    volume,
    method: input.denoised?.method,
    quantity: out.quantity,
    parameters: out.parameters,
    seriesInstanceUID: out.seriesInstanceUID,
    seriesDescription: out.seriesDescription,
    seriesNumber,
    source: input.source,
    saved: [],
  });
  const study = input.original.StudyInstanceUID;
  hangingProtocolService.setProtocol(QUANT_PROTOCOL_ID, {
    displaySetSelectorMap: {
      [`${study}:${QUANT_SELECTORS.input}:0`]: [input.selected.displaySetInstanceUID],
      [`${study}:${QUANT_SELECTORS.output}:0`]: [uid],
    },
  });
  void setViewportRange(params.servicesManager.services.cornerstoneViewportService, quantViewportIds()[1], out.range);
  return uid;
}

/**
 * The tubes the user placed on `series` ("Place tubes"), as the job takes them; undefined when none (then the tubes
 * are found automatically). One tube alone cannot give a line: says so.
 */
function placedTubePositions(service: NaDenoiseService, series: DisplaySet): ConcentrationRequest['tubes'] {
  const placed = service.placedTubesFor(series.displaySetInstanceUID);
  if (placed.length === 0) return undefined;
  if (placed.length === 1)
    throw new Error(
      `1 tube is placed on ${seriesName(series)}: place at least one more, or remove it to find the tubes automatically`,
    );
  return placed.map((t) => ({ positionMm: t.positionMm, concentrationMM: t.concentrationMM }));
}

/**
 * The concentration map of the selected series: its calibration tubes found (or `opts.tubes`), the fit shown with
 * its residuals, a derived series in mM beside the input. Returns the new display set's UID.
 * @example commandsManager.runCommand('naConcentrationMap', { concentrationsMM: [50, 100] })
 */
export async function runConcentrationMap(
  params: ExtensionParams,
  opts: ConcentrationCommandOptions = {},
): Promise<string | undefined> {
  const { uiNotificationService } = params.servicesManager.services;
  const service = naDenoiseService(params.servicesManager);
  const release = service.runLock.tryAcquire('concentration map');
  if (!release) {
    uiNotificationService.show({ title: TITLE_MAP, message: 'Another run is in progress.', type: 'info' });
    return undefined;
  }
  try {
    const input = await quantInput(params, service);
    const result = concentrationMapJob(input.volume, {
      concentrationsMM: opts.concentrationsMM ?? service.options.tubeConcentrationsMM,
      tubes: opts.tubes ?? placedTubePositions(service, input.original),
    });
    const label = inputLabel(input);
    const key = concentrationSeriesKey(input.selected.SeriesInstanceUID, result);
    const fit = describeCalibration(result);
    const c = result.calibration;
    const dicom = concentrationSeriesOptions(result, input.original.SeriesDescription);
    const uid = showQuantity(params, service, input, {
      role: 'concentration',
      volume: result.volume,
      seriesInstanceUID: derivedSeriesUid(key),
      seriesDescription: `Na mM (${label})`,
      overlay: {
        role: 'concentration',
        method: input.denoised?.method,
        title: `Na concentration (mM) of ${label}`,
        lines: [
          ...result.tubes.map(
            (t) =>
              `tube ${t.concentrationMM} mM: reads ${(t.concentrationMM + t.residualMM).toFixed(1)} (residual ${t.residualMM.toFixed(2)})`,
          ),
          `fit r² ${c.r2.toFixed(4)} · RMS residual ${c.rmsResidualMM.toFixed(2)} mM`,
        ],
      },
      quantity: {
        kind: 'concentration',
        dicom: {
          realWorldValue: dicom.realWorldValue,
          windowCenter: dicom.windowCenter,
          windowWidth: dicom.windowWidth,
          derivation: {
            ...dicom.derivation!,
            parameters: { ...dicom.derivation!.parameters, input: label },
          },
        },
        imageComments: `Research use — not for diagnosis. Tissue sodium concentration (mM) of the ${label} series by sodium-denoise ${PRODUCT_VERSION}: ${fit}.`,
      },
      parameters: { ...result.parameters, input: label },
      range: [0, 150],
    });
    const summary: QuantSummary = {
      kind: 'concentration',
      displaySetInstanceUID: uid,
      seriesInstanceUID: derivedSeriesUid(key),
      inputDisplaySetInstanceUID: input.selected.displaySetInstanceUID,
      calibration: { slope: c.slope, intercept: c.intercept, r2: c.r2, rmsResidualMM: c.rmsResidualMM },
      tubes: result.tubes.map((t) => ({
        centreMm: [...t.centreMm],
        concentrationMM: t.concentrationMM,
        meanSignal: t.meanSignal,
        residualMM: t.residualMM,
        voxels: t.voxels,
      })),
      tubeSource: result.tubeSource,
      text: fit,
    };
    service.lastQuant = summary;
    uiNotificationService.show({
      title: TITLE_MAP,
      message: `"Na mM (${label})" added. ${fit}`,
      type: 'success',
      duration: 8000,
    });
    return uid;
  } catch (e) {
    notifyFailed(uiNotificationService, TITLE_MAP, e, service);
    return undefined;
  } finally {
    release();
  }
}

/** Residuals beyond this share of the largest are clipped by the display window (a few edge voxels dominate). */
const RESIDUAL_WINDOW_QUANTILE = 0.99;

/**
 * The residual of the selected denoised result: its input − it (the method noise), beside the input, so a reader can
 * see whether what was removed is noise or anatomy. Returns the new display set's UID.
 */
export async function runResidual(params: ExtensionParams): Promise<string | undefined> {
  const { uiNotificationService, displaySetService } = params.servicesManager.services;
  const service = naDenoiseService(params.servicesManager);
  const release = service.runLock.tryAcquire('residual');
  if (!release) {
    uiNotificationService.show({ title: TITLE_RESIDUAL, message: 'Another run is in progress.', type: 'info' });
    return undefined;
  }
  try {
    const selected = activeDisplaySet(params.servicesManager);
    const denoised = selected && service.results.get(selected.displaySetInstanceUID);
    const reason = residualUnavailableReason(selected, denoised);
    if (reason || !selected || !denoised?.method) throw new Error(reason);
    const original = displaySetService.getDisplaySetByUID(String(selected.naSourceDisplaySetInstanceUID ?? ''));
    if (!original) throw new Error(`The source series of ${seriesName(selected)} is no longer in the viewer.`);
    const loaded = await loadSeriesVolume(original, params.extensionManager);
    const residual = residualJob(loaded.volume, denoised.volume);
    const key = residualSeriesKey(original.SeriesInstanceUID, denoised.seriesInstanceUID);
    const seriesInstanceUID = derivedSeriesUid(key);
    const changed = residual.data.filter((v) => v !== 0).map(Math.abs);
    const half = changed.length ? Math.max(quantile(changed, RESIDUAL_WINDOW_QUANTILE), 1e-6) : 1;
    const rms = changed.length ? Math.sqrt(changed.reduce((s, v) => s + v * v, 0) / changed.length) : 0;
    const method: MethodLabel = denoised.method;
    const dicom = residualSeriesOptions(denoised.seriesInstanceUID, original.SeriesDescription);
    const input: QuantInput = {
      selected: original,
      original,
      volume: loaded.volume,
      grid: derivedVolumeSpec(loaded, '', loaded.volume.data),
      source: denoised.source,
    };
    const text = `input − ${method} denoised: RMS ${rms.toFixed(2)} over ${changed.length} changed voxels`;
    const uid = showQuantity(params, service, input, {
      role: 'residual',
      volume: residual,
      seriesInstanceUID,
      seriesDescription: `Na residual (input − ${method} denoised)`,
      overlay: {
        role: 'residual',
        method,
        title: `Residual: input − ${method} denoised`,
        lines: [`RMS ${rms.toFixed(2)} (${changed.length} voxels changed)`, 'noise should look like noise'],
      },
      quantity: {
        kind: 'residual',
        dicom: { derivation: dicom.derivation, windowCenter: 0, windowWidth: 2 * half },
        imageComments: `Research use — not for diagnosis. Input minus ${method}-denoised image (method noise) by sodium-denoise ${PRODUCT_VERSION}.`,
      },
      parameters: { denoised: denoised.seriesInstanceUID },
      range: [-half, half],
    });
    service.lastQuant = {
      kind: 'residual',
      displaySetInstanceUID: uid,
      seriesInstanceUID,
      inputDisplaySetInstanceUID: selected.displaySetInstanceUID,
      text,
    };
    uiNotificationService.show({
      title: TITLE_RESIDUAL,
      message: `"Na residual (input − ${method} denoised)" added: ${text}.`,
      type: 'success',
      duration: 6000,
    });
    return uid;
  } catch (e) {
    notifyFailed(uiNotificationService, TITLE_RESIDUAL, e, service);
    return undefined;
  } finally {
    release();
  }
}
