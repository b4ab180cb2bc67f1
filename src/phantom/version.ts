// Identity of the phantom generator recorded in every cohort manifest (bump PHANTOM_MODEL when its output changes).
import packageJson from '../../package.json';

/** Version of the anatomy/acquisition model: cohorts from equal versions, seeds and parameters are identical. */
export const PHANTOM_MODEL = 1;

export const PHANTOM_GENERATOR = {
  name: 'sodium-denoise phantom',
  version: `${packageJson.version}+model.${PHANTOM_MODEL}`,
} as const;
