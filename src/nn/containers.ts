/**
 * Containers: Sequential, ModuleList and ModuleDict. Children are stored as own properties named '0', '1',
 * ... (or by key), so state-dict keys are PyTorch's (`features.0.weight`).
 */
import { Module } from './module.js';
import { BatchNorm2d, BatchNormBase } from './modules/batchnorm.js';
import { Conv2d } from './modules/conv.js';
import { bnReluMaxPool, convBn } from './fused_conv_bn.js';
import { MaxPool2d } from './modules/pooling.js';
import { ReLU } from './modules/activation.js';

const props = (m: Module): Record<string, unknown> => m as unknown as Record<string, unknown>;

/** Every own Module-valued property in order (integer keys first, as JavaScript orders them), duplicates kept. */
function moduleEntries(m: Module): [string, Module][] {
  return Object.entries(props(m)).filter((e): e is [string, Module] => e[1] instanceof Module);
}

/** Children stored under '0', '1', ...: the common part of Sequential and ModuleList. */
abstract class IndexedModules extends Module {
  /** `seq[0]` reads a child, as in PyTorch (`at(i)` also takes negative indices). */
  [index: number]: Module;

  get length(): number {
    return moduleEntries(this).length;
  }

  private keyAt(i: number): string {
    const list = moduleEntries(this);
    const n = list.length;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`index ${i} is out of range`);
    return list[i < 0 ? i + n : i][0];
  }

  /** The child at index i (negative counts from the end). @example seq.at(-1) */
  at(i: number): Module {
    return props(this)[this.keyAt(i)] as Module;
  }

  /** Replaces the child at index i. @example seq.set(0, new nn.Linear(4, 8)); */
  set(i: number, module: Module): void {
    props(this)[this.keyAt(i)] = checkModule(module);
  }

  /** Adds a child at the end (key String(length)). @example layers.append(new nn.ReLU()); */
  append(module: Module): this {
    props(this)[String(this.length)] = checkModule(module);
    return this;
  }

  /** @example layers.extend([new nn.Linear(8, 8), new nn.ReLU()]); */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts before index i, renumbering the children after it. @example seq.insert(1, new nn.Dropout(0.1)); */
  insert(i: number, module: Module): void {
    const list = [...this];
    const n = list.length;
    const at = i < 0 ? Math.max(0, i + n) : Math.min(i, n);
    list.splice(at, 0, checkModule(module));
    this.reset(list);
  }

  /** Removes and returns the child at index i, renumbering the rest. @example const last = seq.pop(); */
  pop(i = -1): Module {
    const key = this.keyAt(i);
    const m = props(this)[key] as Module;
    delete props(this)[key];
    this.reset([...this]);
    return m;
  }

  private reset(list: Module[]): void {
    for (const [key] of moduleEntries(this)) delete props(this)[key];
    list.forEach((m, k) => (props(this)[String(k)] = m));
  }

  *[Symbol.iterator](): IterableIterator<Module> {
    for (const [, m] of moduleEntries(this)) yield m;
  }
}

function checkModule(m: unknown): Module {
  if (!(m instanceof Module)) throw new TypeError(`${m === null ? 'None' : typeof m} is not a Module subclass`);
  return m;
}

/**
 * Runs modules in order, each on the previous one's output.
 *
 * @example
 * const features = new nn.Sequential(new nn.Conv2d(3, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2));
 * features.forward(torch.randn(8, 3, 32, 32)).shape; // [8, 32, 16, 16]
 * features.stateDict(); // keys '0.weight', '0.bias'
 */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      // PyTorch's Sequential(OrderedDict(...)): named children.
      for (const [key, m] of Object.entries(first)) this.addModule(key, checkModule(m));
    } else {
      for (const m of modules as Module[]) this.append(m);
    }
  }

  /** A new Sequential over children start..end (Python's seq[start:end]); the modules are shared. @example seq.slice(0, -1) */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(...[...this].slice(start, end));
  }

  forward(input: any): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    let x = input;
    const modules = [...this];
    for (let i = 0; i < modules.length; i++) {
      const m = modules[i];
      // Conv2d → BatchNorm2d (→ ReLU) goes through convBn: one folded inference convolution in eval mode without
      // gradients, else the layers one by one (batch norm and ReLU fused as below).
      // A following MaxPool2d joins them where bnReluMaxPool can fuse it.
      if (m instanceof Conv2d && modules[i + 1] instanceof BatchNorm2d) {
        const relu = modules[i + 2] instanceof ReLU ? modules[i + 2] : null;
        const maxPool = relu && modules[i + 3] instanceof MaxPool2d ? modules[i + 3] : null;
        x = convBn(m, modules[i + 1], x, { relu, maxPool });
        i += maxPool ? 3 : relu ? 2 : 1;
        continue;
      }
      // A batch norm followed by a ReLU runs as one fused kernel (same values and gradients, one pass less over
      // the activations each way), and with a max pooling after them as another; only the library's own
      // forwards are fused, never a subclass's override.
      if (m instanceof BatchNormBase && m.forward === BatchNormBase.prototype.forward
        && modules[i + 1] instanceof ReLU && modules[i + 1].forward === ReLU.prototype.forward) {
        if (modules[i + 2] instanceof MaxPool2d) {
          x = bnReluMaxPool(m, modules[i + 1], modules[i + 2], x);
          i += 2;
          continue;
        }
        x = m.forwardWithRelu(x);
        i++;
        continue;
      }
      x = m.forward(x);
    }
    return x;
  }
}

/**
 * A list of submodules whose parameters are registered (a plain array property is not walked).
 *
 * @example
 * this.layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 * for (const layer of this.layers) x = layer.forward(x);
 */
export class ModuleList extends IndexedModules {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  forward(): never {
    throw new Error('Module [ModuleList] is missing the required "forward" function');
  }
}

/**
 * Submodules by name (state-dict keys `name.weight`).
 *
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), box: new nn.Linear(8, 4) });
 * heads.get('cls').forward(x);
 */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this.update(modules);
  }

  /** @example heads.get('cls') */
  get(key: string): Module {
    const m = this.has(key) ? props(this)[key] : undefined;
    if (!(m instanceof Module)) throw new RangeError(`'${key}'`);
    return m;
  }
  /** Adds or replaces a child; a key that names a ModuleDict member ('keys', 'get') is refused, as in PyTorch. */
  set(key: string, module: Module): void {
    if (key in this && !this.has(key)) throw new RangeError(`attribute '${key}' already exists`);
    this.addModule(key, checkModule(module));
  }
  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this, key) && props(this)[key] instanceof Module;
  }
  delete(key: string): Module {
    const m = this.get(key);
    delete props(this)[key];
    return m;
  }
  update(modules: Record<string, Module> | Iterable<[string, Module]>): void {
    const pairs = Symbol.iterator in Object(modules)
      ? [...(modules as Iterable<[string, Module]>)]
      : Object.entries(modules as Record<string, Module>);
    for (const [k, m] of pairs) this.set(k, m);
  }
  keys(): string[] {
    return this.namedChildrenAll().map(([k]) => k);
  }
  values(): Module[] {
    return this.namedChildrenAll().map(([, m]) => m);
  }
  entries(): [string, Module][] {
    return this.namedChildrenAll();
  }
  get length(): number {
    return this.keys().length;
  }
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  private namedChildrenAll(): [string, Module][] {
    return moduleEntries(this);
  }

  forward(): never {
    throw new Error('Module [ModuleDict] is missing the required "forward" function');
  }
}
