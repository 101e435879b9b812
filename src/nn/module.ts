/**
 * nn.Module: the base class of layers and models. Children, parameters and buffers are found by walking the
 * instance's own properties on every call (no cache), so `model.fc = new nn.Linear(...)` after construction
 * just works. Parameters are tensors marked by nn.Parameter; buffers are registered with registerBuffer and
 * exposed as accessor properties (`this.running_mean`). State-dict keys are PyTorch's (`features.0.weight`).
 */
import { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { isFloating } from '../dtype.js';
import { keep } from '../memory/scope.js';
import { noGrad } from '../autograd/grad_mode.js';
import { device as parseDevice, type DeviceLike } from '../device.js';
import { Parameter, isParameter } from './parameter.js';
import { loadStateDictInto, stateDictOf, type LoadResult, type StateDict } from './state_dict.js';

interface BufferSlot {
  tensor: Tensor | null;
  persistent: boolean;
}

const dtypeNames = new Set(['float32', 'float64', 'bfloat16', 'float16', 'int64', 'int32', 'uint8', 'bool']);

/** The instance as a bag of properties (modules are walked by property name, as PyTorch's __dict__). */
const props = (m: Module): Record<string, unknown> => m as unknown as Record<string, unknown>;

/** Indents every line but the first (PyTorch's _addindent). */
function addIndent(s: string, spaces: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  return [lines[0], ...lines.slice(1).map((l) => ' '.repeat(spaces) + l)].join('\n');
}

function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v;
}

/**
 * Base class for all neural network modules. Subclasses assign layers and parameters as properties and
 * implement `forward`. Declare registered buffers with `declare` (a class field would hide the accessor).
 *
 * @example
 * class Net extends nn.Module {
 *   fc = new nn.Linear(4, 5);
 *   forward(x: Tensor) { return this.fc.forward(x).relu(); }
 * }
 * const net = new Net();
 * net.stateDict(); // { 'fc.weight': ..., 'fc.bias': ... }
 */
export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics); set by train() / eval(). */
  training = true;
  readonly #buffers = new Map<string, BufferSlot>();

  /** The computation; users call `model.forward(x)` (or `model.call(x)`). */
  abstract forward(...args: any[]): any; // eslint-disable-line @typescript-eslint/no-explicit-any

  /** Runs forward (PyTorch's `model(x)`; there are no hooks). @example const y = model.call(x); */
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    return this.forward(...args);
  }

  // ------------------------------------------------------------------ registration

  /**
   * Registers a tensor that is part of the module's state but not a parameter (BatchNorm's running_mean).
   * It is exposed as the property `name`; non-persistent buffers are left out of stateDict().
   *
   * @example
   * this.registerBuffer('running_mean', torch.zeros(numFeatures));
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    if (typeof name !== 'string') throw new TypeError(`buffer name should be a string. Got ${typeName(name)}`);
    if (name.includes('.')) throw new RangeError('buffer name can\'t contain "."');
    if (name === '') throw new RangeError('buffer name can\'t be empty string ""');
    if (name in this && !this.#buffers.has(name)) throw new RangeError(`attribute '${name}' already exists`);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(`cannot assign '${typeName(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    }
    const slot: BufferSlot = { tensor: tensor === null ? null : keep(tensor), persistent: options.persistent ?? true };
    this.#buffers.set(name, slot);
    Object.defineProperty(this, name, {
      configurable: true,
      enumerable: false,
      get: () => slot.tensor,
      set: (value: unknown) => {
        if (value !== null && !(value instanceof Tensor)) {
          throw new TypeError(`cannot assign '${typeName(value)}' as buffer '${name}' (torch.Tensor or None expected)`);
        }
        slot.tensor = value === null ? null : keep(value);
      },
    });
  }

  /**
   * Sets `this[name] = param`, marking a plain tensor with nn.Parameter first (PyTorch's register_parameter).
   *
   * @example
   * this.registerParameter(`weight_ih_l${layer}`, torch.empty(4 * hidden, input));
   */
  registerParameter(name: string, param: Tensor | null): void {
    if (name.includes('.')) throw new RangeError('parameter name can\'t contain "."');
    if (name === '') throw new RangeError('parameter name can\'t be empty string ""');
    if (this.#buffers.has(name)) throw new RangeError(`attribute '${name}' already exists`);
    props(this)[name] = param === null || isParameter(param) ? param : Parameter(param);
  }

  /** Sets `this[name] = module` (PyTorch's add_module). @example this.addModule(`layer${i}`, new nn.Linear(8, 8)); */
  addModule(name: string, module: Module | null): void {
    if (name.includes('.')) throw new RangeError(`module name can't contain ".", got: ${name}`);
    if (name === '') throw new RangeError('module name can\'t be empty string ""');
    if (name in this && !(props(this)[name] instanceof Module)) throw new RangeError(`attribute '${name}' already exists`);
    props(this)[name] = module;
  }
  registerModule(name: string, module: Module | null): void {
    this.addModule(name, module);
  }

  // ------------------------------------------------------------------ walking

  /** @internal This module's own parameters, in property order. */
  ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(props(this))) if (isParameter(value)) out.push([key, value as Tensor]);
    return out;
  }

  /** @internal This module's own buffers (non-null), in registration order. */
  ownBuffers(persistentOnly = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, slot] of this.#buffers) {
      if (slot.tensor !== null && (!persistentOnly || slot.persistent)) out.push([key, slot.tensor]);
    }
    return out;
  }

  /** Direct submodules with their property names (each module once). @example for (const [name, m] of model.namedChildren()) ... */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(props(this))) {
      if (value instanceof Module && !seen.has(value)) {
        seen.add(value);
        out.push([key, value]);
      }
    }
    return out;
  }
  /** @example model.children().length */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every submodule, depth first, with dotted names ('' for this one). @example model.namedModules().map(([n]) => n) */
  namedModules(prefix = '', memo: Set<Module> = new Set()): [string, Module][] {
    if (memo.has(this)) return [];
    memo.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name, memo));
    }
    return out;
  }
  /** @example model.modules().filter((m) => m instanceof nn.BatchNorm2d) */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  private namedMembers(get: (m: Module) => [string, Tensor][], prefix: string, recurse: boolean): [string, Tensor][] {
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [modPrefix, m] of mods) {
      for (const [name, t] of get(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([modPrefix ? `${modPrefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  /**
   * Parameters with dotted names, this module's first, then each child's (shared tensors once).
   *
   * @example
   * for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   */
  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedMembers((m) => m.ownParameters(), prefix, recurse);
  }
  /** @example const opt = new optim.SGD(model.parameters(), { lr: 0.1 }); */
  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }
  /** Buffers with dotted names (persistent or not). @example model.namedBuffers() // [['bn.running_mean', ...], ...] */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedMembers((m) => m.ownBuffers(), prefix, recurse);
  }
  /** @example model.buffers().length */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /** The submodule at a dotted path. @example model.getSubmodule('features.0') */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let mod: Module = this;
    for (const item of target.split('.')) {
      if (!Object.prototype.hasOwnProperty.call(mod, item)) throw new RangeError(`${mod.constructor.name} has no attribute \`${item}\``);
      const next = props(mod)[item];
      if (!(next instanceof Module)) throw new TypeError(`\`${item}\` is not an nn.Module`);
      mod = next;
    }
    return mod;
  }

  // ------------------------------------------------------------------ modes and gradients

  /** Sets training mode on this module and every submodule; returns this. @example model.train(); */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError('training mode is expected to be boolean');
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }
  /** Evaluation mode (train(false)). @example model.eval(); */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (freezing with false). @example backbone.requiresGrad_(false); */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Resets the gradients of all parameters: disposes them and sets `.grad = null` (PyTorch's
   * set_to_none=True), or zeroes them in place with `setToNone = false`.
   *
   * @example
   * model.zeroGrad(); loss.backward();
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else {
        noGrad(() => p.grad!.detach_().zero_());
      }
    }
  }

  /**
   * Calls fn on every submodule (children first) and then on this module; returns this.
   *
   * @example
   * model.apply((m) => { if (m instanceof nn.Linear) nn.init.xavierUniform_(m.weight); });
   */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ------------------------------------------------------------------ conversion

  /**
   * Converts floating-point parameters and buffers to a dtype, or moves them to a device; returns this.
   * Parameters are replaced by converted tensors (PyTorch swaps their data instead): create optimizers after
   * calling to(). The old tensors are disposed; tensors shared between modules stay shared.
   *
   * @example
   * model.to('float64');
   * model.to(torch.device('cpu'));
   */
  to(target: DType | DeviceLike | { device?: DeviceLike; dtype?: DType }): this {
    let dtype: DType | undefined;
    let dev: DeviceLike | undefined;
    if (typeof target === 'string' && dtypeNames.has(target)) dtype = target as DType;
    else if (typeof target === 'object' && target !== null && !('type' in target)) ({ device: dev, dtype } = target);
    else dev = target as DeviceLike;
    if (dtype !== undefined && !isFloating(dtype)) {
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=${dtype}`);
    }
    const d = dev === undefined ? undefined : parseDevice(dev);
    return this.applyToTensors((t) => {
      let out = d === undefined ? t : t.to(d);
      if (dtype !== undefined && isFloating(out.dtype)) out = out.to(dtype);
      return out;
    });
  }
  /** model.to('float32'), and likewise double(), half(), bfloat16(), cpu(). @example model.double(); */
  float(): this { return this.to('float32'); }
  double(): this { return this.to('float64'); }
  half(): this { return this.to('float16'); }
  bfloat16(): this { return this.to('bfloat16'); }
  cpu(): this { return this.to('cpu'); }
  cuda(): this { return this.to('cuda'); }

  /** PyTorch's _apply: replaces every parameter, gradient and buffer t with fn(t) where that differs. */
  protected applyToTensors(fn: (t: Tensor) => Tensor): this {
    const converted = new Map<Tensor, Tensor>();
    const convert = (t: Tensor): Tensor => {
      let out = converted.get(t);
      if (out === undefined) {
        out = noGrad(() => fn(t));
        converted.set(t, out);
      }
      return out;
    };
    for (const m of this.modules()) {
      for (const [name, p] of m.ownParameters()) {
        const out = convert(p);
        if (out === p) continue;
        const param = isParameter(out) ? out : Parameter(out, p.requiresGrad);
        converted.set(p, param);
        if (p.grad !== null && param.grad === null) param.grad = keep(convert(p.grad));
        props(m)[name] = param;
      }
      for (const slot of m.#buffers.values()) {
        if (slot.tensor !== null) slot.tensor = keep(convert(slot.tensor));
      }
    }
    for (const [from, to] of converted) if (from !== to) from.dispose();
    return this;
  }

  // ------------------------------------------------------------------ state dict

  /**
   * Parameters and persistent buffers by PyTorch's key ('features.0.weight', 'bn.num_batches_tracked'), in
   * PyTorch's order. Values are detached views sharing the module's memory (the tensors themselves with
   * `keepVars`).
   *
   * @example
   * torch.save(model.stateDict(), 'model.safetensors');
   */
  stateDict(options: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    return stateDictOf(this, options.prefix ?? '', options.keepVars ?? false);
  }

  /**
   * Copies values from a state dict into this module's parameters and buffers (in place, without
   * recording gradients). Strict mode fails on missing and unexpected keys; shape mismatches always fail.
   *
   * @example
   * model.loadStateDict(torch.load('model.pth'));
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    return loadStateDictInto(this, stateDict, options.strict ?? true);
  }

  // ------------------------------------------------------------------ printing

  /**
   * The text inside the parentheses of this module's print; layers override it.
   *
   * @example
   * override extraRepr() { return `in_features=${this.inFeatures}`; }
   */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module print. @example console.log(String(net)); // Net(\n  (fc): Linear(in_features=4, ...)\n) */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.namedChildrenForRepr().map(([key, m]) => `(${key}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${s})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Every child property, duplicates included (PyTorch prints _modules as they are). */
  private namedChildrenForRepr(): [string, Module][] {
    return Object.entries(props(this)).filter((e): e is [string, Module] => e[1] instanceof Module);
  }
}
