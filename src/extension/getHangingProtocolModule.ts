// Comparison hanging protocol: original | denoised | reference (mean of repeats), camera, slice and W/L synchronised.
import { DERIVED_FLAG, HANGING_PROTOCOL_ID, OPENING_PROTOCOL_ID, QUANT_PROTOCOL_ID } from './id';

/** Selector names, used to force the mapping of display sets that arrive after the study loaded. */
export const SELECTORS = { original: 'naOriginal', denoised: 'naDenoised', reference: 'naReference' } as const;

/** Camera and window/level synchronised across the comparison (fresh objects: OHIF keeps and may edit them). */
function syncGroups() {
  return [
    { type: 'cameraPosition', id: 'naCam', source: true, target: true },
    { type: 'voi', id: 'naVoi', source: true, target: true },
  ];
}

function viewport(viewportId: string, selector: string, groups = syncGroups()) {
  return {
    viewportOptions: {
      viewportId,
      viewportType: 'volume',
      orientation: 'axial',
      toolGroupId: 'default',
      initialImageOptions: { preset: 'middle' },
      syncGroups: groups,
    },
    displaySets: [{ id: selector }],
  };
}

function stage(name: string, selectors: string[]) {
  return {
    name,
    viewportStructure: { layoutType: 'grid', properties: { rows: 1, columns: selectors.length } },
    viewports: selectors.map((s, i) => viewport(`na-${s}-${i}`, s)),
  };
}

const mrSeries = { seriesMatchingRules: [{ attribute: 'Modality', constraint: { equals: { value: 'MR' } } }] };

export const comparisonProtocol = {
  id: HANGING_PROTOCOL_ID,
  name: 'Sodium denoising comparison',
  protocolMatchingRules: [],
  numberOfPriorsReferenced: 0,
  availableTo: {},
  editableBy: {},
  displaySetSelectors: {
    [SELECTORS.original]: mrSeries,
    [SELECTORS.denoised]: {
      seriesMatchingRules: [{ attribute: DERIVED_FLAG, constraint: { equals: { value: true } } }],
    },
    [SELECTORS.reference]: {
      seriesMatchingRules: [{ attribute: 'isNaReference', constraint: { equals: { value: true } } }],
    },
  },
  // Stage 0: with a reference (repeats present); stage 1: original | denoised only.
  stages: [
    stage('original | denoised | reference', [SELECTORS.original, SELECTORS.denoised, SELECTORS.reference]),
    stage('original | denoised', [SELECTORS.original, SELECTORS.denoised]),
  ],
};

/** The viewport ids of a stage, left to right (original first). */
export function comparisonViewportIds(stageIndex: number): string[] {
  return comparisonProtocol.stages[stageIndex].viewports.map((v) => v.viewportOptions.viewportId);
}

export const QUANT_SELECTORS = { input: 'naQuantInput', output: 'naQuantOutput' } as const;

/**
 * Input | concentration map (or residual): camera and slice synchronised, window/level not (mM and signal, or a
 * residual around 0, share no window). Display sets are always mapped explicitly (displaySetSelectorMap).
 */
export const quantProtocol = {
  id: QUANT_PROTOCOL_ID,
  name: 'Sodium: input | concentration map or residual',
  protocolMatchingRules: [],
  numberOfPriorsReferenced: 0,
  availableTo: {},
  editableBy: {},
  displaySetSelectors: { [QUANT_SELECTORS.input]: mrSeries, [QUANT_SELECTORS.output]: mrSeries },
  stages: [
    {
      name: 'input | output',
      viewportStructure: { layoutType: 'grid', properties: { rows: 1, columns: 2 } },
      viewports: [QUANT_SELECTORS.input, QUANT_SELECTORS.output].map((s, i) =>
        viewport(`na-${s}-${i}`, s, [{ type: 'cameraPosition', id: 'naQuantCam', source: true, target: true }]),
      ),
    },
  ],
};

/** The quantity layout's viewport ids, input first. */
export function quantViewportIds(): string[] {
  return quantProtocol.stages[0].viewports.map((v) => v.viewportOptions.viewportId);
}

/** Our mode's opening layout: one stack viewport on the first MR series, at its middle slice (the last slice of a
 * sodium acquisition is usually noise outside the head). */
export const openingProtocol = {
  id: OPENING_PROTOCOL_ID,
  name: 'Sodium: first series, middle slice',
  protocolMatchingRules: [],
  numberOfPriorsReferenced: 0,
  availableTo: {},
  editableBy: {},
  displaySetSelectors: { naFirst: mrSeries },
  stages: [
    {
      name: 'middle slice',
      viewportStructure: { layoutType: 'grid', properties: { rows: 1, columns: 1 } },
      viewports: [
        {
          viewportOptions: {
            viewportId: 'na-opening',
            viewportType: 'stack',
            toolGroupId: 'default',
            initialImageOptions: { preset: 'middle' },
          },
          displaySets: [{ id: 'naFirst' }],
        },
      ],
    },
  ],
};

export default function getHangingProtocolModule() {
  return [
    { name: HANGING_PROTOCOL_ID, protocol: comparisonProtocol },
    { name: OPENING_PROTOCOL_ID, protocol: openingProtocol },
    { name: QUANT_PROTOCOL_ID, protocol: quantProtocol },
  ];
}
