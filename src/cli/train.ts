// `sodium-denoise train`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerTrain: Register = (program) => {
  program.command('train').description('(not implemented yet)').action(() => {
    throw new Error('train is not implemented yet');
  });
};
