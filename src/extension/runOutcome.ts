// How a viewer run that adds a derived series ends when it does not succeed: the same words for every action, so a
// cancelled run always says nothing was added, and a failure always reaches the notification and the test hook.
import type { UINotificationService } from './ohif';
import type { NaDenoiseService } from './naDenoiseService';

/** Tells the user a cancelled run added nothing to the study. */
export function notifyCancelled(ui: UINotificationService, title: string): void {
  ui.show({ title, message: 'Cancelled: nothing was added to the study.', type: 'info', duration: 4000 });
}

/** Shows a failed run's error and records it in the service (where support and the test hook read errors). */
export function notifyFailed(
  ui: UINotificationService,
  title: string,
  error: unknown,
  service: NaDenoiseService,
): void {
  const message = error instanceof Error ? error.message : String(error);
  service.recordError(message);
  console.warn('[na-denoise]', error);
  ui.show({ title: `${title} failed`, message, type: 'error', duration: 10000 });
}
