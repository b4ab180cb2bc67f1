// Commands: naDenoise (run the denoiser on the active sodium series) and naSaveToPacs (store the derived series).
import type { ExtensionParams } from './ohif';
import { COMMANDS } from './id';
import { runDenoise, type DenoiseCommandOptions } from './denoiseFlow';
import { runSave } from './saveFlow';
import { runAdapt } from './adaptFlow';

export default function getCommandsModule(params: ExtensionParams) {
  return {
    defaultContext: 'VIEWER',
    definitions: {
      [COMMANDS.denoise]: { commandFn: (options: DenoiseCommandOptions) => runDenoise(params, options ?? {}) },
      [COMMANDS.saveToPacs]: { commandFn: () => runSave(params) },
      [COMMANDS.adapt]: { commandFn: () => runAdapt(params) },
    },
  };
}
