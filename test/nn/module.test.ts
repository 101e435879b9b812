/**
 * nn.Module behaviour: property walking at call time, PyTorch's state-dict keys, order and print,
 * loadStateDict and its errors, modes, gradients, dtype conversion, buffers and containers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { assertClose, exact, fixture, stateOf } from './fixture.js';
import { Net } from './net_model.js';

const names = (pairs: [string, unknown][]) => pairs.map(([n]) => n);

test('state-dict keys, parameter, buffer and module names are PyTorch\'s, in PyTorch\'s order', () => {
  const net = new Net();
  assert.deepEqual(Object.keys(net.stateDict()), fixture.net.stateKeys);
  assert.ok(fixture.net.stateKeys.includes('features.0.weight') && fixture.net.stateKeys.includes('bn.num_batches_tracked'));
  assert.deepEqual(names(net.namedParameters()), fixture.net.parameterNames);
  assert.deepEqual(names(net.namedBuffers()), fixture.net.bufferNames);
  assert.deepEqual(names(net.namedModules()), fixture.net.moduleNames);
});

test('the module print is PyTorch\'s repr', () => {
  assert.equal(new Net().toString(), fixture.net.repr);
  assert.equal(String(new nn.Sequential()), 'Sequential()');
});

test('after manualSeed(0) the net is initialised exactly as PyTorch\'s', () => {
  torch.manualSeed(fixture.net.seed);
  const sd = new Net().stateDict();
  for (const [k, e] of Object.entries(fixture.net.initialState)) assertClose(sd[k], e, k, exact);
});

test('children and parameters are found at call time: a layer assigned after construction counts', () => {
  const net = new Net();
  const before = net.parameters().length;
  net.fc = new nn.Linear(16, 7);
  assert.deepEqual(net.stateDict()['fc.weight'].shape, [7, 16]);
  assert.equal(net.parameters().length, before);
  assert.ok(net.parameters().includes(net.fc.weight));
  (net as unknown as Record<string, nn.Module>).extra = new nn.Linear(2, 2);
  assert.deepEqual(Object.keys(net.stateDict()).slice(-2), ['extra.weight', 'extra.bias']);
  net.heads.set('c', new nn.Identity());
  assert.deepEqual(net.heads.keys(), ['a', 'b', 'c']);
  net.features.append(new nn.Flatten());
  assert.equal(net.features.length, 5);
});

test('a parameter is a tensor marked by nn.Parameter; freezing keeps it a parameter', () => {
  class M extends nn.Module {
    w = nn.Parameter(torch.ones(2));
    plain = torch.ones(2, { requiresGrad: true });
    frozen = nn.Parameter(torch.zeros(3), false);
    forward(x: Tensor) { return x.mul(this.w); }
  }
  const m = new M();
  assert.deepEqual(names(m.namedParameters()), ['w', 'frozen']);
  assert.equal(m.w.requiresGrad, true);
  assert.equal(m.frozen.requiresGrad, false);
  for (const p of m.parameters()) p.requiresGrad = false;
  assert.deepEqual(names(m.namedParameters()), ['w', 'frozen']);
  m.requiresGrad_(true);
  assert.ok(m.parameters().every((p) => p.requiresGrad));
  assert.ok(nn.isParameter(m.w) && !nn.isParameter(m.plain));
  const nonLeaf = torch.ones(2, { requiresGrad: true }).mul(2);
  const p = nn.Parameter(nonLeaf);
  assert.ok(p.isLeaf && p.requiresGrad && p !== nonLeaf);
  assert.throws(() => nn.Parameter(torch.tensor([1, 2])), /Only Tensors of floating point and complex dtype can require gradients/);
  m.registerParameter('extra', torch.zeros(1));
  assert.deepEqual(names(m.namedParameters()), ['w', 'frozen', 'extra']);
});

test('registerBuffer: accessor properties, persistence, PyTorch\'s errors', () => {
  class M extends nn.Module {
    declare stats: Tensor | null;
    declare cache: Tensor | null;
    weight = nn.Parameter(torch.ones(1));
    constructor() {
      super();
      this.registerBuffer('stats', torch.zeros(2));
      this.registerBuffer('cache', torch.ones(3), { persistent: false });
    }
    forward() { return this.stats; }
  }
  const m = new M();
  assert.deepEqual(m.stats!.shape, [2]);
  assert.deepEqual(Object.keys(m.stateDict()), ['weight', 'stats']);
  assert.deepEqual(names(m.namedBuffers()), ['stats', 'cache']);
  m.stats = torch.full([4], 3);
  assert.deepEqual(m.stateDict().stats.tolist(), [3, 3, 3, 3]);
  m.stats = null;
  assert.deepEqual(Object.keys(m.stateDict()), ['weight']);
  assert.throws(() => { (m as unknown as { cache: unknown }).cache = 3; }, /cannot assign 'int' as buffer 'cache' \(torch.Tensor or None expected\)/);
  assert.throws(() => m.registerBuffer('weight', torch.ones(1)), /attribute 'weight' already exists/);
  assert.throws(() => m.registerBuffer('a.b', torch.ones(1)), /buffer name can't contain "."/);
  assert.throws(() => m.registerBuffer('', torch.ones(1)), /buffer name can't be empty string ""/);
  assert.throws(() => m.registerBuffer('x', 3 as unknown as Tensor), /cannot assign 'int' object to buffer 'x' \(torch Tensor or None required\)/);
});

test('loadStateDict copies values in place and fails with PyTorch\'s wording', () => {
  torch.manualSeed(1);
  const a = new Net();
  torch.manualSeed(2);
  const b = new Net();
  const weight = b.fc.weight;
  const result = b.loadStateDict(a.stateDict());
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
  assert.equal(b.fc.weight, weight, 'parameters are updated in place');
  assert.ok(b.fc.weight.equal(a.fc.weight) && (b.features[0] as nn.Conv2d).weight.equal((a.features[0] as nn.Conv2d).weight));
  assert.equal(b.fc.weight.requiresGrad, true);

  const lin = new nn.Linear(4, 5);
  const bad = { weight: torch.zeros(5, 3), extra: torch.zeros(1) };
  assert.throws(() => lin.loadStateDict(bad), (e: Error) => {
    assert.equal(e.message, 'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". \n\t' +
      'Unexpected key(s) in state_dict: "extra". \n\tsize mismatch for weight: copying a param with shape torch.Size([5, 3]) from ' +
      'checkpoint, the shape in current model is torch.Size([5, 4]).');
    return true;
  });
  class Wrapper extends nn.Module {
    fc = new nn.Linear(4, 5);
    forward(x: Tensor) { return this.fc.forward(x); }
  }
  assert.throws(() => new Wrapper().loadStateDict({ 'fc.weight': torch.zeros(5, 4) }),
    /^Error: Error\(s\) in loading state_dict for Wrapper:\n\tMissing key\(s\) in state_dict: "fc.bias"\. $/);
  const loose = lin.loadStateDict({ bias: torch.ones(5), extra: torch.zeros(1) }, { strict: false });
  assert.deepEqual(loose, { missingKeys: ['weight'], unexpectedKeys: ['extra'] });
  assert.deepEqual(lin.bias!.tolist(), [1, 1, 1, 1, 1]);
  assert.throws(() => lin.loadStateDict({ weight: torch.zeros(5, 3), bias: torch.full([5], 2) }, { strict: false }), /size mismatch for weight/);
  assert.deepEqual(lin.bias!.tolist(), [1, 1, 1, 1, 1], 'a failed load copies nothing');
  lin.loadStateDict(new Map([['weight', torch.zeros(5, 4, { dtype: 'float64' })], ['bias', torch.zeros(5)]]));
  assert.equal(lin.weight.dtype, 'float32');
  assert.equal(lin.weight.abs().sum().item(), 0);
});

test('stateDict values are detached views of the module\'s tensors (the tensors themselves with keepVars)', () => {
  const lin = new nn.Linear(2, 2);
  const sd = lin.stateDict();
  assert.equal(sd.weight.requiresGrad, false);
  torch.noGrad(() => sd.weight.fill_(5));
  assert.equal(lin.weight.sum().item(), 20);
  sd.weight.dispose();
  assert.equal(lin.weight.sum().item(), 20, 'disposing a state-dict entry leaves the parameter alive');
  assert.equal(lin.stateDict({ keepVars: true }).weight, lin.weight);
  assert.deepEqual(Object.keys(lin.stateDict({ prefix: 'head.' })), ['head.weight', 'head.bias']);
});

test('train() and eval() set the mode of every submodule', () => {
  const net = new Net();
  assert.ok(net.modules().every((m) => m.training));
  assert.equal(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training));
  net.train();
  assert.ok(net.modules().every((m) => m.training));
  net.train(false);
  assert.equal(net.norms.at(1).training, false);
});

test('zeroGrad disposes the gradients and sets them to null, or zeroes them in place', () => {
  const lin = new nn.Linear(3, 2);
  lin.forward(torch.ones(4, 3)).sum().backward();
  const g = lin.weight.grad!;
  lin.zeroGrad();
  assert.equal(lin.weight.grad, null);
  assert.equal(g.isDisposed, true);
  lin.forward(torch.ones(4, 3)).sum().backward();
  const g2 = lin.bias!.grad!;
  lin.zeroGrad(false);
  assert.equal(lin.bias!.grad, g2);
  assert.deepEqual(g2.tolist(), [0, 0]);
});

test('to(dtype) converts floating parameters and buffers; shared tensors stay shared', () => {
  const net = new Net();
  (net as unknown as Record<string, nn.Module>).tied = net.fc;
  net.fc.forward(torch.randn(3, 16)).sum().backward();
  const old = net.fc.weight;
  assert.equal(net.to('float64'), net);
  assert.equal(old.isDisposed, true, 'the replaced tensors are freed');
  for (const [name, t] of Object.entries(net.stateDict())) {
    assert.equal(t.dtype, name.endsWith('num_batches_tracked') ? 'int64' : 'float64', name);
  }
  assert.ok(nn.isParameter(net.fc.weight) && net.fc.weight.requiresGrad && net.fc.weight.grad?.dtype === 'float64');
  assert.equal((net as unknown as { tied: nn.Linear }).tied.weight, net.fc.weight);
  assert.equal(net.fc.forward(torch.randn(3, 16, { dtype: 'float64' })).dtype, 'float64');
  net.float();
  assert.equal(net.fc.weight.dtype, 'float32');
  assert.equal(net.to('cpu'), net);
  assert.throws(() => net.to('int64'), /nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=int64/);
  assert.throws(() => net.to('cuda'), /CUDA is not available/);
});

test('Sequential, ModuleList and ModuleDict index, iterate and renumber as PyTorch\'s', () => {
  const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
  assert.equal(seq.length, 3);
  assert.equal(seq[0], seq.at(0));
  assert.equal(seq.at(-1), seq[2]);
  assert.throws(() => seq.at(3), /index 3 is out of range/);
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.deepEqual(seq.forward(torch.ones(4, 2)).shape, [4, 1]);
  assert.deepEqual([...seq].map((m) => m.constructor.name), ['Linear', 'ReLU', 'Linear']);
  seq.insert(1, new nn.Tanh());
  assert.deepEqual([...seq].map((m) => m.constructor.name), ['Linear', 'Tanh', 'ReLU', 'Linear']);
  assert.equal(seq.pop(1).constructor.name, 'Tanh');
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.deepEqual(seq.slice(0, 2).children().length, 2);
  const named = new nn.Sequential({ conv: new nn.Linear(2, 2), act: new nn.ReLU() });
  assert.deepEqual(Object.keys(named.stateDict()), ['conv.weight', 'conv.bias']);
  assert.deepEqual(named.forward(torch.ones(1, 2)).shape, [1, 2]);

  const list = new nn.ModuleList([new nn.Linear(2, 2)]);
  list.append(new nn.Linear(2, 2)).extend([new nn.ReLU()]);
  assert.equal(list.length, 3);
  assert.deepEqual(Object.keys(list.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
  assert.throws(() => list.forward(), /Module \[ModuleList\] is missing the required "forward" function/);

  const dict = new nn.ModuleDict({ a: new nn.ReLU(), b: new nn.Linear(1, 1) });
  assert.deepEqual(dict.keys(), ['a', 'b']);
  assert.ok(dict.has('a') && !dict.has('z'));
  assert.throws(() => dict.set('keys', new nn.ReLU()), /attribute 'keys' already exists/);
  assert.equal(dict.delete('a').constructor.name, 'ReLU');
  assert.deepEqual([...dict], ['b']);
  assert.equal(dict.toString(), 'ModuleDict(\n  (b): Linear(in_features=1, out_features=1, bias=True)\n)');
});

test('apply visits children first; shared modules and parameters are listed once', () => {
  const shared = new nn.Linear(2, 2);
  const seq = new nn.Sequential(shared, new nn.ReLU(), shared);
  const seen: string[] = [];
  seq.apply((m) => seen.push(m.constructor.name));
  assert.deepEqual(seen, ['Linear', 'ReLU', 'Sequential']);
  assert.equal(seq.parameters().length, 2);
  assert.equal(seq.modules().length, 3);
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.equal(seq.toString().split('\n').length, 5);
});

/** An MLP over composite layers only (the tests of this file do not need the native conv / pool / bn ops). */
class Mlp extends nn.Module {
  body = new nn.Sequential(new nn.Linear(16, 8), new nn.LayerNorm(8), new nn.GELU(), new nn.Dropout(0.1), new nn.Linear(8, 5));
  forward(x: Tensor): Tensor { return this.body.forward(x).logSoftmax(1); }
}

test('parameters and buffers survive memory scopes; a forward pass in tidy leaves nothing behind', () => {
  const net = torch.tidy(() => new Net());
  assert.ok(net.parameters().every((p) => !p.isDisposed) && net.buffers().every((b) => !b.isDisposed));
  const mlp = torch.tidy(() => new Mlp());
  const x = torch.randn(3, 16);
  torch.tidy(() => mlp.forward(x).sum().backward());
  mlp.zeroGrad();
  const before = torch.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    torch.tidy(() => {
      mlp.forward(x).sum().backward();
      mlp.zeroGrad();
    });
  }
  assert.equal(torch.memory().numTensors, before);
});

test('call() runs forward; getSubmodule walks dotted paths', () => {
  const net = new Net();
  const mlp = new Mlp().eval();
  const x = torch.randn(3, 16);
  assert.ok(mlp.call(x).equal(mlp.forward(x)));
  assert.equal(net.getSubmodule('features.0'), net.features[0]);
  assert.equal(net.getSubmodule('heads.b'), net.heads.get('b'));
  assert.throws(() => net.getSubmodule('features.9'), /Sequential has no attribute `9`/);
  assert.throws(() => net.getSubmodule('fc.weight'), /`weight` is not an nn.Module/);
});

test('stateDict of PyTorch\'s initial net loads into a fresh one', () => {
  const net = new Net();
  net.loadStateDict(stateOf(fixture.net.initialState));
  for (const [k, e] of Object.entries(fixture.net.initialState)) assertClose(net.stateDict()[k], e, k, exact);
});
