// The project's synthetic sodium phantom as test data: one subject of a cohort with the given parameters.
import { generateSubject, resolvePhantomParams } from '../../src/phantom';
import type { PhantomParamsInput, PhantomSubject } from '../../src/phantom/types';

/** Subject `index` of the cohort `params` describes (defaults filled in), e.g. `phantomSubject({ matrix: 20, seed: 3 })`. */
export function phantomSubject(params: PhantomParamsInput, index = 0): PhantomSubject {
  return generateSubject(resolvePhantomParams(params), index);
}
