// The NLM parameter dialog (plain DOM, no React: see the integration note §10), with DIPY's parameter names.
import type { NlmOptions } from './engine';
import { NLM_DEFAULTS } from '../model/nlm/params';

/** Field values as typed; checked by readNlmForm (pure, so the rules are testable without a page). */
export interface NlmForm {
  patchRadius: string;
  blockRadius: string;
  rician: boolean;
  sigmaMode: 'auto' | 'given';
  sigma: string;
}

/** The options for a valid form, or the first problem as one line. */
export function readNlmForm(f: NlmForm): { ok: true; nlm: NlmOptions } | { ok: false; error: string } {
  const int = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN);
  const patchRadius = int(f.patchRadius);
  const blockRadius = int(f.blockRadius);
  if (!(patchRadius >= 0 && patchRadius <= 8)) return { ok: false, error: 'patch_radius must be an integer 0–8' };
  if (!(blockRadius >= 1 && blockRadius <= 16)) return { ok: false, error: 'block_radius must be an integer 1–16' };
  if (blockRadius <= patchRadius)
    return { ok: false, error: 'block_radius must exceed patch_radius (patches move inside the block)' };
  const nlm: NlmOptions = { patchRadius, blockRadius, rician: f.rician };
  if (f.sigmaMode === 'given') {
    const sigma = Number(f.sigma);
    if (!(f.sigma.trim() !== '' && Number.isFinite(sigma) && sigma > 0))
      return { ok: false, error: 'sigma must be a positive number (in the image’s units)' };
    nlm.sigma = sigma;
  }
  return { ok: true, nlm };
}

const BOX =
  'position:fixed;left:50%;top:30%;transform:translate(-50%,-30%);z-index:10001;width:380px;padding:16px 18px;' +
  'border-radius:8px;background:#090c29;color:#e1e1e1;border:1px solid #3a3f99;font:13px/1.5 Inter,system-ui,sans-serif;' +
  'box-shadow:0 8px 32px #000a';
const INPUT =
  'width:64px;margin-left:8px;padding:2px 6px;background:#151a4a;color:#fff;border:1px solid #3a3f99;border-radius:4px';
const BUTTON = 'padding:4px 14px;border-radius:4px;border:1px solid #5acce6;cursor:pointer;margin-left:8px';

/**
 * Asks for NLM's parameters; resolves with them on Run, undefined on Cancel or Escape.
 * @example const nlm = await askNlmParameters({ patchRadius: 1, blockRadius: 5 }, '"acquisition 1"')
 */
export function askNlmParameters(
  initial: NlmOptions | undefined,
  seriesLabel: string,
): Promise<NlmOptions | undefined> {
  const start = { ...NLM_DEFAULTS, ...(initial ?? {}) };
  return new Promise((resolve) => {
    const root = document.createElement('div');
    root.setAttribute('data-cy', 'na-nlm-dialog');
    root.setAttribute('role', 'dialog');
    root.setAttribute('aria-label', 'NLM parameters');
    root.style.cssText = BOX;
    const row = (label: string, help: string, control: HTMLElement) => {
      const r = document.createElement('label');
      r.style.cssText = 'display:block;margin:8px 0';
      r.title = help;
      r.append(label, control);
      const h = document.createElement('div');
      h.style.cssText = 'color:#9aa3d1;font-size:12px';
      h.textContent = help;
      r.appendChild(h);
      return r;
    };
    const input = (cy: string, value: string, type = 'number') => {
      const i = document.createElement('input');
      i.type = type;
      i.value = value;
      i.setAttribute('data-cy', cy);
      i.style.cssText = INPUT;
      return i;
    };
    const title = document.createElement('div');
    title.style.cssText = 'font-weight:600;color:#5acce6;margin-bottom:4px';
    title.textContent = 'Denoise Na with non-local means (NLM)';
    const on = document.createElement('div');
    on.style.cssText = 'color:#9aa3d1;margin-bottom:6px';
    on.textContent = `On ${seriesLabel}. Parameters as in DIPY's nlmeans.`;
    const patch = input('na-nlm-patch', String(start.patchRadius));
    const block = input('na-nlm-block', String(start.blockRadius));
    const rician = input('na-nlm-rician', '', 'checkbox');
    rician.checked = start.rician;
    rician.style.cssText = 'margin-left:8px';
    const auto = input('na-nlm-sigma-auto', '', 'checkbox');
    auto.checked = initial?.sigma === undefined;
    auto.style.cssText = 'margin-left:8px';
    const sigma = input('na-nlm-sigma', initial?.sigma !== undefined ? String(initial.sigma) : '');
    sigma.disabled = auto.checked;
    auto.onchange = () => (sigma.disabled = auto.checked);
    const error = document.createElement('div');
    error.setAttribute('data-cy', 'na-nlm-error');
    error.style.cssText = 'color:#ff8a80;min-height:18px';
    const run = document.createElement('button');
    run.textContent = 'Run NLM';
    run.setAttribute('data-cy', 'na-nlm-run');
    run.style.cssText = BUTTON + ';background:#5acce6;color:#090c29';
    const cancel = document.createElement('button');
    cancel.textContent = 'Cancel';
    cancel.setAttribute('data-cy', 'na-nlm-cancel');
    cancel.style.cssText = BUTTON + ';background:transparent;color:#5acce6';
    const buttons = document.createElement('div');
    buttons.style.cssText = 'text-align:right;margin-top:8px';
    buttons.append(cancel, run);
    root.append(
      title,
      on,
      row('patch_radius', 'Patch = (2·r+1)³ voxels compared for similarity (DIPY default 1).', patch),
      row(
        'block_radius',
        'Search block = (2·r+1)³ voxels around each voxel; must exceed patch_radius (default 5).',
        block,
      ),
      row('rician', 'Correct the Rician bias of magnitude images (default on).', rician),
      row('σ automatic', 'Noise σ estimated from the background; untick to give σ in the image’s units.', auto),
      row('sigma', 'Noise standard deviation, when not automatic.', sigma),
      error,
      buttons,
    );
    const close = (value: NlmOptions | undefined) => {
      document.removeEventListener('keydown', onKey, true);
      root.remove();
      resolve(value);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close(undefined);
    };
    document.addEventListener('keydown', onKey, true);
    cancel.onclick = () => close(undefined);
    run.onclick = () => {
      const r = readNlmForm({
        patchRadius: patch.value,
        blockRadius: block.value,
        rician: rician.checked,
        sigmaMode: auto.checked ? 'auto' : 'given',
        sigma: sigma.value,
      });
      if (r.ok) close(r.nlm);
      else error.textContent = r.error;
    };
    document.body.appendChild(root);
    run.focus();
  });
}
