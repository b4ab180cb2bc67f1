// The "Sodium" panel: the denoising and quantification actions with their own icons, visible labels, a line each on
// what they do, which series the next click acts on, the calibration tubes placed by clicking (concentration editable,
// removable), and the last concentration fit and ROI readout in mM. Plain DOM (no React, see the integration note
// §10), re-rendered when the service, the display sets or the viewport grid publish a change (no polling); it also
// gives truncated names in the viewer their full text as a tooltip, as they appear.
import type { CommandsManager, ServicesManager, Subscription } from './ohif';
import { COMMANDS } from './id';
import { CONCENTRATION_TOOLTIP, DA_TOOLTIP, NLM_TOOLTIP, RESIDUAL_TOOLTIP, SAVE_TOOLTIP } from './getToolbarModule';
import { concentrationUnavailableReason, residualUnavailableReason } from './quantAvailability';
import { denoiseTarget, seriesName } from './target';
import { activeDisplaySet } from './viewerState';
import { naDenoiseService, type NaDenoiseService, type PlacedTube } from './naDenoiseService';
import { removePlacedTube } from './tubePlacement';

const PANEL_ID = 'na-sodium-panel';

/** Our own 16 px icons (stroke = currentColor): a noisy→smooth wave, a patch grid, a tray with an up arrow. */
const ICONS = {
  da: '<path d="M1 9 L3 5 L4 12 L6 4 L7 10" /><path d="M9 8 C11 4 13 4 15 8" />',
  nlm: '<rect x="1.5" y="1.5" width="5" height="5"/><rect x="9.5" y="1.5" width="5" height="5"/><rect x="1.5" y="9.5" width="5" height="5"/><rect x="9.5" y="9.5" width="5" height="5" stroke-dasharray="2 1"/>',
  save: '<path d="M8 11 V2 M4.5 5.5 L8 2 L11.5 5.5" /><path d="M2 10 V14 H14 V10" />',
  mM: '<path d="M2 14 L14 2" /><circle cx="4" cy="10" r="1.6"/><circle cx="8" cy="7" r="1.6"/><circle cx="12" cy="4" r="1.6"/>',
  residual: '<path d="M1 8 L3 6 L5 10 L7 5 L9 11 L11 6 L13 9 L15 8" stroke-dasharray="1.5 1" />',
  tube: '<rect x="5.5" y="1.5" width="5" height="13" rx="2.5"/><path d="M5.5 9 H10.5" />',
  na: '<circle cx="8" cy="8" r="6.5"/><text x="8" y="11" font-size="7" text-anchor="middle" stroke="none" fill="currentColor">Na</text>',
};

function icon(svg: string): string {
  return `<svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.4" aria-hidden="true">${svg}</svg>`;
}

const STYLE =
  'position:fixed;left:8px;bottom:8px;z-index:9000;width:268px;border-radius:8px;background:#090c29ee;color:#e1e1e1;' +
  'border:1px solid #3a3f99;font:12px/1.4 Inter,system-ui,sans-serif;box-shadow:0 4px 16px #0008';
const BUTTON =
  'display:flex;gap:8px;align-items:flex-start;width:100%;text-align:left;padding:6px 10px;border:0;background:none;' +
  'color:inherit;cursor:pointer;font:inherit';

interface Action {
  /** Why it cannot act on the selection now (undefined: it can). */
  unavailable: () => string | undefined;
  cy: string;
  icon: string;
  label: string;
  help: string;
  tooltip: string;
  run: () => unknown;
}

/**
 * Adds the panel (every mode entry calls this: an earlier panel is unmounted first, its subscriptions ended).
 * Returns the function that unmounts it.
 * @example const unmount = mountSodiumPanel(servicesManager, commandsManager)
 */
export function mountSodiumPanel(servicesManager: ServicesManager, commandsManager: CommandsManager): () => void {
  if (typeof document === 'undefined') return () => undefined;
  const service = naDenoiseService(servicesManager);
  service.unmountPanel?.();
  document.getElementById(PANEL_ID)?.remove();
  const root = document.createElement('div');
  root.id = PANEL_ID;
  root.setAttribute('data-cy', 'na-panel');
  root.setAttribute('role', 'region');
  root.setAttribute('aria-label', 'Sodium denoising');
  root.style.cssText = STYLE;

  const head = document.createElement('button');
  head.style.cssText = BUTTON + ';font-weight:600;color:#5acce6;border-bottom:1px solid #1f2459';
  head.innerHTML = `${icon(ICONS.na)}<span style="flex:1">Sodium denoising</span><span data-cy="na-panel-toggle">▾</span>`;
  head.title = 'Show or hide the sodium (23Na) denoising tools';
  const body = document.createElement('div');
  head.onclick = () => {
    body.hidden = !body.hidden;
    head.lastElementChild!.textContent = body.hidden ? '▸' : '▾';
  };

  const selectedResult = () => {
    const ds = activeDisplaySet(servicesManager);
    return ds && naDenoiseService(servicesManager).results.get(ds.displaySetInstanceUID);
  };
  const denoiseReason = () => {
    const t = denoiseTarget(
      activeDisplaySet(servicesManager),
      servicesManager.services.displaySetService.getActiveDisplaySets(),
    );
    return t.ok ? undefined : t.reason;
  };
  const target = document.createElement('div');
  target.setAttribute('data-cy', 'na-panel-target');
  target.style.cssText = 'padding:6px 10px;color:#9aa3d1';

  const actions: Action[] = [
    {
      cy: 'na-panel-da',
      icon: ICONS.da,
      label: 'Denoise (DA)',
      help: 'Deep denoising autoencoder; shows original | denoised | reference with pSNR/SSIM.',
      tooltip: DA_TOOLTIP,
      unavailable: () => denoiseReason(),
      run: () => commandsManager.runCommand(COMMANDS.denoise, { method: 'da' }),
    },
    {
      cy: 'na-panel-nlm',
      icon: ICONS.nlm,
      label: 'Denoise (NLM)…',
      help: 'Rician non-local means; asks for patch/block radius and σ first.',
      tooltip: NLM_TOOLTIP,
      unavailable: () => denoiseReason(),
      run: () => commandsManager.runCommand(COMMANDS.denoiseNlmDialog),
    },
    {
      cy: 'na-panel-concentration',
      icon: ICONS.mM,
      label: 'Na concentration map',
      help: 'Tubes → signal-to-mM fit (shown); adds the series in mM. Draw an ellipse on it for mean ± SD in mM.',
      tooltip: CONCENTRATION_TOOLTIP,
      unavailable: () => concentrationUnavailableReason(activeDisplaySet(servicesManager), selectedResult()),
      run: () => commandsManager.runCommand(COMMANDS.concentration),
    },
    {
      cy: 'na-panel-residual',
      icon: ICONS.residual,
      label: 'Residual (input − denoised)',
      help: 'What denoising removed: it should look like noise, not anatomy.',
      tooltip: RESIDUAL_TOOLTIP,
      unavailable: () => residualUnavailableReason(activeDisplaySet(servicesManager), selectedResult()),
      run: () => commandsManager.runCommand(COMMANDS.residual),
    },
    {
      cy: 'na-panel-save',
      icon: ICONS.save,
      label: 'Save to PACS',
      help: 'Stores the selected denoised series as a DERIVED series; originals untouched.',
      tooltip: SAVE_TOOLTIP,
      unavailable: () =>
        selectedResult() ? undefined : 'select the viewport showing a series made here (denoised, mM, residual).',
      run: () => commandsManager.runCommand(COMMANDS.saveToPacs),
    },
  ];
  const buttons = actions.map((a) => {
    const b = document.createElement('button');
    b.setAttribute('data-cy', a.cy);
    b.style.cssText = BUTTON;
    b.title = a.tooltip;
    b.innerHTML = `<span style="color:#5acce6;margin-top:1px">${icon(a.icon)}</span><span><span style="font-weight:600">${a.label}</span><br><span style="color:#9aa3d1">${a.help}</span></span>`;
    b.onclick = () => void a.run();
    return b;
  });
  // The last concentration fit (or residual) and ROI readout in mM.
  const quant = document.createElement('div');
  quant.setAttribute('data-cy', 'na-quant-text');
  quant.style.cssText = 'padding:4px 10px;color:#e1e1e1;border-top:1px solid #1f2459';
  const roi = document.createElement('div');
  roi.setAttribute('data-cy', 'na-roi-readout');
  roi.style.cssText = 'padding:2px 10px 6px;color:#5acce6;font-weight:600';
  const tubes = tubesSection(service, commandsManager);
  body.append(target, ...buttons, tubes.root, quant, roi);
  root.append(head, body);
  document.body.appendChild(root);

  const refresh = () => {
    if (!root.isConnected) return unmount();
    const { displaySetService } = servicesManager.services;
    const selected = activeDisplaySet(servicesManager);
    const t = denoiseTarget(selected, displaySetService.getActiveDisplaySets());
    put(
      target,
      'textContent',
      t.ok
        ? t.derivedFrom
          ? `Selected ${seriesName(t.derivedFrom)} is derived: denoising acts on its source ${seriesName(t.source)}.`
          : `Acts on ${seriesName(t.source)}.`
        : t.reason,
    );
    buttons.forEach((b, i) => {
      const reason = actions[i].unavailable();
      put(b, 'disabled', reason !== undefined);
      put(b.style, 'opacity', reason === undefined ? '1' : '0.45');
      put(b.style, 'cursor', reason === undefined ? 'pointer' : 'not-allowed');
      put(b, 'title', reason === undefined ? actions[i].tooltip : `${actions[i].tooltip}\nNot available: ${reason}`);
    });
    tubes.render(selected !== undefined);
    put(quant, 'textContent', service.lastQuant?.text ?? '');
    put(quant, 'hidden', !service.lastQuant);
    put(roi, 'textContent', service.lastRoi?.text ?? '');
    put(roi, 'hidden', !service.lastRoi);
  };
  // Several changes in one task (a run adds a set, changes the layout, records its result) render once.
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      refresh();
    });
  };
  const { displaySetService, viewportGridService } = servicesManager.services;
  const subscriptions: Subscription[] = [
    service.subscribe(service.EVENTS.CHANGED, schedule),
    ...[displaySetService, viewportGridService].flatMap((svc) =>
      Object.values(svc.EVENTS ?? {}).map((event) => svc.subscribe(event, schedule)),
    ),
  ];
  const names = watchFullNames();
  let mounted = true;
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    subscriptions.forEach((s) => s.unsubscribe());
    names.disconnect();
    root.remove();
    if (service.unmountPanel === unmount) service.unmountPanel = undefined;
  };
  service.unmountPanel = unmount;
  refresh();
  fullNameTooltips();
  return unmount;
}

const TUBE_ROW = 'display:flex;gap:6px;align-items:center;padding:2px 10px';
const TUBE_INPUT =
  'width:52px;background:#151a45;color:inherit;border:1px solid #3a3f99;border-radius:3px;font:inherit;padding:0 3px';

/**
 * "Place tubes" (toggle), the placed tubes (concentration editable, remove), and the last refused placement. Renders
 * the list again only when it changed, and never under a focused input (the reader may be typing in it).
 */
function tubesSection(
  service: NaDenoiseService,
  commandsManager: CommandsManager,
): { root: HTMLElement; render(canPlace: boolean): void } {
  const root = document.createElement('div');
  root.style.cssText = 'border-top:1px solid #1f2459';
  const toggle = document.createElement('button');
  toggle.setAttribute('data-cy', 'na-panel-place-tubes');
  toggle.style.cssText = BUTTON;
  const list = document.createElement('div');
  list.setAttribute('data-cy', 'na-tube-list');
  const message = document.createElement('div');
  message.setAttribute('data-cy', 'na-tube-message');
  message.style.cssText = 'padding:2px 10px 4px;color:#f5a623';
  root.append(toggle, list, message);
  toggle.onclick = () => void commandsManager.runCommand(COMMANDS.placeTubes);
  let shown = '';
  let toggleHtml = '';
  const renderList = (tubes: readonly PlacedTube[]) => {
    const key = JSON.stringify(tubes.map((t) => [t.id, t.concentrationMM, t.positionMm]));
    if (key === shown || list.contains(document.activeElement)) return;
    shown = key;
    list.replaceChildren(
      ...tubes.map((t, i) => {
        const row = document.createElement('div');
        row.setAttribute('data-cy', 'na-tube');
        row.style.cssText = TUBE_ROW;
        const label = document.createElement('span');
        label.textContent = `#${i + 1}`;
        const mM = document.createElement('input');
        mM.type = 'number';
        mM.min = '0';
        mM.step = 'any';
        mM.value = String(t.concentrationMM);
        mM.setAttribute('data-cy', 'na-tube-mM');
        mM.setAttribute('aria-label', `Tube ${i + 1} concentration (mM)`);
        mM.style.cssText = TUBE_INPUT;
        mM.onchange = () => {
          try {
            service.setTubeConcentration(t.id, mM.value.trim() === '' ? NaN : Number(mM.value));
          } catch (e) {
            service.refuseTube(e instanceof Error ? e.message : String(e));
            mM.value = String(t.concentrationMM);
          }
        };
        const where = document.createElement('span');
        where.style.cssText = 'flex:1;color:#9aa3d1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap';
        where.textContent = `mM at (${t.positionMm.map((v) => v.toFixed(0)).join(', ')})`;
        where.title = `${t.seriesName}: (${t.positionMm.map((v) => v.toFixed(1)).join(', ')}) mm, voxel ${t.voxel.join(', ')}`;
        const remove = document.createElement('button');
        remove.setAttribute('data-cy', 'na-tube-remove');
        remove.textContent = '×';
        remove.title = `Remove tube ${i + 1} and its marker`;
        remove.style.cssText = 'border:0;background:none;color:#e1e1e1;cursor:pointer;font:inherit;font-size:14px';
        remove.onclick = () => removePlacedTube(service, t.id);
        row.append(label, mM, where, remove);
        return row;
      }),
    );
  };
  return {
    root,
    render(canPlace) {
      const placing = service.placingTubes;
      const tubes = service.placedTubes;
      const help = placing
        ? 'Click the centre of each calibration tube on the image; click here when done.'
        : tubes.length
          ? `Na concentration map fits through the ${tubes.length} placed tube${tubes.length === 1 ? '' : 's'} of its series.`
          : 'Click the tubes yourself when they are not found automatically (touching the head, faint).';
      const html = `<span style="color:#5acce6;margin-top:1px">${icon(ICONS.tube)}</span><span><span style="font-weight:600">${placing ? 'Placing tubes… (done)' : 'Place tubes'}</span><br><span style="color:#9aa3d1">${help}</span></span>`;
      // innerHTML reads back re-serialized: compare with what was written.
      if (html !== toggleHtml) toggle.innerHTML = toggleHtml = html;
      if (toggle.getAttribute('aria-pressed') !== String(placing)) toggle.setAttribute('aria-pressed', String(placing));
      put(toggle, 'disabled', !canPlace && !placing);
      put(toggle.style, 'opacity', toggle.disabled ? '0.45' : '1');
      put(toggle.style, 'background', placing ? 'rgb(31, 36, 89)' : 'none');
      renderList(tubes);
      put(message, 'textContent', service.tubeMessage ?? '');
      put(message, 'hidden', !service.tubeMessage);
    },
  };
}

/** Sets a DOM property only when it differs: a render that changes nothing touches nothing (no mutation, no reflow). */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
  if (target[key] !== value) target[key] = value;
}

/**
 * Gives names as they appear in the viewer their tooltip (fullNameTooltips on what a DOM change added). Returns the
 * observer (disconnect on unmount).
 */
function watchFullNames(): MutationObserver {
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target instanceof Element ? r.target : r.target.parentElement;
      if (el?.parentElement) fullNameTooltips(el.parentElement);
    }
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  return observer;
}

/** Long series names are cut with an ellipsis in the study browser: the full text goes into a tooltip. */
export function fullNameTooltips(scope: ParentNode = document): void {
  scope.querySelectorAll<HTMLElement>('[class*="truncate"], [class*="ellipsis"]').forEach((el) => {
    const text = el.textContent?.trim();
    if (text && el.title !== text && el.childElementCount === 0) el.title = text;
  });
}
