// Runs once when OHIF registers the extension: reads our window.config options and installs the debug hook.
import type { ExtensionParams } from './ohif';
import { setOptions, readOptions } from './options';
import { debugHook, installDebugHook } from './debugHook';
import { readSeriesForDebug } from './denoiseFlow';
import { debugDenoise } from './engine';

export default function preRegistration(params: ExtensionParams): void {
  setOptions(readOptions(params.appConfig));
  installDebugHook(debugDenoise);
  debugHook().readSeries = () => readSeriesForDebug(params);
}
