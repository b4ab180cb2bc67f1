// "Save Na to PACS": writes the denoised series as a DERIVED\SECONDARY MR series (new UIDs, references to the source
// images, research-use label) and stores it through the OHIF data source (`store.dicom`: STOW-RS with the source's own
// client and auth on DICOMweb), or downloads a .zip where the source cannot store (dicomjson).
import { zipSync } from 'fflate';
import type { DataSource, ExtensionManager, ExtensionParams } from './ohif';
import { activeDisplaySet } from './viewerState';
import type { DerivedResult } from './saveRegistry';
import { naDenoiseService } from './naDenoiseService';
import { PRODUCT_VERSION, researchLabel } from './id';
import { writeDicomSeries } from '../io/dicom/write';
import { derivedInstanceUid, outputParameters } from '../jobs/derivedSeries';

const TITLE = 'Save Na to PACS';

/**
 * Part-10 files of the derived series. Its SeriesInstanceUID and SOPInstanceUIDs are functions of what produced it
 * (jobs/derivedSeries), so saving the same result twice stores nothing new. DerivationDescription records the
 * method, model name, version and checksum (or NLM's σ and radii), never where the weights were loaded from.
 */
export function derivedDicomFiles(s: DerivedResult): ArrayBuffer[] {
  const identity = {
    derivedFrom: {
      seriesInstanceUID: s.source.seriesInstanceUID,
      sopClassUID: s.source.sopClassUID,
      sopInstanceUIDs: s.source.sopInstanceUIDs,
      header: s.source.header as Record<string, unknown>,
    },
    seriesInstanceUID: s.seriesInstanceUID,
    sopInstanceUid: (n: number) => derivedInstanceUid(s.seriesInstanceUID, n),
    seriesNumber: s.seriesNumber,
    seriesDescription: s.seriesDescription,
  };
  // A concentration map or residual records its own derivation (and a map its Real World Value Mapping in mmol/L).
  if (s.quantity)
    return writeDicomSeries(s.volume, { ...s.quantity.dicom, ...identity, imageComments: s.quantity.imageComments });
  if (!s.method) throw new Error(`"${s.seriesDescription}" records neither a denoiser nor a quantity: nothing to save`);
  const method = s.method.toLowerCase();
  const recorded = outputParameters(method, s.parameters);
  const text = Object.entries(recorded)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return writeDicomSeries(s.volume, {
    ...identity,
    derivation: { method: `${s.method} denoised by sodium-denoise ${PRODUCT_VERSION}`, parameters: recorded },
    imageComments: `${researchLabel(s.method)}. ${s.method} denoising by sodium-denoise ${PRODUCT_VERSION} (${text}).`,
  });
}

/**
 * The data source Save stores to: the configured `storeDataSource`, else the active one. It can store when it has
 * `store.dicom` and, by OHIF's own rule for STOW targets, `supportsStow` (or, unset, a `wadoRoot`).
 */
export function storeTarget(
  extensionManager: ExtensionManager,
  storeDataSource: string | undefined,
): { dataSource?: DataSource; canStore: boolean } {
  const [dataSource] =
    (storeDataSource ? extensionManager.getDataSources?.(storeDataSource) : extensionManager.getActiveDataSource()) ??
    [];
  if (storeDataSource && !dataSource) throw new Error(`No data source named "${storeDataSource}" is configured`);
  const cfg = dataSource?.getConfig?.() ?? {};
  const canStore = typeof dataSource?.store?.dicom === 'function' && !!(cfg.supportsStow ?? cfg.wadoRoot);
  return { dataSource, canStore };
}

/** Instances stored at once: a few requests in flight keep the PACS busy without flooding it. */
const STORE_CONCURRENCY = 4;

/** Stores each Part-10 file through the data source (its client adds its own auth headers); one line on refusal. */
async function storeAll(dataSource: DataSource, files: ArrayBuffer[]): Promise<void> {
  const store = dataSource.store!.dicom!.bind(dataSource.store);
  let next = 0;
  const one = async () => {
    while (next < files.length) {
      const k = next++;
      try {
        await store(files[k]);
      } catch (e) {
        const status = (e as { status?: number })?.status;
        const why = e instanceof Error ? e.message : String(e ?? '');
        throw new Error(
          `The PACS refused image ${k + 1} of ${files.length}${status ? ` (HTTP ${status})` : ''}${why ? `: ${why.slice(0, 200)}` : ''}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STORE_CONCURRENCY, files.length) }, one));
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
  const service = naDenoiseService(servicesManager);
  const ds = activeDisplaySet(servicesManager);
  const s = ds ? service.results.get(ds.displaySetInstanceUID) : undefined;
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
    const { dataSource, canStore } = storeTarget(extensionManager, service.options.storeDataSource);
    if (dataSource && canStore) {
      await storeAll(dataSource, files);
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
    service.recordSave(ds.displaySetInstanceUID, seriesInstanceUID);
    return seriesInstanceUID;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    service.recordError(message);
    uiNotificationService.show({ title: `${TITLE} failed`, message, type: 'error', duration: 10000 });
    return undefined;
  }
}
