// The paper's CV split: 13 subjects → groups of 3,3,3,2,2; no subject in two of train/validation/test, every subject
// tested exactly once or used for validation once.
import {
  assertDisjointFold,
  groupSizes,
  planCrossValidation,
  planFinalTraining,
} from '../../../src/research/train/cvSplit';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `sub-${String(i + 1).padStart(2, '0')}`);

describe('planCrossValidation', () => {
  it('cuts 13 subjects into three groups of 3 and two of 2, as the paper', () => {
    expect(groupSizes(13, 5)).toEqual([3, 3, 3, 2, 2]);
    const plan = planCrossValidation(ids(13), 5, 7);
    expect(plan.groups.map((g) => g.length)).toEqual([3, 3, 3, 2, 2]);
    expect(plan.folds).toHaveLength(5);
  });

  it('keeps training, validation and test disjoint and covers every subject once per fold', () => {
    for (const [n, k] of [
      [13, 5],
      [10, 5],
      [23, 4],
      [300, 5],
    ] as const) {
      const subjects = ids(n);
      const plan = planCrossValidation(subjects, k, 3);
      const heldOut: string[] = [];
      for (const fold of plan.folds) {
        const all = [...fold.train, ...fold.validation, ...fold.test];
        expect(new Set(all).size).toBe(n);
        expect(all.length).toBe(n);
        expect(fold.validation).toHaveLength(1);
        expect(fold.test.length).toBeGreaterThanOrEqual(1);
        heldOut.push(...fold.validation, ...fold.test);
      }
      // Every subject is held out in exactly one fold.
      expect([...heldOut].sort()).toEqual([...subjects].sort());
    }
  });

  it('is repeatable for a seed and changes with it', () => {
    expect(planCrossValidation(ids(13), 5, 1)).toEqual(planCrossValidation(ids(13), 5, 1));
    expect(planCrossValidation(ids(13), 5, 1).groups).not.toEqual(planCrossValidation(ids(13), 5, 2).groups);
  });

  it('refuses too few subjects, too few folds and duplicate ids', () => {
    expect(() => planCrossValidation(ids(9), 5, 1)).toThrow(/at least 10 subjects/);
    expect(() => planCrossValidation(ids(13), 1, 1)).toThrow(/at least 2 folds/);
    expect(() => planCrossValidation(['a', 'b', 'a', 'c'], 2, 1)).toThrow(/listed twice/);
  });

  it('assertDisjointFold catches a subject in two roles', () => {
    expect(() => assertDisjointFold({ index: 1, train: ['a', 'b'], validation: ['c'], test: ['b'] })).toThrow(
      /subject b is in both training and test/,
    );
    expect(() => assertDisjointFold({ index: 2, train: ['a'], validation: ['a'], test: [] })).toThrow(
      /both training and validation/,
    );
  });
});

describe('planFinalTraining', () => {
  it('holds one subject out for early stopping and trains on the rest', () => {
    const fold = planFinalTraining(ids(13), 1);
    expect(fold.validation).toHaveLength(1);
    expect(fold.train).toHaveLength(12);
    expect(fold.test).toEqual([]);
    expect(fold.train).not.toContain(fold.validation[0]);
  });

  it('holds out the validation subjects a cohort designed, keeping the seeded order of the rest', () => {
    const random = planFinalTraining(ids(12), 1, 3);
    const designed = planFinalTraining(ids(12), 1, 3, ids(12).slice(-3));
    expect(designed.validation).toEqual(['sub-10', 'sub-11', 'sub-12']);
    // The random plan's validation is the head of the seeded order, its training set the tail.
    const order = [...random.validation, ...random.train];
    expect(designed.train).toEqual(order.filter((id) => !designed.validation.includes(id)));
    expect(designed.train).toHaveLength(9);
    expect(() => planFinalTraining(ids(12), 1, 1, ['sub-99'])).toThrow(
      'validation subject sub-99 is not in the cohort',
    );
    expect(() => planFinalTraining(ids(12), 1, 2, ['sub-01'])).toThrow(
      'the cohort holds out 1 validation subjects, not 2',
    );
  });
});
