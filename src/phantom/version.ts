// Identity of the phantom generator recorded in every cohort manifest (bump it whenever the generated data change).

/**
 * Version of the anatomy/acquisition model. Equal versions, seeds and parameters give identical NIfTI volumes;
 * bump the major part when the same seed yields different images.
 */
export const PHANTOM_VERSION = '2.1.0'; // 2: white noise by default; 2.1: window, zeroFill, anatomy.variant (defaults unchanged)

export const PHANTOM_GENERATOR = { name: 'sodium-denoise phantom', version: PHANTOM_VERSION } as const;
