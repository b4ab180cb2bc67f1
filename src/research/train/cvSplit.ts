// The paper's cross-validation split: subjects in k groups; each fold trains on k−1 groups and splits the held-out
// group into one validation subject and the test subjects, so no subject is in two of training/validation/test.
import { SeededRng } from './rng';

export interface Fold {
  /** 1-based fold number, as in logs and file names (fold-1 … fold-k). */
  index: number;
  train: string[];
  validation: string[];
  test: string[];
}

export interface CrossValidationPlan {
  seed: number;
  /** The subject groups (the paper: 13 subjects → three groups of 3 and two of 2). */
  groups: string[][];
  folds: Fold[];
}

/** Group sizes as even as possible, larger groups first: 13 in 5 → [3, 3, 3, 2, 2], as the paper. */
export function groupSizes(subjectCount: number, folds: number): number[] {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`cross-validation needs at least 2 folds, got ${folds}`);
  // Each held-out group must give one validation and at least one test subject.
  if (subjectCount < 2 * folds) {
    throw new Error(
      `${folds}-fold cross-validation needs at least ${2 * folds} subjects (one validation + one test per group), got ${subjectCount}`,
    );
  }
  const base = Math.floor(subjectCount / folds);
  const extra = subjectCount % folds;
  return Array.from({ length: folds }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Shuffles the subjects with `seed`, cuts them into groups, and makes one fold per group. */
export function planCrossValidation(subjects: readonly string[], folds: number, seed: number): CrossValidationPlan {
  assertUnique(subjects);
  const sizes = groupSizes(subjects.length, folds);
  const order = new SeededRng(seed).shuffled(subjects);
  const groups: string[][] = [];
  let at = 0;
  for (const size of sizes) {
    groups.push(order.slice(at, at + size));
    at += size;
  }
  const plan: CrossValidationPlan = {
    seed,
    groups,
    folds: groups.map((held, g) => ({
      index: g + 1,
      train: groups.filter((_, h) => h !== g).flat(),
      validation: [held[0]],
      test: held.slice(1),
    })),
  };
  for (const fold of plan.folds) assertDisjointFold(fold);
  return plan;
}

/**
 * The final model: trains on every subject but `validationCount`, which only drive early stopping (no test subjects).
 * `designed`: the validation subjects the cohort chose (a stratified mixture's) instead of a seeded random pick.
 * @example planFinalTraining(ids, 1, 6, ids.slice(-6)) // the last six validate, the rest train (seeded order)
 */
export function planFinalTraining(
  subjects: readonly string[],
  seed: number,
  validationCount = 1,
  designed?: readonly string[],
): Fold {
  assertUnique(subjects);
  if (!(Number.isInteger(validationCount) && validationCount >= 1))
    throw new Error(`validation subjects must be a positive integer, got ${validationCount}`);
  if (subjects.length < validationCount + 1)
    throw new Error(
      `final training needs at least ${validationCount + 1} subjects (${validationCount} for early stopping), got ${subjects.length}`,
    );
  if (designed !== undefined) {
    const stray = designed.find((id) => !subjects.includes(id));
    if (stray !== undefined) throw new Error(`validation subject ${stray} is not in the cohort`);
    if (designed.length !== validationCount)
      throw new Error(`the cohort holds out ${designed.length} validation subjects, not ${validationCount}`);
  }
  const order = new SeededRng(seed).shuffled(subjects);
  const validation = designed ? [...designed] : order.slice(0, validationCount);
  const fold: Fold = {
    index: 0,
    train: order.filter((id) => !validation.includes(id)),
    validation,
    test: [],
  };
  assertDisjointFold(fold);
  return fold;
}

/** Throws if any subject appears in two of train/validation/test, or twice in one of them. */
export function assertDisjointFold(fold: Fold): void {
  const seen = new Map<string, string>();
  for (const [role, ids] of [
    ['training', fold.train],
    ['validation', fold.validation],
    ['test', fold.test],
  ] as const) {
    for (const id of ids) {
      const other = seen.get(id);
      if (other) throw new Error(`fold ${fold.index}: subject ${id} is in both ${other} and ${role}`);
      seen.set(id, role);
    }
  }
  if (fold.train.length === 0) throw new Error(`fold ${fold.index} has no training subjects`);
  if (fold.validation.length === 0) throw new Error(`fold ${fold.index} has no validation subject`);
}

function assertUnique(subjects: readonly string[]): void {
  const dup = subjects.find((s, i) => subjects.indexOf(s) !== i);
  if (dup !== undefined) throw new Error(`subject id ${dup} is listed twice`);
}
