// "Save Na to PACS": writes the denoised series as a DERIVED\SECONDARY MR series (new UIDs, references to the source
// images, research-use label) and stores it with STOW-RS on a DICOMweb source, or downloads a .zip (dicomjson).
import { zipSync } from 'fflate';
import type { ExtensionParams } from './ohif';
import { activeDisplaySet } from './viewerState';
import { savable, type SavableSeries } from './saveRegistry';
import { debugHook } from './debugHook';
import { PRODUCT_VERSION, researchLabel } from './id';
import { writeDicomSeries } from '../io/dicom/write';
import { stowBody, stowContentType } from '../io/pacs/multipart';
import { derivedInstanceUid, outputParameters } from '../jobs/derivedSeries';

const TITLE = 'Save Na to PACS';

/**
 * Part-10 files of the derived series. Its SeriesInstanceUID and SOPInstanceUIDs are functions of what produced it
 * (jobs/derivedSeries), so saving the same result twice stores nothing new. DerivationDescription records the
 * method, model name, version and checksum (or NLM's σ and radii), never where the weights were loaded from.
 */
export function derivedDicomFiles(s: SavableSeries): ArrayBuffer[] {
  const method = s.method.toLowerCase();
  const recorded = outputParameters(method, s.parameters);
  const text = Object.entries(recorded)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return writeDicomSeries(s.volume, {
    derivedFrom: {
      seriesInstanceUID: s.source.seriesInstanceUID,
      sopClassUID: s.source.sopClassUID,
      sopInstanceUIDs: s.source.sopInstanceUIDs,
      header: s.source.header as Record<string, unknown>,
    },
    derivation: { method: `${s.method} denoised by sodium-denoise ${PRODUCT_VERSION}`, parameters: recorded },
    seriesInstanceUID: s.seriesInstanceUID,
    sopInstanceUid: (n: number) => derivedInstanceUid(s.seriesInstanceUID, n),
    seriesNumber: s.seriesNumber,
    seriesDescription: s.seriesDescription,
    imageComments: `${researchLabel(s.method)}. ${s.method} denoising by sodium-denoise ${PRODUCT_VERSION} (${text}).`,
  });
}

export { stowBody };

interface StowConfig {
  wadoRoot?: string;
  supportsStow?: boolean;
}

async function stow(wadoRoot: string, files: ArrayBuffer[], headers: Record<string, string>): Promise<void> {
  const boundary = `na-${crypto.randomUUID()}`;
  const r = await fetch(`${wadoRoot.replace(/\/$/, '')}/studies`, {
    method: 'POST',
    headers: {
      ...headers,
      Accept: 'application/dicom+json',
      'Content-Type': stowContentType(boundary),
    },
    body: stowBody(files, boundary),
  });
  if (!r.ok) {
    const text = await r.text().catch(() => '');
    throw new Error(`The PACS refused the series (HTTP ${r.status}${text ? `: ${text.slice(0, 200)}` : ''})`);
  }
}

function download(files: ArrayBuffer[], name: string): void {
  const entries: Record<string, Uint8Array> = {};
  files.forEach((f, k) => (entries[`${name}/IM${String(k + 1).padStart(5, '0')}.dcm`] = new Uint8Array(f)));
  const zip = zipSync(entries, { level: 0 });
  const url = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}.zip`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function runSave(params: ExtensionParams): Promise<string | undefined> {
  const { servicesManager, extensionManager } = params;
  const { uiNotificationService } = servicesManager.services;
  const ds = activeDisplaySet(servicesManager);
  const s = ds ? savable(ds.displaySetInstanceUID) : undefined;
  if (!ds || !s) {
    uiNotificationService.show({
      title: TITLE,
      message: 'Select the viewport showing a denoised sodium series.',
      type: 'warning',
    });
    return undefined;
  }
  try {
    const seriesInstanceUID = s.seriesInstanceUID;
    const files = derivedDicomFiles(s);
    const [dataSource] = extensionManager.getActiveDataSource();
    const cfg = (dataSource?.getConfig?.() ?? {}) as StowConfig;
    if (cfg.wadoRoot && cfg.supportsStow) {
      const auth = servicesManager.services.userAuthenticationService?.getAuthorizationHeader?.();
      await stow(cfg.wadoRoot, files, auth ?? {});
      uiNotificationService.show({
        title: TITLE,
        message: s.saved.length
          ? `"${s.seriesDescription}" is already on the PACS (same series UID): nothing new was stored.`
          : `Stored "${s.seriesDescription}" (series ${s.seriesNumber}, ${files.length} images) as a DERIVED series; the originals are unchanged.`,
        type: 'success',
        duration: 6000,
      });
    } else {
      download(files, s.seriesDescription.replace(/[^\w.-]+/g, '_'));
      uiNotificationService.show({
        title: TITLE,
        message: `This data source cannot store images: downloaded "${s.seriesDescription}" as DICOM files (.zip) instead.`,
        type: 'info',
        duration: 6000,
      });
    }
    s.saved.push(seriesInstanceUID);
    const hook = debugHook();
    (hook.saves ??= []).push(seriesInstanceUID);
    if (hook.lastResult?.displaySetInstanceUID === ds.displaySetInstanceUID)
      hook.lastResult.savedSeriesInstanceUID = seriesInstanceUID;
    return seriesInstanceUID;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    debugHook().errors.push(message);
    uiNotificationService.show({ title: `${TITLE} failed`, message, type: 'error', duration: 10000 });
    return undefined;
  }
}
