/**
 * Initialisation draws from the default generator exactly as PyTorch does: after torch.manualSeed(s) the
 * same modules get PyTorch's weights bit for bit (uniform-based initialisers), or to float rounding
 * (normal-based ones, as torch.randn).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { assertClose, build, exact, fixture } from './fixture.js';

for (const s of fixture.init) {
  const names = s.modules.map((m) => `${m.cls}(${m.args.map((a) => JSON.stringify(a)).join(', ')})`).join(', ');
  test(`manualSeed(${s.seed}) then ${names} gives PyTorch's parameters exactly`, () => {
    torch.manualSeed(s.seed);
    const built = s.modules.map((m) => build(m.cls, m.args, m.kwargs));
    built.forEach((m, i) => {
      const sd = m.stateDict();
      assert.deepEqual(Object.keys(sd), Object.keys(s.states[i]));
      for (const [k, e] of Object.entries(s.states[i])) assertClose(sd[k], e, `${s.modules[i].cls} ${k}`, exact);
    });
  });
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

for (const c of fixture.initFns) {
  test(`nn.init.${camel(c.fn)}(${JSON.stringify(c.kwargs)}) matches PyTorch${c.exact ? ' exactly' : ''}`, () => {
    torch.manualSeed(7);
    const t = torch.empty(c.shape);
    const k = c.kwargs;
    switch (c.fn) {
      case 'uniform_': nn.init.uniform_(t, k.a as number, k.b as number); break;
      case 'normal_': nn.init.normal_(t, k.mean as number, k.std as number); break;
      case 'xavier_uniform_': nn.init.xavierUniform_(t, k.gain as number); break;
      case 'xavier_normal_': nn.init.xavierNormal_(t); break;
      case 'kaiming_uniform_': nn.init.kaimingUniform_(t, k as nn.init.KaimingOptions); break;
      case 'kaiming_normal_': nn.init.kaimingNormal_(t, k as nn.init.KaimingOptions); break;
      default: assert.fail(`no case for ${c.fn}`);
    }
    assertClose(t, c.output, c.fn, c.exact ? exact : undefined);
  });
}

test('calculateGain equals PyTorch for every nonlinearity', () => {
  for (const [key, expected] of Object.entries(fixture.gains)) {
    const [name, param] = key.split(':');
    const got = nn.init.calculateGain(name as nn.init.Nonlinearity, param === 'None' ? undefined : Number(param));
    assert.equal(got, expected, key);
  }
  assert.throws(() => nn.init.calculateGain('foo' as nn.init.Nonlinearity), /^RangeError: Unsupported nonlinearity foo$/);
});

test('fan computation and its errors follow PyTorch', () => {
  assert.deepEqual(nn.init.calculateFanInAndFanOut(torch.empty(6, 3, 2, 2)), [12, 24]);
  assert.throws(() => nn.init.xavierUniform_(torch.empty(3)), /Fan in and fan out can not be computed for tensor with fewer than 2 dimensions/);
  assert.throws(() => nn.init.kaimingUniform_(torch.empty(3, 3), { mode: 'foo' as 'fan_in' }), /Mode foo not supported, please use one of \['fan_in', 'fan_out'\]/);
});

test('initialisers write in place under noGrad, on parameters that require grad', () => {
  const p = nn.Parameter(torch.zeros(4, 4));
  assert.equal(nn.init.ones_(p), p);
  assert.deepEqual(p.sum().item(), 16);
  nn.init.constant_(p, 0.5);
  assert.equal(p.mean().item(), 0.5);
  nn.init.zeros_(p);
  assert.equal(p.abs().sum().item(), 0);
  assert.equal(p.requiresGrad, true);
  assert.equal(p.isLeaf, true);
});
