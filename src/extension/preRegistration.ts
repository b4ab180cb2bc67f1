// Runs once when OHIF registers the extension: registers the service that holds all of the extension's viewer state
// (options from window.config.naDenoise, backend, worker pools, results, the run lock) and, when configured, the test
// hook reading it.
import type { ExtensionParams } from './ohif';
import { NaDenoiseService, naDenoiseService } from './naDenoiseService';
import { installDebugHook } from './debugHook';
import { readSeriesForDebug, readVolumeForDebug } from './denoiseFlow';
import { debugDenoise, tensorMemory } from './engine';
import { keepDerivedVolumes } from './derivedVolumeKeeper';
import { watchInputs } from './inputCache';

export default function preRegistration(params: ExtensionParams): void {
  const { servicesManager, appConfig } = params;
  servicesManager.registerService(
    NaDenoiseService.REGISTRATION,
    (appConfig?.naDenoise ?? {}) as Record<string, unknown>,
  );
  const service = naDenoiseService(servicesManager);
  service.stopKeeper = keepDerivedVolumes(service, servicesManager);
  service.stopInputWatch = watchInputs(service.inputs, servicesManager);
  installDebugHook(service, {
    readSeries: () => readSeriesForDebug(params),
    readVolume: (uid) => readVolumeForDebug(params, uid),
    denoise: debugDenoise(service),
    tensorMemory,
  });
}
