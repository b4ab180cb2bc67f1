// The "Sodium" panel: the denoising and quantification actions with their own icons, visible labels, a line each on
// what they do, which series the next click acts on, and the last concentration fit and ROI readout in mM. Plain DOM (no React, see the integration note §10), kept in step with the
// viewer by a light poll; it also gives truncated names in the viewer their full text as a tooltip.
import type { CommandsManager, ServicesManager } from './ohif';
import { COMMANDS } from './id';
import { CONCENTRATION_TOOLTIP, DA_TOOLTIP, NLM_TOOLTIP, RESIDUAL_TOOLTIP, SAVE_TOOLTIP } from './getToolbarModule';
import { concentrationUnavailableReason, residualUnavailableReason } from './quantAvailability';
import { denoiseTarget, seriesName } from './target';
import { activeDisplaySet } from './viewerState';
import { naDenoiseService } from './naDenoiseService';

const PANEL_ID = 'na-sodium-panel';

/** Our own 16 px icons (stroke = currentColor): a noisy→smooth wave, a patch grid, a tray with an up arrow. */
const ICONS = {
  da: '<path d="M1 9 L3 5 L4 12 L6 4 L7 10" /><path d="M9 8 C11 4 13 4 15 8" />',
  nlm: '<rect x="1.5" y="1.5" width="5" height="5"/><rect x="9.5" y="1.5" width="5" height="5"/><rect x="1.5" y="9.5" width="5" height="5"/><rect x="9.5" y="9.5" width="5" height="5" stroke-dasharray="2 1"/>',
  save: '<path d="M8 11 V2 M4.5 5.5 L8 2 L11.5 5.5" /><path d="M2 10 V14 H14 V10" />',
  mM: '<path d="M2 14 L14 2" /><circle cx="4" cy="10" r="1.6"/><circle cx="8" cy="7" r="1.6"/><circle cx="12" cy="4" r="1.6"/>',
  residual: '<path d="M1 8 L3 6 L5 10 L7 5 L9 11 L11 6 L13 9 L15 8" stroke-dasharray="1.5 1" />',
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
 * Adds the panel once (every mode entry calls this; a second call only rebinds the services).
 * @example mountSodiumPanel(servicesManager, commandsManager)
 */
export function mountSodiumPanel(servicesManager: ServicesManager, commandsManager: CommandsManager): void {
  if (typeof document === 'undefined') return;
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
  body.append(target, ...buttons, quant, roi);
  root.append(head, body);
  document.body.appendChild(root);

  const refresh = () => {
    if (!root.isConnected) return;
    const { displaySetService } = servicesManager.services;
    const selected = activeDisplaySet(servicesManager);
    const t = denoiseTarget(selected, displaySetService.getActiveDisplaySets());
    target.textContent = t.ok
      ? t.derivedFrom
        ? `Selected ${seriesName(t.derivedFrom)} is derived: denoising acts on its source ${seriesName(t.source)}.`
        : `Acts on ${seriesName(t.source)}.`
      : t.reason;
    buttons.forEach((b, i) => {
      const reason = actions[i].unavailable();
      b.disabled = reason !== undefined;
      b.style.opacity = reason === undefined ? '1' : '0.45';
      b.style.cursor = reason === undefined ? 'pointer' : 'not-allowed';
      b.title = reason === undefined ? actions[i].tooltip : `${actions[i].tooltip}\nNot available: ${reason}`;
    });
    const service = naDenoiseService(servicesManager);
    quant.textContent = service.lastQuant?.text ?? '';
    quant.hidden = !service.lastQuant;
    roi.textContent = service.lastRoi?.text ?? '';
    roi.hidden = !service.lastRoi;
    fullNameTooltips();
  };
  refresh();
  const timer = setInterval(() => (root.isConnected ? refresh() : clearInterval(timer)), 700);
}

/** Long series names are cut with an ellipsis in the study browser: the full text goes into a tooltip. */
export function fullNameTooltips(scope: ParentNode = document): void {
  scope.querySelectorAll<HTMLElement>('[class*="truncate"], [class*="ellipsis"]').forEach((el) => {
    const text = el.textContent?.trim();
    if (text && el.title !== text && el.childElementCount === 0) el.title = text;
  });
}
