// Runs once when OHIF registers the extension: reads our window.config options and installs the debug hook.
import type { ExtensionParams } from './ohif';
import { setOptions, readOptions } from './options';
import { installDebugHook } from './debugHook';
import { debugDenoise } from './engine';

export default function preRegistration({ appConfig }: ExtensionParams): void {
  setOptions(readOptions(appConfig));
  installDebugHook(debugDenoise);
}
