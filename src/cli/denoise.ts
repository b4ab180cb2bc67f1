// `sodium-denoise denoise`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerDenoise: Register = (program) => {
  program.command('denoise').description('(not implemented yet)').action(() => {
    throw new Error('denoise is not implemented yet');
  });
};
