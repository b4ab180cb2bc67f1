// Toolbar: the "Denoise Na" buttons and their evaluators (enabled only on a sodium series, with the reason otherwise).
import type { EvaluateResult, ExtensionParams, ToolbarButtonDefinition } from './ohif';
import { BUTTONS, COMMANDS, EVALUATORS } from './id';
import { denoiseTarget } from './target';
import { activeDisplaySet } from './viewerState';
import { adaptUnavailableReason } from './adaptAvailability';
import { concentrationUnavailableReason, residualUnavailableReason } from './quantAvailability';
import { naDenoiseService } from './naDenoiseService';

/** What each action does and on which series (toolbar tooltips and the Sodium panel say the same). */
export const DA_TOOLTIP =
  'Denoise Na (DA): denoises the selected 23Na series with the denoising autoencoder and shows original | denoised | reference. On a denoised or reference series it acts on that series’ source.';
export const NLM_TOOLTIP =
  'Denoise Na (NLM): asks for DIPY’s NLM parameters (patch_radius, block_radius, rician, σ), then denoises the selected 23Na series (or the source of a selected derived series).';
export const CONCENTRATION_TOOLTIP =
  'Na concentration map: finds the calibration tubes beside the head, fits signal → mM through their known concentrations (fit and residuals shown) and adds the series in mM beside its input. Works on an original or a denoised series; draw an ellipse or rectangle on the map for a readout in mM.';
export const RESIDUAL_TOOLTIP =
  'Residual: adds input − denoised for the selected denoised series beside its input, to check that what denoising removed looks like noise, not anatomy.';
export const SAVE_TOOLTIP =
  'Save Na to PACS: stores the denoised series shown in the selected viewport as a DERIVED series in the same study (saving it again stores nothing new); originals are never modified.';

/** Button definitions, registered on every mode entry (entering a mode resets the toolbar); fresh objects each time. */
export function toolbarButtons(): ToolbarButtonDefinition[] {
  return [
    {
      id: BUTTONS.denoiseDA,
      uiType: 'ohif.toolButton',
      props: {
        icon: 'ActionsSmooth',
        label: 'Denoise Na (DA)',
        tooltip: DA_TOOLTIP,
        commands: { commandName: COMMANDS.denoise, commandOptions: { method: 'da' } },
        evaluate: EVALUATORS.denoise,
      },
    },
    {
      id: BUTTONS.denoiseNLM,
      uiType: 'ohif.toolButton',
      props: {
        icon: 'ActionsSimplify',
        label: 'Denoise Na (NLM)…',
        tooltip: NLM_TOOLTIP,
        commands: { commandName: COMMANDS.denoiseNlmDialog },
        evaluate: EVALUATORS.denoise,
      },
    },
    {
      id: BUTTONS.adapt,
      uiType: 'ohif.toolButton',
      props: {
        icon: 'tool-layout',
        label: 'Adapt DA to this study',
        tooltip: "Fine-tune the DA on this study's own repeated acquisitions (in this browser), then denoise",
        commands: COMMANDS.adapt,
        evaluate: EVALUATORS.adapt,
      },
    },
    {
      id: BUTTONS.save,
      uiType: 'ohif.toolButton',
      props: {
        icon: 'icon-transferring',
        label: 'Save Na to PACS',
        tooltip: SAVE_TOOLTIP,
        commands: COMMANDS.saveToPacs,
        evaluate: EVALUATORS.save,
      },
    },
    {
      id: BUTTONS.concentration,
      uiType: 'ohif.toolButton',
      props: {
        icon: 'tool-calibration',
        label: 'Na concentration map',
        tooltip: CONCENTRATION_TOOLTIP,
        commands: COMMANDS.concentration,
        evaluate: EVALUATORS.concentration,
      },
    },
    {
      id: BUTTONS.residual,
      uiType: 'ohif.toolButton',
      props: {
        icon: 'tool-invert',
        label: 'Residual (input − denoised)',
        tooltip: RESIDUAL_TOOLTIP,
        commands: COMMANDS.residual,
        evaluate: EVALUATORS.residual,
      },
    },
  ];
}

export function toolbarButtonIds(): string[] {
  return toolbarButtons().map((b) => b.id);
}

export default function getToolbarModule({ servicesManager }: ExtensionParams) {
  return [
    {
      name: EVALUATORS.denoise,
      evaluate: ({ viewportId }: { viewportId?: string }): EvaluateResult => {
        const target = denoiseTarget(
          activeDisplaySet(servicesManager, viewportId),
          servicesManager.services.displaySetService.getActiveDisplaySets(),
        );
        return target.ok ? { disabled: false } : { disabled: true, disabledText: target.reason };
      },
    },
    {
      name: EVALUATORS.adapt,
      evaluate: ({ viewportId }: { viewportId?: string }): EvaluateResult => {
        const all = servicesManager.services.displaySetService.getActiveDisplaySets();
        const reason = adaptUnavailableReason(activeDisplaySet(servicesManager, viewportId), all);
        return reason ? { disabled: true, disabledText: reason } : { disabled: false };
      },
    },
    {
      name: EVALUATORS.concentration,
      evaluate: ({ viewportId }: { viewportId?: string }): EvaluateResult => {
        const ds = activeDisplaySet(servicesManager, viewportId);
        const result = ds && naDenoiseService(servicesManager).results.get(ds.displaySetInstanceUID);
        const reason = concentrationUnavailableReason(ds, result);
        return reason ? { disabled: true, disabledText: reason } : { disabled: false };
      },
    },
    {
      name: EVALUATORS.residual,
      evaluate: ({ viewportId }: { viewportId?: string }): EvaluateResult => {
        const ds = activeDisplaySet(servicesManager, viewportId);
        const result = ds && naDenoiseService(servicesManager).results.get(ds.displaySetInstanceUID);
        const reason = residualUnavailableReason(ds, result);
        return reason ? { disabled: true, disabledText: reason } : { disabled: false };
      },
    },
    {
      name: EVALUATORS.save,
      evaluate: ({ viewportId }: { viewportId?: string }): EvaluateResult => {
        const ds = activeDisplaySet(servicesManager, viewportId);
        // Every series we made can be saved: denoised results, concentration maps, residuals.
        return ds && naDenoiseService(servicesManager).results.has(ds.displaySetInstanceUID)
          ? { disabled: false }
          : {
              disabled: true,
              disabledText: 'Select the viewport showing a series made here (denoised, mM, residual) to save it.',
            };
      },
    },
  ];
}
