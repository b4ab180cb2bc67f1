// `sodium-denoise phantom`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerPhantom: Register = (program) => {
  program.command('phantom').description('(not implemented yet)').action(() => {
    throw new Error('phantom is not implemented yet');
  });
};
