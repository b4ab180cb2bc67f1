// A small progress panel with Cancel (plain DOM, no React): what a radiologist watches while the denoiser runs.

export interface ProgressPanel {
  update(fraction: number, message?: string): void;
  close(): void;
}

/** The shared look of our floating panels (progress, adaptation). */
export const PANEL_BUTTON_STYLE =
  'padding:3px 12px;margin-left:6px;border-radius:4px;border:1px solid #5acce6;background:transparent;color:#5acce6;cursor:pointer';

export interface PanelFrame {
  root: HTMLDivElement;
  text: HTMLDivElement;
  cancel: HTMLButtonElement;
  /** The row that holds Cancel (a panel may replace its buttons when the run ends). */
  buttons: HTMLDivElement;
  /** Sets the bar to a fraction in [0, 1]; returns the percentage shown. */
  setFraction(fraction: number): number;
}

/**
 * Builds and shows a floating panel: title, status text, optional middle content, a progress bar and Cancel.
 * `dataCy` names the panel's parts for tests ("<prefix>", "<prefix>-text" and the Cancel button's own name).
 */
export function openPanelFrame(opts: {
  title: string;
  dataCy: { root: string; text: string; cancel: string };
  width: number;
  middle?: Element[];
  onCancel: () => void;
}): PanelFrame {
  const root = document.createElement('div');
  root.setAttribute('data-cy', opts.dataCy.root);
  root.setAttribute('role', 'status');
  root.style.cssText =
    `position:fixed;right:16px;bottom:16px;z-index:10000;width:${opts.width}px;padding:12px 14px;border-radius:8px;` +
    'background:#090c29;color:#e1e1e1;border:1px solid #3a3f99;font:13px/1.4 Inter,system-ui,sans-serif;box-shadow:0 4px 16px #0008';
  const head = document.createElement('div');
  head.style.cssText = 'font-weight:600;margin-bottom:6px;color:#5acce6';
  head.textContent = opts.title;
  const text = document.createElement('div');
  text.setAttribute('data-cy', opts.dataCy.text);
  text.textContent = 'Starting…';
  const track = document.createElement('div');
  track.style.cssText = 'height:6px;margin:8px 0;background:#1f2459;border-radius:3px;overflow:hidden';
  const bar = document.createElement('div');
  bar.style.cssText = 'height:100%;width:0;background:#5acce6;transition:width .2s';
  track.appendChild(bar);
  const buttons = document.createElement('div');
  buttons.style.cssText = 'text-align:right';
  const cancel = document.createElement('button');
  cancel.setAttribute('data-cy', opts.dataCy.cancel);
  cancel.textContent = 'Cancel';
  cancel.style.cssText = PANEL_BUTTON_STYLE;
  cancel.onclick = () => {
    cancel.disabled = true;
    text.textContent = 'Cancelling…';
    opts.onCancel();
  };
  buttons.appendChild(cancel);
  root.append(head, text, ...(opts.middle ?? []), track, buttons);
  document.body.appendChild(root);
  return {
    root,
    text,
    cancel,
    buttons,
    setFraction(fraction) {
      const pct = Math.max(0, Math.min(1, fraction)) * 100;
      bar.style.width = `${pct.toFixed(1)}%`;
      return pct;
    },
  };
}

/** Opens the panel; `onCancel` runs when the user presses Cancel (the panel then says "Cancelling…"). */
export function openProgressPanel(title: string, onCancel: () => void): ProgressPanel {
  const frame = openPanelFrame({
    title,
    dataCy: { root: 'na-progress', text: 'na-progress-text', cancel: 'na-cancel' },
    width: 320,
    onCancel,
  });
  return {
    update(fraction, message) {
      const pct = frame.setFraction(fraction);
      if (message && !frame.cancel.disabled) frame.text.textContent = `${message} (${pct.toFixed(0)} %)`;
    },
    close() {
      frame.root.remove();
    },
  };
}
