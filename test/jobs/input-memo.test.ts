// createInputMemo: the job's analysis of an input kept between runs on it (the viewer's runs on one series). A run
// with a memo, first or later, gives exactly what a run without one gives; a later run computes none of it again;
// mask-dependent values are never shared with a masked run; a memo refuses another volume. (~10 s: two small DA runs.)
import { analyseInputAhead, denoiseVolume, type DenoiseOptions, type DenoiseRequest } from '../../src/jobs/denoise';
import { createInputMemo, type InputMemo } from '../../src/jobs/input-memo';
import { loaded } from '../model/da/helpers';
import { phantomSubject } from '../helpers/phantom';
import { ANALYSED_AHEAD } from '../helpers/analysis';

const subject = phantomSubject({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 5 });
const noisy = subject.acquisitions[0];
const reference = subject.truth;

/** The memo, recording which of its values each run had to compute. */
function countingMemo(): { memo: InputMemo; computed: string[] } {
  const inner = createInputMemo(noisy, reference);
  const computed: string[] = [];
  const memo: InputMemo = {
    volume: inner.volume,
    reference: inner.reference,
    once: (key, compute) =>
      inner.once(key, () => {
        computed.push(key);
        return compute();
      }),
    get keys() {
      return inner.keys;
    },
  };
  return { memo, computed };
}

/** What a run returns, less its timings (which differ by nature). */
async function run(request: DenoiseRequest, opts: DenoiseOptions) {
  const { millis: _m, phases: _p, ...rest } = await denoiseVolume(noisy, request, { backend: 'wasm', ...opts });
  return { ...rest, volume: Array.from(rest.volume.data) };
}

describe('denoiseVolume with an input memo', () => {
  const nlm: DenoiseRequest = { method: 'nlm', blockRadius: 3 };
  const da: DenoiseRequest = { method: 'da', weights: loaded(7) };

  it('gives the same results as without it, and a later run on the same input computes none of the analysis', async () => {
    const { memo, computed } = countingMemo();
    const opts = { reference, checkRegime: true };
    const fresh = await run(nlm, opts);
    const first = await run(nlm, { ...opts, memo });
    expect(first).toEqual(fresh);
    expect(computed.sort()).toEqual(['background', 'brainMaskSteps', 'head', 'metricsBasis', 'noise', 'regime']);
    expect(first.regime?.brainSnr).toBeGreaterThan(0);
    expect(first.metrics!.maskSource).toBe('automatic');

    computed.length = 0;
    expect(await run(nlm, { ...opts, memo })).toEqual(fresh);
    // The DA after NLM (the viewer's second button) on the same memo: same result as alone, and only what NLM does
    // not need is computed: the noise's correlations, which the DA's blend with NLM reads.
    const daAlone = await run(da, { reference });
    expect(await run(da, { reference, memo })).toEqual(daAlone);
    expect(computed).toEqual(['noiseCorrelations']);
  }, 120_000);

  it('a masked run shares only what does not depend on the mask, and equals the masked run without a memo', async () => {
    const { memo, computed } = countingMemo();
    const opts = { reference, checkRegime: true, mask: subject.brainMask };
    const alone = await run(nlm, opts);
    expect(await run(nlm, { ...opts, memo })).toEqual(alone);
    expect(computed.sort()).toEqual(['background', 'brainMaskSteps', 'noise']);
    expect(memo.keys).not.toContain('metricsBasis');
    // A run against another reference measures against that one, never the memo's.
    const other = subject.acquisitions[1];
    expect(await run(nlm, { reference: other, memo })).toEqual(await run(nlm, { reference: other }));
  }, 120_000);

  it('analyseInputAhead makes the whole analysis before the run: the DA then computes none of it, same result', async () => {
    const { memo, computed } = countingMemo();
    await analyseInputAhead(memo);
    expect(computed.sort()).toEqual([...ANALYSED_AHEAD]);
    computed.length = 0;
    const daAlone = await run(da, { reference });
    expect(await run(da, { reference, memo })).toEqual(daAlone);
    expect(computed).toEqual([]);
    // On a memo already complete (a run made it all meanwhile) it ends without pausing.
    let pauses = 0;
    await analyseInputAhead(memo, { pause: async () => void pauses++ });
    expect([pauses, computed]).toEqual([0, []]);
    // Stopped between steps, it keeps only what it finished.
    const stopped = countingMemo();
    const abort = new AbortController();
    await expect(
      analyseInputAhead(stopped.memo, { signal: abort.signal, pause: async () => abort.abort() }),
    ).rejects.toThrow();
    expect(stopped.computed).toEqual([]);
  }, 120_000);

  it('refuses a memo made for another volume', async () => {
    const memo = createInputMemo(subject.acquisitions[1]);
    await expect(denoiseVolume(noisy, nlm, { memo })).rejects.toThrow(
      'the input memo was made for another volume: make one per input',
    );
  });
});
