// "Place tubes": while the mode is on, each click on a sodium series (Cornerstone's Probe tool, whose marker stays on
// the image) becomes a calibration tube at that point, checked first (inside the series, not in air, not twice) and
// given the next configured concentration. "Na concentration map" then fits through the placed tubes instead of
// finding them. Removing a marker removes its tube and the other way round; moving one re-checks it. State lives in
// the service; this module only joins it to Cornerstone's tools and events.
import { eventTarget, getRenderingEngines } from '@cornerstonejs/core';
import * as cornerstoneTools from '@cornerstonejs/tools';
import type { DisplaySet, ExtensionManager, ServicesManager } from './ohif';
import type { NaDenoiseService, PlacedTube, PlacementInput } from './naDenoiseService';
import { activeDisplaySet } from './viewerState';
import { checkSodiumSeries } from './sodium';
import { seriesName } from './target';
import { loadSeriesVolume } from './cornerstoneVolume';
import { checkTubePlacement, tubePlacementContext } from '../core/tubes';
import { DEFAULT_TUBE_CONCENTRATIONS_MM } from '../jobs/concentration';
import type { Vec3 } from '../core/volume';

/** Cornerstone's ProbeTool name: a point annotation with a marker, which OHIF's tool groups carry. */
const PROBE = 'Probe';
const TITLE = 'Place tube';

interface ProbeAnnotation {
  annotationUID?: string;
  metadata?: { toolName?: string };
  data?: { handles?: { points?: number[][] } };
}

/**
 * The acquisition a click on `ds` places a tube on (a series we derived counts for its source), or why none.
 * @example const s = placementSeries(servicesManager, ds); if ('reason' in s) …
 */
export function placementSeries(
  servicesManager: ServicesManager,
  ds: DisplaySet | undefined,
): { series: DisplaySet } | { reason: string } {
  if (!ds) return { reason: 'click on a viewport showing a sodium series' };
  const source = ds.naSourceDisplaySetInstanceUID as string | undefined;
  if (source) {
    const original = servicesManager.services.displaySetService.getDisplaySetByUID(source);
    return original
      ? { series: original }
      : { reason: `the source series of ${seriesName(ds)} is no longer in the viewer` };
  }
  const check = checkSodiumSeries(ds);
  return check.ok ? { series: ds } : { reason: check.reason };
}

/** The next tube's concentration: the first configured one no tube of the series has yet, else the last one. */
export function nextConcentration(configured: readonly number[] | undefined, placed: readonly PlacedTube[]): number {
  const list = configured?.length ? configured : DEFAULT_TUBE_CONCENTRATIONS_MM;
  return list.find((c) => !placed.some((t) => t.concentrationMM === c)) ?? list[list.length - 1];
}

/** Re-draws annotations on every viewport (a marker added or removed outside a tool's own gesture). */
function renderAll(): void {
  for (const engine of getRenderingEngines() ?? []) engine.render();
}

/** Removes a marker annotation (its tube follows through ANNOTATION_REMOVED). */
function removeMarker(id: string): void {
  cornerstoneTools.annotation.state.removeAnnotation(id);
  renderAll();
}

/**
 * Turns "Place tubes" on: the Probe tool takes the primary mouse button in every tool group (what had it is
 * restored by stopPlacingTubes). Throws one line when the viewer has no Probe tool.
 * @example startPlacingTubes(service) // then clicks on a series place tubes
 */
export function startPlacingTubes(service: NaDenoiseService): void {
  if (service.placingTubes) return;
  const { ToolGroupManager, Enums } = cornerstoneTools;
  const primary = [{ mouseButton: Enums.MouseBindings.Primary }];
  const replaced: Array<{ group: ReturnType<typeof ToolGroupManager.getAllToolGroups>[number]; prev?: string }> = [];
  for (const group of ToolGroupManager.getAllToolGroups()) {
    if (!group.hasTool(PROBE)) {
      try {
        group.addTool(PROBE);
      } catch {
        continue; // not registered with Cornerstone tools in this viewer
      }
    }
    const prev = group.getActivePrimaryMouseButtonTool();
    if (prev && prev !== PROBE) group.setToolPassive(prev);
    group.setToolActive(PROBE, { bindings: primary });
    replaced.push({ group, prev: prev === PROBE ? undefined : prev });
  }
  if (replaced.length === 0)
    throw new Error('this viewer has no Probe tool to place tubes with: give their positions to the command instead');
  service.restoreTools = () => {
    for (const { group, prev } of replaced) {
      group.setToolPassive(PROBE);
      if (prev) group.setToolActive(prev, { bindings: primary });
    }
  };
  service.setPlacingTubes(true);
}

/** Turns "Place tubes" off: the tools it replaced take the primary button again; placed tubes stay. */
export function stopPlacingTubes(service: NaDenoiseService): void {
  const restore = service.restoreTools;
  service.restoreTools = undefined;
  try {
    restore?.();
  } finally {
    service.setPlacingTubes(false);
  }
}

/** Removes a placed tube and its marker. */
export function removePlacedTube(service: NaDenoiseService, id: string): void {
  service.removeTube(id);
  if (cornerstoneTools.annotation.state.getAnnotation(id)) removeMarker(id);
}

/** The placement voxels of `series`, loaded on the first click (one acquisition kept at a time). */
function placementInput(
  service: NaDenoiseService,
  series: DisplaySet,
  extensionManager: ExtensionManager,
): Promise<PlacementInput> {
  const uid = series.displaySetInstanceUID;
  let input = service.placementInputs.get(uid);
  if (!input) {
    service.placementInputs.clear();
    input = loadSeriesVolume(series, extensionManager).then(({ volume }) => ({
      volume,
      context: tubePlacementContext(volume),
    }));
    service.placementInputs.set(uid, input);
    // A failed load is not kept: the next click tries again.
    input.catch(() => service.placementInputs.get(uid) === input && service.placementInputs.delete(uid));
  }
  return input;
}

/** Checks a marker and records it as a tube (new, or moved); a refused one is removed with a one-line message. */
async function placeMarker(
  service: NaDenoiseService,
  servicesManager: ServicesManager,
  extensionManager: ExtensionManager,
  annotation: ProbeAnnotation,
): Promise<void> {
  const id = annotation.annotationUID ?? '';
  const point = annotation.data?.handles?.points?.[0];
  const earlier = service.placedTubes.find((t) => t.id === id);
  try {
    if (!point || point.length !== 3) throw new Error('the marker has no position');
    const viewport = cornerstoneTools.utilities.getViewportForAnnotation?.(annotation as never);
    const ds = activeDisplaySet(servicesManager, viewport?.id);
    const found = placementSeries(servicesManager, ds);
    if ('reason' in found) throw new Error(found.reason);
    const { series } = found;
    const input = await placementInput(service, series, extensionManager);
    const others = service.placedTubesFor(series.displaySetInstanceUID).filter((t) => t.id !== id);
    const voxel = checkTubePlacement(
      input.volume,
      input.context,
      point,
      others.map((t) => t.positionMm),
    );
    service.placeTube({
      id,
      positionMm: [point[0], point[1], point[2]] as Vec3,
      voxel,
      concentrationMM:
        earlier?.seriesDisplaySetInstanceUID === series.displaySetInstanceUID
          ? earlier.concentrationMM
          : nextConcentration(service.options.tubeConcentrationsMM, others),
      seriesDisplaySetInstanceUID: series.displaySetInstanceUID,
      seriesName: seriesName(series),
    });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const message = earlier ? `Tube #${tubeNumber(service, id)} removed: ${reason}` : `Tube not placed: ${reason}`;
    service.refuseTube(message);
    removePlacedTube(service, id);
    servicesManager.services.uiNotificationService.show({ title: TITLE, message, type: 'warning', duration: 6000 });
  }
}

function tubeNumber(service: NaDenoiseService, id: string): number {
  return service.placedTubes.findIndex((t) => t.id === id) + 1;
}

/**
 * Starts the watch: new Probe markers while placing become tubes, moved markers are re-checked, removed ones drop
 * their tube, and another tool taking the primary button ends placing. Returns the function that stops it.
 * @example service.stopTubeWatch = watchTubePlacement(service, servicesManager, extensionManager)
 */
export function watchTubePlacement(
  service: NaDenoiseService,
  servicesManager: ServicesManager,
  extensionManager: ExtensionManager,
): () => void {
  const { Enums } = cornerstoneTools;
  const { Events } = Enums;
  const annotationOf = (evt: Event) => (evt as CustomEvent<{ annotation?: ProbeAnnotation }>).detail?.annotation;
  const onCompleted = (evt: Event) => {
    const a = annotationOf(evt);
    if (!a?.annotationUID || a.metadata?.toolName !== PROBE || !service.placingTubes) return;
    void placeMarker(service, servicesManager, extensionManager, a);
  };
  const onModified = (evt: Event) => {
    const a = annotationOf(evt);
    const tube = a?.annotationUID && service.placedTubes.find((t) => t.id === a.annotationUID);
    const point = a?.data?.handles?.points?.[0];
    // Statistics updates also say "modified": only a marker that moved is checked again.
    if (a && tube && !(point && point.every((v, i) => Math.abs(v - tube.positionMm[i]) < 1e-6)))
      void placeMarker(service, servicesManager, extensionManager, a);
  };
  const onRemoved = (evt: Event) => {
    const a = annotationOf(evt);
    if (a?.annotationUID) service.removeTube(a.annotationUID);
  };
  // Another tool given the primary button (OHIF's toolbar) ends placing: the reader chose it, nothing to restore.
  const onToolActivated = (evt: Event) => {
    const d = (
      evt as CustomEvent<{ toolName?: string; toolBindingsOptions?: { bindings?: { mouseButton?: number }[] } }>
    ).detail;
    const bindings = d?.toolBindingsOptions?.bindings;
    const primary = !bindings || bindings.some((b) => b.mouseButton === Enums.MouseBindings.Primary);
    if (!service.placingTubes || !d?.toolName || d.toolName === PROBE || !primary) return;
    service.restoreTools = undefined;
    service.setPlacingTubes(false);
  };
  const listeners: Array<[string, (evt: Event) => void]> = [
    [Events.TOOL_ACTIVATED, onToolActivated],
    [Events.ANNOTATION_COMPLETED, onCompleted],
    [Events.ANNOTATION_MODIFIED, onModified],
    [Events.ANNOTATION_REMOVED, onRemoved],
  ];
  for (const [name, fn] of listeners) eventTarget.addEventListener(name, fn);
  return () => {
    for (const [name, fn] of listeners) eventTarget.removeEventListener(name, fn);
  };
}
