// The adaptation panel (plain DOM): progress, the held-out validation curve against the parent's level as it trains,
// Cancel, and at the end the outcome with a download of the weights folder (never uploaded anywhere).
import type { AdaptEpoch } from '../jobs/adapt';
import { openPanelFrame, PANEL_BUTTON_STYLE } from './progressPanel';

export interface AdaptPanel {
  update(fraction: number, message: string, history: readonly AdaptEpoch[], parentLoss?: number): void;
  /** Replaces Cancel by the outcome, a Download button and Close. */
  finish(summary: string, download?: { fileName: string; bytes: Uint8Array }): void;
  close(): void;
}

const W = 312;
const H = 90;
const SVG = 'http://www.w3.org/2000/svg';

/** The held-out curve: one point per validation, the parent's level dashed; lower is better. */
function drawCurve(svg: SVGSVGElement, history: readonly AdaptEpoch[], parentLoss?: number): void {
  svg.replaceChildren();
  const values = [...history.map((h) => h.valLoss), ...(parentLoss !== undefined ? [parentLoss] : [])];
  if (values.length === 0) return;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || hi * 0.01 || 1;
  const y = (v: number) => 6 + (H - 12) * (1 - (v - lo) / span);
  const x = (i: number) => 4 + ((W - 8) * (i + 1)) / Math.max(history.length, 1);
  if (parentLoss !== undefined) {
    const line = document.createElementNS(SVG, 'line');
    line.setAttribute('x1', '0');
    line.setAttribute('x2', String(W));
    line.setAttribute('y1', String(y(parentLoss)));
    line.setAttribute('y2', String(y(parentLoss)));
    line.setAttribute('stroke', '#888');
    line.setAttribute('stroke-dasharray', '4 3');
    svg.appendChild(line);
  }
  // One line per candidate run (plain; whitened input when the study's noise is correlated), on one time axis.
  for (const [candidate, colour, dataCy] of [
    ['plain', '#5acce6', 'na-adapt-curve-line'],
    ['whitened', '#e6a35a', 'na-adapt-curve-line-whitened'],
  ] as const) {
    const points = history.flatMap((h, i) =>
      (h.candidate ?? 'plain') === candidate ? [`${x(i).toFixed(1)},${y(h.valLoss).toFixed(1)}`] : [],
    );
    if (points.length === 0) continue;
    const path = document.createElementNS(SVG, 'polyline');
    path.setAttribute('points', points.join(' '));
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', colour);
    path.setAttribute('stroke-width', '2');
    path.setAttribute('data-cy', dataCy);
    svg.appendChild(path);
  }
}

export function openAdaptPanel(title: string, onCancel: () => void): AdaptPanel {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('data-cy', 'na-adapt-curve');
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.style.cssText = 'display:block;margin:6px 0;background:#0e1340;border-radius:4px';
  const legend = document.createElement('div');
  legend.style.cssText = 'font-size:11px;color:#9aa'; // what the curve is, in one line
  legend.textContent =
    'held-out slabs: error of the adapted DA (blue; orange: on whitened input, for correlated noise) vs the shipped DA (dashed); lower is better';
  const frame = openPanelFrame({
    title,
    dataCy: { root: 'na-adapt-panel', text: 'na-adapt-text', cancel: 'na-adapt-cancel' },
    width: 340,
    middle: [svg, legend],
    onCancel,
  });
  const { root, text, cancel, buttons } = frame;
  let url: string | undefined;
  const close = () => {
    if (url) URL.revokeObjectURL(url);
    root.remove();
  };
  return {
    update(fraction, message, history, parentLoss) {
      frame.setFraction(fraction);
      if (!cancel.disabled) text.textContent = message;
      drawCurve(svg, history, parentLoss);
    },
    finish(summary, download) {
      frame.setFraction(1);
      text.textContent = summary;
      text.setAttribute('data-cy', 'na-adapt-summary');
      buttons.replaceChildren();
      if (download) {
        url = URL.createObjectURL(new Blob([download.bytes as BlobPart], { type: 'application/zip' }));
        const a = document.createElement('a');
        a.setAttribute('data-cy', 'na-adapt-download');
        a.href = url;
        a.download = download.fileName;
        a.textContent = 'Download weights';
        a.style.cssText = PANEL_BUTTON_STYLE + ';text-decoration:none;display:inline-block';
        buttons.appendChild(a);
      }
      const closeButton = document.createElement('button');
      closeButton.setAttribute('data-cy', 'na-adapt-close');
      closeButton.textContent = 'Close';
      closeButton.style.cssText = PANEL_BUTTON_STYLE;
      closeButton.onclick = close;
      buttons.appendChild(closeButton);
    },
    close,
  };
}
