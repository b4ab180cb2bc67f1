// The identifiers other OHIF code sees: extension/mode ids, route, commands, buttons, protocol, overlay items.

export const EXTENSION_ID = 'na-denoise';
export const MODE_ID = 'na-denoise-mode';
export const ROUTE_NAME = 'sodium';

export const COMMANDS = {
  denoise: 'naDenoise',
  /** NLM with parameters from a dialog. */
  denoiseNlmDialog: 'naDenoiseNlmDialog',
  saveToPacs: 'naSaveToPacs',
  adapt: 'naAdaptDA',
  /** Tissue sodium concentration map (mM) of the selected series. */
  concentration: 'naConcentrationMap',
  /** Input − denoised of the selected denoised series. */
  residual: 'naResidual',
  /** "Place tubes" mode on/off (`{ on: boolean }`; no option: toggles). */
  placeTubes: 'naPlaceTubes',
  /** Reads and analyses the shown sodium series ahead of the first click (run by the Denoise Na mode on entry). */
  prefetch: 'naPrefetchInput',
} as const;

export const BUTTONS = {
  denoiseDA: 'NaDenoise',
  denoiseNLM: 'NaDenoiseNLM',
  save: 'NaSaveToPacs',
  adapt: 'NaAdaptDA',
  concentration: 'NaConcentrationMap',
  residual: 'NaResidual',
} as const;

export const EVALUATORS = {
  denoise: 'evaluate.naDenoise',
  save: 'evaluate.naSave',
  adapt: 'evaluate.naAdapt',
  concentration: 'evaluate.naConcentration',
  residual: 'evaluate.naResidual',
} as const;

export const HANGING_PROTOCOL_ID = 'naCompare';
export const OPENING_PROTOCOL_ID = 'naOpening';
/** Input | concentration map (or residual), side by side. */
export const QUANT_PROTOCOL_ID = 'naQuant';

/** Display-set fields we add to the derived set (read by the overlay, the HP selectors and Save). */
export const DERIVED_FLAG = 'isNaDenoised';
export const METRICS_FIELD = 'naMetrics';

export const RESEARCH_LABEL = 'Research use — trained on synthetic data';
/** NLM is not trained: its results carry only the research-use part. */
export const NLM_RESEARCH_LABEL = 'Research use — not for diagnosis';

/** The label for a method's results (the DA's names its synthetic training data). */
export function researchLabel(method: string): string {
  return method.toUpperCase() === 'DA' ? RESEARCH_LABEL : NLM_RESEARCH_LABEL;
}

/** Recorded in saved DICOM (ImageComments, DerivationDescription). */
export const PRODUCT_VERSION = '0.1.0';
