// A small progress panel with Cancel (plain DOM, no React): what a radiologist watches while the denoiser runs.

export interface ProgressPanel {
  update(fraction: number, message?: string): void;
  close(): void;
}

const STYLE =
  'position:fixed;right:16px;bottom:16px;z-index:10000;width:320px;padding:12px 14px;border-radius:8px;' +
  'background:#090c29;color:#e1e1e1;border:1px solid #3a3f99;font:13px/1.4 Inter,system-ui,sans-serif;box-shadow:0 4px 16px #0008';

/** Opens the panel; `onCancel` runs when the user presses Cancel (the panel then says "Cancelling…"). */
export function openProgressPanel(title: string, onCancel: () => void): ProgressPanel {
  const root = document.createElement('div');
  root.setAttribute('data-cy', 'na-progress');
  root.setAttribute('role', 'status');
  root.style.cssText = STYLE;
  const head = document.createElement('div');
  head.style.cssText = 'font-weight:600;margin-bottom:6px;color:#5acce6';
  head.textContent = title;
  const text = document.createElement('div');
  text.setAttribute('data-cy', 'na-progress-text');
  text.textContent = 'Starting…';
  const track = document.createElement('div');
  track.style.cssText = 'height:6px;margin:8px 0;background:#1f2459;border-radius:3px;overflow:hidden';
  const bar = document.createElement('div');
  bar.style.cssText = 'height:100%;width:0;background:#5acce6;transition:width .2s';
  track.appendChild(bar);
  const cancel = document.createElement('button');
  cancel.setAttribute('data-cy', 'na-cancel');
  cancel.textContent = 'Cancel';
  cancel.style.cssText =
    'float:right;padding:3px 12px;border-radius:4px;border:1px solid #5acce6;background:transparent;color:#5acce6;cursor:pointer';
  cancel.onclick = () => {
    cancel.disabled = true;
    text.textContent = 'Cancelling…';
    onCancel();
  };
  root.append(head, text, track, cancel);
  document.body.appendChild(root);
  return {
    update(fraction, message) {
      const pct = Math.max(0, Math.min(1, fraction)) * 100;
      bar.style.width = `${pct.toFixed(1)}%`;
      if (message && !cancel.disabled) text.textContent = `${message} (${pct.toFixed(0)} %)`;
    },
    close() {
      root.remove();
    },
  };
}
