// The regime check of every run: the input's estimated regime (core/regime.ts) against the range the model was
// trained on (its card's trainingRange), as plain-words warnings for the CLI, the viewer overlay and --json.
import type { RegimeEstimate } from '../core/regime';
import type { TrainingRange } from '../model/da/card';

const ADVICE = 'compare with NLM';

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

function span([lo, hi]: readonly [number, number], unit = ''): string {
  return lo === hi ? `${fmt(lo)}${unit}` : `${fmt(lo)}–${fmt(hi)}${unit}`;
}

/**
 * Warnings (empty inside the range), one sentence each, e.g.
 * "noise is spatially correlated (0.63); this model was trained on ≤ 0.3: compare with NLM".
 */
export function regimeWarnings(regime: RegimeEstimate | null, range: TrainingRange | undefined): string[] {
  if (!range) return ["this model's card records no training range, so its regime cannot be checked"];
  if (!regime) return [`the input's regime could not be estimated, so it cannot be checked: ${ADVICE}`];
  const out: string[] = [];
  const outside = (v: number, [lo, hi]: readonly [number, number]) => v < lo || v > hi;
  if (regime.noiseCorrelation) {
    const rho = Math.max(...regime.noiseCorrelation);
    if (outside(rho, range.noiseCorrelation)) {
      const trained =
        range.noiseCorrelation[0] <= 0 ? `≤ ${fmt(range.noiseCorrelation[1])}` : span(range.noiseCorrelation);
      out.push(`noise is spatially correlated (${rho.toFixed(2)}); this model was trained on ${trained}: ${ADVICE}`);
    }
  }
  if (regime.brainSnr !== null && outside(regime.brainSnr, range.brainSnr)) {
    const side = regime.brainSnr < range.brainSnr[0] ? 'lower' : 'higher';
    out.push(
      `brain SNR is ${regime.brainSnr.toFixed(1)}, ${side} than the ${span(range.brainSnr)} this model was trained on: ${ADVICE}`,
    );
  }
  const voxel = Math.max(...regime.voxelSizeMm);
  if (outside(voxel, range.voxelSizeMm))
    out.push(`voxels are ${fmt(voxel)} mm; this model was trained on ${span(range.voxelSizeMm, ' mm')}: ${ADVICE}`);
  const matrix = Math.max(...regime.matrix);
  if (outside(matrix, range.matrix))
    out.push(`the matrix is ${regime.matrix.join('×')}; this model was trained on ${span(range.matrix)}³: ${ADVICE}`);
  return out;
}
