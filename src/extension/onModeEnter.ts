// On every mode entry (ours and the stock modes): register our buttons first in the primary toolbar, add overlay
// items, show the Sodium panel, warm the engine (backend, weights, DA workers) before the first click, and start the
// ROI readout in mM and the watch that turns clicks into calibration tubes ("Place tubes").
import type { ModeHookParams } from './ohif';
import { toolbarButtons, toolbarButtonIds } from './getToolbarModule';
import { overlayCustomization } from './customizations/overlay';
import { mountSodiumPanel } from './sodiumPanel';
import { warmEngine } from './engine';
import { naDenoiseService } from './naDenoiseService';
import { watchRoiReadout } from './roiReadout';
import { watchTubePlacement } from './tubePlacement';

export default function onModeEnter({ servicesManager, commandsManager, extensionManager }: ModeHookParams): void {
  const { toolbarService, customizationService } = servicesManager.services;
  // Entering a mode resets the toolbar and mode-scope customizations before extension hooks run: re-apply ours.
  toolbarService.register(toolbarButtons());
  toolbarService.updateSection(toolbarService.sections?.primary ?? 'primary', toolbarButtonIds());
  customizationService.setCustomizations(overlayCustomization);
  mountSodiumPanel(servicesManager, commandsManager);
  const service = naDenoiseService(servicesManager);
  void warmEngine(service);
  service.stopRoiReadout?.();
  service.stopRoiReadout = watchRoiReadout(service, servicesManager);
  service.stopTubeWatch?.();
  service.stopTubeWatch = watchTubePlacement(service, servicesManager, extensionManager);
}
