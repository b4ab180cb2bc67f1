// A card's NLM blend (a study-adapted model whose held-out slabs chose DA + w·(NLM − DA)): kept through parsing, and
// every bad field refused in one line naming it.
import { parseModelCard } from '../../../src/model/da/card';
import { testCard } from './helpers';

const blend = { weight: 0.62, patchRadius: 1, blockRadius: 5, rician: true };
const card = (nlmBlend: unknown) =>
  parseModelCard({ ...testCard(), nlmBlend }, 'model-card.json', { requireChecksum: false });

describe('model card nlmBlend', () => {
  it('parses a valid blend and refuses each bad field by name', () => {
    expect(card(blend).nlmBlend).toEqual(blend);
    expect(parseModelCard(testCard(), 'c', { requireChecksum: false }).nlmBlend).toBeUndefined();
    expect(card({ ...blend, weight: 0 }).nlmBlend?.weight).toBe(0); // the study's slabs chose the network alone
    expect(() => card({ ...blend, weight: -0.1 })).toThrow(
      /^model-card\.json: nlmBlend\.weight must be a number in \[0, 1\]/,
    );
    expect(() => card({ ...blend, weight: 1.01 })).toThrow(/nlmBlend\.weight/);
    expect(() => card({ ...blend, weight: '0.5' })).toThrow(/nlmBlend\.weight/);
    expect(() => card({ ...blend, patchRadius: 1.5 })).toThrow(/nlmBlend\.patchRadius must be an integer/);
    expect(() => card({ ...blend, blockRadius: 99 })).toThrow(/nlmBlend\.blockRadius must be an integer in \[0, 8\]/);
    expect(() => card({ ...blend, blockRadius: 1 })).toThrow(/blockRadius must exceed/);
    expect(() => card({ ...blend, rician: 'yes' })).toThrow(/nlmBlend\.rician/);
    expect(() => card([])).toThrow(/nlmBlend/);
    expect(() => card('x')).toThrow(/nlmBlend must be an object/);
  });
});
