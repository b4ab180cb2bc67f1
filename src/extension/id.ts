// The identifiers other OHIF code sees: extension/mode ids, route, commands, buttons, protocol, overlay items.

export const EXTENSION_ID = 'na-denoise';
export const MODE_ID = 'na-denoise-mode';
export const ROUTE_NAME = 'sodium';

export const COMMANDS = {
  denoise: 'naDenoise',
  saveToPacs: 'naSaveToPacs',
  adapt: 'naAdaptDA',
} as const;

export const BUTTONS = {
  denoiseDA: 'NaDenoise',
  denoiseNLM: 'NaDenoiseNLM',
  save: 'NaSaveToPacs',
  adapt: 'NaAdaptDA',
} as const;

export const EVALUATORS = {
  denoise: 'evaluate.naDenoise',
  save: 'evaluate.naSave',
  adapt: 'evaluate.naAdapt',
} as const;

export const HANGING_PROTOCOL_ID = 'naCompare';

/** Display-set fields we add to the derived set (read by the overlay, the HP selectors and Save). */
export const DERIVED_FLAG = 'isNaDenoised';
export const METRICS_FIELD = 'naMetrics';

export const RESEARCH_LABEL = 'Research use — trained on synthetic data';
