/** Reads test/fixtures/optim.json (tools/gen_optim_fixtures.py) and builds optimizers from its cases. */
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { decodeValues, fromFixture, loadFixture, type EncodedTensor } from '../helpers.js';

export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  /** PyTorch's option names. */
  options: Record<string, unknown>;
  groups: Record<string, unknown>[] | null;
  init: EncodedTensor[];
  /** Per step, per parameter; null: no gradient that step. */
  grads: (EncodedTensor | null)[][];
  /** Parameters after each step. */
  params: EncodedTensor[][];
  saveAt: number;
  /** PyTorch's state_dict() after saveAt steps (tensors encoded). */
  stateDict: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] };
}

export interface SchedulerCase {
  name: string;
  scheduler: 'StepLR' | 'MultiStepLR' | 'ExponentialLR' | 'CosineAnnealingLR' | 'LinearLR' | 'OneCycleLR' | 'ReduceLROnPlateau';
  options: Record<string, unknown>;
  optimizer: 'SGD' | 'Adam';
  lrs: number[];
  metrics: number[] | null;
  /** Group lrs after construction, then after each step. */
  expected: number[][];
  momenta: number[][];
  saveAt: number;
  stateDict: Record<string, unknown>;
}

export const fixture = loadFixture<{ optimizers: OptimizerCase[]; schedulers: SchedulerCase[] }>('optim.json');

const rename: Record<string, string> = { T_max: 'tMax' };

/** PyTorch's keyword names → antorcha's option names. */
export function camelOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).map(([k, v]) => [rename[k] ?? k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), v]),
  );
}

const classes = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop };

/** Fresh leaf parameters from encoded values. */
export function makeParams(values: EncodedTensor[]): Tensor[] {
  return values.map((e) => torch.keep(fromFixture(e).requiresGrad_(true)));
}

/** The case's optimizer over params, built as the generator built PyTorch's. */
export function buildOptimizer(c: OptimizerCase, params: Tensor[]): optim.Optimizer {
  const Cls = classes[c.optimizer] as unknown as new (p: unknown, o: unknown) => optim.Optimizer;
  const target = c.groups ? c.groups.map((g, i) => ({ ...camelOptions(g), params: [params[i]] })) : params;
  return new Cls(target, camelOptions(c.options));
}

/** Sets each parameter's gradient to the fixture's for step k (null: none), disposing the previous one. */
export function setGrads(c: OptimizerCase, params: Tensor[], k: number): void {
  params.forEach((p, i) => {
    p.grad?.dispose();
    const g = c.grads[k][i];
    p.grad = g ? torch.keep(fromFixture(g)) : null;
  });
}

export function isEncoded(v: unknown): v is EncodedTensor {
  return v !== null && typeof v === 'object' && 'shape' in v && 'dtype' in v && 'data' in v;
}

/** A JSON state dict with tensors decoded and 'inf' strings as numbers. */
export function decodeState(v: unknown): unknown {
  if (isEncoded(v)) return fromFixture(v);
  if (v === 'inf' || v === '-inf' || v === 'nan') return decodeValues([v])[0];
  if (Array.isArray(v)) return v.map(decodeState);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeState(x)]));
  return v;
}

/** The optimizer the scheduler cases use: one group per lr. */
export function schedulerOptimizer(c: SchedulerCase): optim.Optimizer {
  const groups = c.lrs.map((lr) => ({ params: [torch.keep(torch.zeros(2).requiresGrad_(true))], lr }));
  return c.optimizer === 'SGD' ? new optim.SGD(groups, { lr: c.lrs[0], momentum: 0.9 }) : new optim.Adam(groups, { lr: c.lrs[0] });
}
