// Toolbar: the "Denoise Na" buttons and their evaluators (enabled only on a sodium series, with the reason otherwise).
import type { EvaluateResult, ExtensionParams, ToolbarButtonDefinition } from './ohif';
import { BUTTONS, COMMANDS, EVALUATORS } from './id';
import { checkSodiumSeries } from './sodium';
import { activeDisplaySet } from './viewerState';
import { adaptUnavailableReason } from './adaptAvailability';

/** Button definitions, registered on every mode entry (entering a mode resets the toolbar). */
export const toolbarButtons: ToolbarButtonDefinition[] = [
  {
    id: BUTTONS.denoiseDA,
    uiType: 'ohif.toolButton',
    props: {
      icon: 'tool-window-level',
      label: 'Denoise Na',
      tooltip: 'Denoise this sodium series with the denoising autoencoder (DA)',
      commands: { commandName: COMMANDS.denoise, commandOptions: { method: 'da' } },
      evaluate: EVALUATORS.denoise,
    },
  },
  {
    id: BUTTONS.denoiseNLM,
    uiType: 'ohif.toolButton',
    props: {
      icon: 'tool-freehand-roi',
      label: 'Denoise Na (NLM)',
      tooltip: 'Denoise this sodium series with Rician non-local means (NLM)',
      commands: { commandName: COMMANDS.denoise, commandOptions: { method: 'nlm' } },
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
      icon: 'tool-capture',
      label: 'Save Na to PACS',
      tooltip: 'Store the denoised series as a new DERIVED series (originals are never modified)',
      commands: COMMANDS.saveToPacs,
      evaluate: EVALUATORS.save,
    },
  },
];

export const toolbarButtonIds = toolbarButtons.map((b) => b.id);

export default function getToolbarModule({ servicesManager }: ExtensionParams) {
  return [
    {
      name: EVALUATORS.denoise,
      evaluate: ({ viewportId }: { viewportId?: string }): EvaluateResult => {
        const check = checkSodiumSeries(activeDisplaySet(servicesManager, viewportId));
        return check.ok ? { disabled: false } : { disabled: true, disabledText: check.reason };
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
      name: EVALUATORS.save,
      evaluate: ({ viewportId }: { viewportId?: string }): EvaluateResult => {
        const ds = activeDisplaySet(servicesManager, viewportId);
        return ds && ds.isNaDenoised
          ? { disabled: false }
          : { disabled: true, disabledText: 'Select the viewport showing a denoised sodium series to save it.' };
      },
    },
  ];
}
