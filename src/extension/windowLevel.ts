// Gives the comparison viewports the original's window/level once they render (the VOI sync group only relays
// later changes; each viewport would otherwise start from its own data range).

import type { CornerstoneViewportService } from './ohif';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sets a viewport's display range once it renders (a concentration map in mM, a residual around 0); ~5 s at most. */
export async function setViewportRange(
  lookup: CornerstoneViewportService | undefined,
  viewportId: string,
  [lower, upper]: readonly [number, number],
): Promise<boolean> {
  if (!lookup?.getCornerstoneViewport) return false;
  for (let attempt = 0; attempt < 20; attempt++) {
    await sleep(250);
    const v = lookup.getCornerstoneViewport(viewportId);
    if (!v?.getProperties().voiRange) continue;
    v.setProperties({ voiRange: { lower, upper } });
    v.render();
    return true;
  }
  return false;
}

/** Copies the first viewport's VOI to the others; gives up quietly after ~5 s (the layout may have changed). */
export async function alignWindowLevel(
  lookup: CornerstoneViewportService | undefined,
  viewportIds: readonly string[],
): Promise<boolean> {
  if (!lookup?.getCornerstoneViewport) return false;
  for (let attempt = 0; attempt < 20; attempt++) {
    await sleep(250);
    const viewports = viewportIds.map((id) => lookup.getCornerstoneViewport(id));
    if (viewports.some((v) => !v)) continue;
    const range = viewports[0]!.getProperties().voiRange;
    if (!range) continue;
    for (const v of viewports.slice(1)) {
      v!.setProperties({ voiRange: { ...range } });
      v!.render();
    }
    return true;
  }
  return false;
}
