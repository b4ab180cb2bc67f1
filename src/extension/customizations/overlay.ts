// Viewport overlay items: the metrics lines of each comparison viewport (top right), from the display set's naOverlay.
import type { OverlayItemProps } from '../ohif';
import { overlayLines, type NaOverlayInfo } from '../metricsText';

export const OVERLAY_FIELD = 'naOverlay';

function info(p: OverlayItemProps): NaOverlayInfo | undefined {
  return p.displaySet?.[OVERLAY_FIELD] as NaOverlayInfo | undefined;
}

/** One overlay item per line slot, so each line renders on its own row in OHIF's overlay list. */
const LINE_SLOTS = 12;

export const overlayItems = Array.from({ length: LINE_SLOTS }, (_, line) => ({
  id: `naMetrics${line}`,
  inheritsFrom: 'ohif.overlayItem',
  label: '',
  title: 'Sodium denoising',
  condition: (p: OverlayItemProps) => {
    const i = info(p);
    return !!i && overlayLines(i).length > line;
  },
  contentF: (p: OverlayItemProps) => {
    const i = info(p);
    return i ? overlayLines(i)[line] : '';
  },
}));

/** For customizationService.setCustomizations in the extension's onModeEnter (mode scope resets on entry). */
export const overlayCustomization = { 'viewportOverlay.topRight': { $push: overlayItems } };
