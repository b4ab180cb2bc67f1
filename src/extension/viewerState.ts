// Small readers of OHIF viewer state shared by the toolbar, commands and overlay.
import type { DisplaySet, ServicesManager } from './ohif';

/** The display set shown in a viewport (the active one by default). */
export function activeDisplaySet(servicesManager: ServicesManager, viewportId?: string): DisplaySet | undefined {
  const { viewportGridService, displaySetService } = servicesManager.services;
  const id = viewportId ?? viewportGridService.getActiveViewportId();
  if (!id) return undefined;
  const uid = viewportGridService.getDisplaySetsUIDsForViewport(id)?.[0];
  return uid ? displaySetService.getDisplaySetByUID(uid) : undefined;
}
