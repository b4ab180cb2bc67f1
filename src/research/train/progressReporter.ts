// What training reports as it runs; the terminal implementation lives in cli/trainProgress.ts.
export interface ProgressReporter {
  startEpoch(label: string, epoch: number, maxEpochs: number, totalSteps: number, startStep: number): void;
  step(step: number, loss: number, samplesPerSecond: number): void;
  endEpoch(summary: {
    trainLoss: number;
    valLoss: number;
    samplesPerSecond: number;
    seconds: number;
    best: boolean;
    note?: string;
  }): void;
  message(line: string): void;
}
