/**
 * The optimizer base class, as torch.optim.Optimizer: parameter groups with per-group options, per-parameter
 * state, zeroGrad, step, and state dicts in PyTorch's layout. Subclasses write only the update of one group.
 */
import { Tensor } from '../tensor.js';
import { keep, tidy } from '../memory/scope.js';
import { enableGrad, noGrad } from '../autograd/grad_mode.js';
import { copyValue, toCamel, toSnake } from './names.js';

/** Options every optimizer has. */
export interface OptimizerOptions {
  lr: number;
}

/**
 * A parameter group: its parameters and its options. Options are plain properties, readable and writable
 * (`opt.paramGroups[0].lr = 0.01` is how schedulers work); other keys may be added (`initialLr`).
 */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & {
  params: Tensor[];
  [option: string]: unknown;
};

/** A group as given to a constructor or to addParamGroup: options it leaves out come from the defaults. */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & {
  params: Iterable<Tensor> | Tensor;
  [option: string]: unknown;
};

/** Parameters to optimize: tensors (one group), or groups. */
export type Params<O extends OptimizerOptions = OptimizerOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * One parameter's state, with camelCase keys (`expAvgSq`). Tensors are kept (no scope disposes them); numbers
 * and null are stored as PyTorch stores them (RMSprop's integer step, SGD's absent momentum buffer).
 */
export type ParamState = Record<string, Tensor | number | null>;

/**
 * PyTorch's optimizer state dict: `state` keyed by parameter index (in group order), `param_groups` with
 * snake_case option names and `params` as index lists.
 */
export interface OptimizerStateDict {
  state: Record<string | number, Record<string, unknown>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * Base class of all optimizers (torch.optim.Optimizer). A subclass passes its defaults and implements
 * `updateGroup`, which runs under `noGrad` inside a memory scope.
 *
 * @example
 * const opt = new optim.SGD([{ params: model.features.parameters() }, { params: model.fc.parameters(), lr: 0.1 }],
 *   { lr: 0.01, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** Options used for groups that do not set them (camelCase names). */
  readonly defaults: O;
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (momentum buffers, moment estimates, step counts). */
  state = new Map<Tensor, ParamState>();

  /** @param defaults Options of the subclass; an option whose default is undefined is required in every group. */
  constructor(params: Params<O>, defaults: O) {
    if (params instanceof Tensor) {
      throw new TypeError('params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor');
    }
    this.defaults = defaults;
    const list = Array.from(params as Iterable<Tensor | ParamGroupInput<O>>);
    if (list.length === 0) throw new Error('optimizer got an empty parameter list');
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>] : (list as ParamGroupInput<O>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /**
   * Adds a group of parameters (e.g. layers unfrozen during fine-tuning), with its own options.
   *
   * @example
   * opt.addParamGroup({ params: model.layer4.parameters(), lr: 1e-4 });
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group.params instanceof Set) {
      throw new TypeError('optimizer parameters need to be organized in ordered collections, but the ordering of '
        + 'tensors in sets will change between runs. Please use a list instead.');
    }
    const params = group.params instanceof Tensor ? [group.params] : Array.from(group.params);
    for (const p of params as unknown[]) {
      if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeof p}`);
      if (!p.isLeaf && !p.retainsGrad) throw new Error("can't optimize a non-leaf Tensor");
    }
    const full: Record<string, unknown> = { ...group, params };
    for (const key of Object.keys(full)) {
      // A PyTorch spelling (weight_decay) would otherwise be stored and silently ignored.
      const camel = toCamel(key);
      if (camel !== key && camel in this.defaults) throw new TypeError(`unknown option '${key}': did you mean '${camel}'?`);
    }
    for (const [name, value] of Object.entries(this.defaults)) {
      if (full[name] !== undefined) continue;
      if (value === undefined) {
        throw new Error(`parameter group didn't specify a value of required optimization parameter ${name}`);
      }
      full[name] = copyValue(value);
    }
    if (new Set(params).size !== params.length) {
      process.emitWarning('optimizer contains a parameter group with duplicate parameters; in future, this will cause an error');
    }
    const existing = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => existing.has(p))) throw new Error('some parameters appear in more than one parameter group');
    this.paramGroups.push(full as ParamGroup<O>);
  }

  /**
   * Clears the gradients of all parameters. With `setToNone` (the default) each gradient is disposed and
   * `p.grad` becomes null; otherwise gradients are zeroed in place.
   *
   * @example
   * opt.zeroGrad();
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p.grad;
        if (grad === null) continue;
        if (setToNone) {
          grad.dispose();
          p.grad = null;
        } else {
          if (grad.gradFn !== null) grad.detach_();
          else grad.requiresGrad_(false);
          grad.zero_();
        }
      }
    }
  }

  /**
   * Performs one update of every parameter that has a gradient. The optional closure re-evaluates the model
   * and returns the loss (run with gradients enabled); step returns what it returns.
   *
   * @example
   * loss.backward();
   * opt.step();
   */
  step<T = unknown>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    // Temporaries (negated or decayed gradients, denominators) die with this scope; state tensors are kept.
    tidy(() =>
      noGrad(() => {
        for (const group of this.paramGroups) this.updateGroup(group);
      }),
    );
    return loss;
  }

  /** Updates the parameters of one group in place. Runs under noGrad, inside a memory scope. */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** The state of a parameter, created empty on first use (PyTorch's defaultdict). */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The optimizer's state in PyTorch's layout, for checkpoints. State tensors are the optimizer's own (not
   * copies), as in PyTorch: save them before the next step, or clone them to keep a snapshot.
   *
   * @example
   * const sd = opt.stateDict();
   * sd.param_groups[0].weight_decay; // PyTorch's option names
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) if (key !== 'params') packed[toSnake(key)] = copyValue(value);
      group.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      start += group.params.length;
      return { ...packed, params: group.params.map((p) => index.get(p)!) };
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(s)) packed[toSnake(key)] = value;
      state[i] = packed;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from `stateDict()` or from a PyTorch checkpoint. Tensors are copied (floating state
   * cast to its parameter's dtype, except `step`); the previous state tensors are disposed.
   *
   * @example
   * opt.loadStateDict(torch.load('opt.pth'));
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = this.paramGroups;
    const saved = stateDict.param_groups;
    if (groups.length !== saved.length) throw new Error('loaded state dict has a different number of parameter groups');
    if (groups.some((g, i) => g.params.length !== saved[i].params.length)) {
      throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const byIndex = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byIndex.set(Number(id), groups[i].params[j])));
    const state = tidy(() =>
      noGrad(() => {
        const loaded = new Map<Tensor, ParamState>();
        for (const [key, entry] of Object.entries(stateDict.state)) {
          // PyTorch keeps state of unknown indices aside; it belongs to no parameter here.
          const param = byIndex.get(Number(key));
          if (param === undefined) continue;
          const s: ParamState = {};
          for (const [name, value] of Object.entries(entry)) s[toCamel(name)] = castState(param, name, value);
          loaded.set(param, s);
        }
        return loaded;
      }),
    );
    const paramGroups = groups.map((group, i) => {
      const next: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(saved[i])) if (key !== 'params') next[toCamel(key)] = copyValue(value);
      // Older checkpoints lack newer options (PyTorch's __setstate__ fills them the same way).
      for (const [name, value] of Object.entries(this.defaults)) if (next[name] === undefined) next[name] = copyValue(value);
      next.params = group.params;
      return next as ParamGroup<O>;
    });
    for (const old of this.state.values()) for (const v of Object.values(old)) if (v instanceof Tensor) v.dispose();
    this.state = state;
    this.paramGroups = paramGroups;
  }
}

/** A kept copy of a state value; floating tensors take their parameter's dtype, except the step count. */
function castState(param: Tensor, name: string, value: unknown): Tensor | number | null {
  if (value instanceof Tensor) {
    const cast = name !== 'step' && param.isFloatingPoint() && value.dtype !== param.dtype;
    return keep(cast ? value.to(param.dtype) : value.detach().clone());
  }
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  throw new TypeError(`optimizer state '${name}' must be a Tensor, a number or null, got ${typeof value}`);
}
