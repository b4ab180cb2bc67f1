// `sodium-denoise evaluate`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerEvaluate: Register = (program) => {
  program.command('evaluate').description('(not implemented yet)').action(() => {
    throw new Error('evaluate is not implemented yet');
  });
};
