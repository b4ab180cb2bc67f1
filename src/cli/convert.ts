// `sodium-denoise convert`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerConvert: Register = (program) => {
  program.command('convert').description('(not implemented yet)').action(() => {
    throw new Error('convert is not implemented yet');
  });
};
