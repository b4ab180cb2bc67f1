// `sodium-denoise mask`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerMask: Register = (program) => {
  program.command('mask').description('(not implemented yet)').action(() => {
    throw new Error('mask is not implemented yet');
  });
};
