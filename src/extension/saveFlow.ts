// "Save Na to PACS": the derived series as DERIVED MR DICOM, stored by STOW-RS or downloaded (dicomjson).
import type { ExtensionParams } from './ohif';

export async function runSave(params: ExtensionParams): Promise<void> {
  params.servicesManager.services.uiNotificationService.show({ title: 'Save Na', message: 'not wired yet', type: 'info' });
}
