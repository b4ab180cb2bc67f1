// `sodium-denoise info`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerInfo: Register = (program) => {
  program.command('info').description('(not implemented yet)').action(() => {
    throw new Error('info is not implemented yet');
  });
};
