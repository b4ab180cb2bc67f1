// The "Denoise Na" click: active sodium series → volume → denoiseVolume → derived display set + comparison layout.
import type { ExtensionParams } from './ohif';
import { checkSodiumSeries } from './sodium';
import { activeDisplaySet } from './viewerState';

export interface DenoiseCommandOptions {
  method?: 'da' | 'nlm';
}

export async function runDenoise(params: ExtensionParams, options: DenoiseCommandOptions): Promise<void> {
  const { servicesManager } = params;
  const { uiNotificationService } = servicesManager.services;
  const ds = activeDisplaySet(servicesManager);
  const check = checkSodiumSeries(ds);
  if (!check.ok) {
    uiNotificationService.show({ title: 'Denoise Na', message: check.reason, type: 'warning' });
    return;
  }
  uiNotificationService.show({ title: 'Denoise Na', message: `${options.method ?? 'da'}: not wired yet`, type: 'info' });
}
