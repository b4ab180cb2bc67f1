// The "Denoise Na" mode: OHIF's basic viewer at /sodium with our extension; the toolbar comes from our onModeEnter.
import { MODE_ID, OPENING_PROTOCOL_ID, ROUTE_NAME } from '../id';

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
        return base.onModeEnter?.call(this, args);
      },
    };
  },
};

export default mode;
