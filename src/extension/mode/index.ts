// The "Denoise Na" mode: OHIF's basic viewer at /sodium with our extension; the toolbar comes from our onModeEnter.
import { COMMANDS, MODE_ID, OPENING_PROTOCOL_ID, ROUTE_NAME } from '../id';

interface ModeLike {
  onModeEnter?: (this: unknown, args: unknown) => unknown;
  [key: string]: unknown;
}

const mode = {
  id: MODE_ID,
  async modeFactory({ loadModules }: { loadModules: (names: string[]) => Promise<Array<{ modeInstance: ModeLike }>> }) {
    const [basic] = await loadModules(['@ohif/mode-basic']);
    const base = basic.modeInstance;
    return {
      ...base,
      id: MODE_ID,
      routeName: ROUTE_NAME,
      displayName: 'Denoise Na (sodium MRI)',
      hide: false,
      // Opens on the middle slice of the first series (see getHangingProtocolModule).
      hangingProtocol: [OPENING_PROTOCOL_ID],
      onModeEnter(this: unknown, args: unknown) {
        const entered = base.onModeEnter?.call(this, args);
        // Opening this mode is the intent to denoise: read the shown sodium series ahead of the first click (the
        // extension's command; naDenoise.prefetch: false turns it off). The stock modes do not.
        const commands = (args as { commandsManager?: { runCommand(name: string): unknown } }).commandsManager;
        commands?.runCommand(COMMANDS.prefetch);
        return entered;
      },
    };
  },
};

export default mode;
