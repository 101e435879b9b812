/**
 * A small, real training run with the public API only: a 2 → 64 → 1 MLP (tanh) learns to tell points inside
 * a circle from points outside it. Full-batch gradient descent with momentum, written by hand (there is no
 * nn/optim module yet); every step runs inside torch.tidy, so native memory stays flat.
 *
 * @example
 * import { runMlpDemo } from './mlp-demo.js';
 * const { firstLoss, lastLoss } = runMlpDemo({ steps: 300 });
 */
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';

export interface MlpDemoOptions {
  /** Optimisation steps (default 300). */
  steps?: number;
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
  /** Seed of the random generator (default 0). */
  seed?: number;
}

export interface MlpDemoResult {
  firstLoss: number;
  lastLoss: number;
}

const NUM_POINTS = 1024;
const HIDDEN = 64;
const RADIUS_SQUARED = 2 / Math.PI; // the circle covers half of the square [-1, 1]²: balanced classes
const LEARNING_RATE = 0.5;
const MOMENTUM = 0.9;

/** Uniform in [-bound, bound), like torch.nn.Linear's default initialisation. */
function uniformLeaf(shape: number[], bound: number): Tensor {
  return torch.rand(shape).mul(2 * bound).sub(bound).requiresGrad_(true);
}

/** Binary cross-entropy on logits with labels ±1: mean(softplus(-label · logit)), computed stably. */
function logisticLoss(logits: Tensor, labels: Tensor): Tensor {
  const m = logits.mul(labels).neg();
  return m.relu().add(m.abs().neg().exp().log1p()).mean();
}

export function runMlpDemo(options: MlpDemoOptions = {}): MlpDemoResult {
  const steps = options.steps ?? 300;
  const log = options.log ?? ((line: string) => console.log(line));
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  torch.manualSeed(options.seed ?? 0);

  // The outer tidy frees the data, parameters and momentum buffers when the run ends.
  return torch.tidy(() => {
    const x = torch.rand([NUM_POINTS, 2]).mul(2).sub(1);
    const inside = x.square().sum(1, true).lt(RADIUS_SQUARED);
    const labels = torch.where(inside, 1, -1).float();

    const w1 = uniformLeaf([HIDDEN, 2], 1 / Math.sqrt(2));
    const b1 = uniformLeaf([HIDDEN], 1 / Math.sqrt(2));
    const w2 = uniformLeaf([1, HIDDEN], 1 / Math.sqrt(HIDDEN));
    const b2 = uniformLeaf([1], 1 / Math.sqrt(HIDDEN));
    const params = [w1, b1, w2, b2];
    const velocity = params.map((p) => torch.zerosLike(p));
    const forward = (input: Tensor) => torch.linear(torch.linear(input, w1, b1).tanh(), w2, b2);

    const every = Math.max(1, Math.floor(steps / 10));
    const baseline = torch.memory();
    let firstLoss = NaN, lastLoss = NaN;
    const start = performance.now();
    for (let step = 1; step <= steps; step++) {
      lastLoss = torch.tidy(() => {
        const logits = forward(x);
        const loss = logisticLoss(logits, labels);
        loss.backward();
        torch.noGrad(() => {
          params.forEach((p, i) => {
            velocity[i].mul_(MOMENTUM).add_(p.grad!);
            p.sub_(velocity[i], { alpha: LEARNING_RATE });
            p.grad?.dispose();
            p.grad = null;
          });
        });
        return loss.item();
      });
      if (step === 1) firstLoss = lastLoss;
      if (step === 1 || step % every === 0 || step === steps) {
        log(`step ${String(step).padStart(String(steps).length)}  loss ${lastLoss.toFixed(4)}`);
      }
    }
    const seconds = (performance.now() - start) / 1000;

    const now = torch.memory();
    const accuracy = torch.tidy(() => torch.noGrad(() => forward(x).gt(0).eq(inside).float().mean().item()));
    log(
      `${steps} steps in ${seconds.toFixed(2)} s: loss ${firstLoss.toFixed(4)} -> ${lastLoss.toFixed(4)}, ` +
        `accuracy ${(accuracy * 100).toFixed(1)}%, live tensors ${baseline.numTensors} -> ${now.numTensors}, ` +
        `native bytes ${baseline.numBytes} -> ${now.numBytes}`,
    );
    return { firstLoss, lastLoss };
  });
}
