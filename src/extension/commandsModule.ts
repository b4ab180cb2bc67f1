// Commands: naDenoise (run the denoiser on the active sodium series), naDenoiseNlmDialog (NLM with parameters from a
// dialog), naSaveToPacs (store the derived series), the quantification actions, naPlaceTubes ("Place tubes") and
// naPrefetchInput (the Denoise Na mode's read of the shown series ahead of the first click).
import type { ExtensionParams } from './ohif';
import { COMMANDS } from './id';
import { runDenoise, type DenoiseCommandOptions } from './denoiseFlow';
import { runSave } from './saveFlow';
import { runAdapt } from './adaptFlow';
import { runConcentrationMap, runResidual, type ConcentrationCommandOptions } from './quantFlow';
import { askNlmParameters } from './nlmDialog';
import { denoiseTarget, seriesName } from './target';
import { activeDisplaySet } from './viewerState';
import { naDenoiseService } from './naDenoiseService';
import { startPlacingTubes, stopPlacingTubes } from './tubePlacement';
import { watchShownInput } from './inputPrefetch';

/** Turns "Place tubes" on or off (toggles without `on`); a viewer without the Probe tool gets a one-line error. */
function placeTubes(params: ExtensionParams, on?: boolean): boolean {
  const service = naDenoiseService(params.servicesManager);
  const want = on ?? !service.placingTubes;
  try {
    if (want) startPlacingTubes(service);
    else stopPlacingTubes(service);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    service.refuseTube(message);
    params.servicesManager.services.uiNotificationService.show({ title: 'Place tubes', message, type: 'error' });
  }
  return service.placingTubes;
}

/** Opens the NLM dialog for the series a click would act on, then runs NLM with what was chosen. */
async function nlmFromDialog(params: ExtensionParams): Promise<string | undefined> {
  const { servicesManager } = params;
  const target = denoiseTarget(
    activeDisplaySet(servicesManager),
    servicesManager.services.displaySetService.getActiveDisplaySets(),
  );
  // An unusable selection: runDenoise says why, without a dialog first.
  if (!target.ok) return runDenoise(params, { method: 'nlm' });
  const nlm = await askNlmParameters(naDenoiseService(servicesManager).options.nlm, seriesName(target.source));
  return nlm ? runDenoise(params, { method: 'nlm', nlm }) : undefined;
}

export default function getCommandsModule(params: ExtensionParams) {
  return {
    defaultContext: 'VIEWER',
    definitions: {
      [COMMANDS.denoise]: { commandFn: (options: DenoiseCommandOptions) => runDenoise(params, options ?? {}) },
      [COMMANDS.denoiseNlmDialog]: { commandFn: () => nlmFromDialog(params) },
      [COMMANDS.saveToPacs]: { commandFn: () => runSave(params) },
      [COMMANDS.adapt]: { commandFn: () => runAdapt(params) },
      [COMMANDS.concentration]: {
        commandFn: (options: ConcentrationCommandOptions) => runConcentrationMap(params, options ?? {}),
      },
      [COMMANDS.residual]: { commandFn: () => runResidual(params) },
      [COMMANDS.placeTubes]: { commandFn: (options?: { on?: boolean }) => placeTubes(params, options?.on) },
      [COMMANDS.prefetch]: {
        commandFn: () => {
          const service = naDenoiseService(params.servicesManager);
          service.stopPrefetch?.();
          service.stopPrefetch = watchShownInput(params, service);
        },
      },
    },
  };
}
