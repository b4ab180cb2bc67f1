// The "Denoise Na" OHIF v3 extension: one line per module, like OHIF's own extensions.
import { EXTENSION_ID } from './id';
import preRegistration from './preRegistration';
import onModeEnter from './onModeEnter';
import getCommandsModule from './commandsModule';
import getToolbarModule from './getToolbarModule';
import getHangingProtocolModule from './getHangingProtocolModule';

const extension = {
  id: EXTENSION_ID,
  preRegistration,
  onModeEnter,
  getCommandsModule,
  getToolbarModule,
  getHangingProtocolModule,
};

export default extension;
