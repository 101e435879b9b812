"""Writes the .pth fixtures of test/io/pth*.test.ts: small checkpoints saved by PyTorch's own torch.save,
and hostile or damaged files built by hand, with what each should give in test/fixtures/pth/expected.json.

Run with the Python that has torch: /usr/bin/python3 tools/gen_pth_fixtures.py
"""
import collections
import io
import json
import os
import pickle
import struct
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pth')
# The os.system payload would create this file (relative to the working folder) if it ever ran.
MARKER = 'antorcha-pth-pwned'

DTYPES = {
    torch.float32: 'float32', torch.float64: 'float64', torch.bfloat16: 'bfloat16', torch.float16: 'float16',
    torch.int64: 'int64', torch.int32: 'int32', torch.uint8: 'uint8', torch.bool: 'bool',
}


def encode_tensor(t):
    """Shape, dtype, strides and the exact little-endian bytes of the elements in row-major order."""
    c = t.detach().contiguous().reshape(-1)
    raw = c.view(torch.uint8) if c.numel() else torch.empty(0, dtype=torch.uint8)
    values = c.float().tolist() if t.is_floating_point() else c.tolist()
    values = [v if v == v and abs(v) != float('inf') else str(v) for v in values]
    return {'$tensor': {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'strides': list(t.stride()),
                        'offset': t.storage_offset(), 'requiresGrad': t.requires_grad,
                        'hex': bytes(raw.numpy().tobytes()).hex(), 'values': values}}


def encode(v):
    """The value antorcha's reader should return, in JSON."""
    if isinstance(v, torch.Tensor):
        return encode_tensor(v)
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {'$object': [[k, encode(x)] for k, x in v.items()]}
        return {'$map': [[encode(k), encode(x)] for k, x in v.items()]}
    if isinstance(v, (list, tuple, torch.Size)):
        return [encode(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return {'$set': sorted(encode(x) for x in v)}
    if isinstance(v, bytes):
        return {'$bytes': v.hex()}
    if isinstance(v, torch.dtype):
        return str(v).replace('torch.', '')
    if isinstance(v, torch.device):
        return str(v)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2 ** 53 - 1 else {'$bigint': str(v)}
    if isinstance(v, float):
        return v if v == v and abs(v) != float('inf') else {'$float': str(v)}
    raise TypeError(type(v))


def save(name, obj, **kwargs):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kwargs)
    return path


def archive(name, pkl, storages=None, prefix='archive', compress=False):
    """A torch.save-like zip with a hand-built data.pkl."""
    path = os.path.join(OUT, name)
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    def entry(z, name, data):
        z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=method)

    with zipfile.ZipFile(path, 'w', method) as z:
        entry(z, f'{prefix}/data.pkl', pkl)
        for key, data in (storages or {}).items():
            entry(z, f'{prefix}/data/{key}', data)
        entry(z, f'{prefix}/version', '3\n')
    return path


class Evil:
    """Pickles as os.system(...): a real pickle.load would run the shell command."""

    def __reduce__(self):
        return (os.system, (f'touch {MARKER}',))


class Eval:
    def __reduce__(self):
        return (eval, ('1 + 1',))


# Opcode-level helpers for pickles that no pickler would write.
def binunicode(s):
    b = s.encode()
    return b'X' + struct.pack('<I', len(b)) + b


def tensor_pickle(numel, size, stride, offset=0, storage='FloatStorage'):
    """data.pkl of one tensor, with the storage numel and the tensor layout chosen freely."""
    sz = b'(' + b''.join(b'K' + bytes([s]) for s in size) + b't'
    st = b'(' + b''.join(b'K' + bytes([s]) for s in stride) + b't'
    return (b'\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(('
            + binunicode('storage') + f'ctorch\n{storage}\n'.encode() + binunicode('0') + binunicode('cpu')
            + b'K' + bytes([numel]) + b'tQK' + bytes([offset]) + sz + st
            + b'\x89ccollections\nOrderedDict\n)Rt' + b'R.')


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    torch.manual_seed(0)
    expected = {'files': {}, 'hostile': {}}

    def fixture(name, obj, **kwargs):
        save(name, obj, **kwargs)
        expected['files'][name] = encode(obj)

    # Every dtype antorcha has, with edge values.
    fixture('dtypes.pth', {
        'float32': torch.tensor([1.5, -0.0, float('inf'), float('nan'), 3.4e38, 1e-40]),
        'float64': torch.tensor([[1 / 3, -2.5e-300], [1e300, -7.0]], dtype=torch.float64),
        'bfloat16': torch.tensor([1.0, -2.5, 3.0e38, 1e-3], dtype=torch.bfloat16),
        'float16': torch.tensor([0.1, -65504.0, 6e-8, float('-inf')], dtype=torch.float16),
        'int64': torch.tensor([0, -1, 2 ** 53 - 1, -(2 ** 62), 2 ** 40], dtype=torch.int64),
        'int32': torch.tensor([[2 ** 31 - 1, -(2 ** 31)], [7, -7]], dtype=torch.int32),
        'uint8': torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        'bool': torch.tensor([[True, False, True]]),
    })

    # A module's state_dict: OrderedDict with _metadata, parameters, buffers, int64 num_batches_tracked.
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(), torch.nn.Linear(12, 2))
    net.train()
    net(torch.randn(4, 2, 4, 4))  # moves the batch-norm statistics away from their initial values
    sd = net.state_dict()
    assert hasattr(sd, '_metadata')
    fixture('state_dict.pth', sd)

    # Parameters (with and without requires_grad) pickle through _rebuild_parameter.
    fixture('parameters.pth', {
        'weight': torch.nn.Parameter(torch.randn(2, 3)),
        'frozen': torch.nn.Parameter(torch.arange(4.0), requires_grad=False),
        'plain': torch.randn(2).requires_grad_(),
    })

    # Views sharing one storage: offsets, non-contiguous strides, a stride-0 expand.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    ones = torch.ones(3)
    fixture('views.pth', {
        'base': base, 'row': base[1], 'col': base[:, 2], 't': base.t(), 'block': base[1:3, 2:5],
        'strided': base[::2, ::3], 'tail': base.view(-1)[17:], 'expanded': ones.expand(4, 3), 'ones': ones,
    })

    # 0-d and empty tensors.
    fixture('special.pth', {
        'scalar': torch.tensor(2.5), 'long_scalar': torch.tensor(-3), 'bool_scalar': torch.tensor(True),
        'empty': torch.empty(0), 'empty_2d': torch.zeros(2, 0, 3, dtype=torch.int32),
        'half_scalar': torch.tensor(0.5, dtype=torch.float16),
    })

    # Nested containers and plain values around tensors, as in a training checkpoint.
    fixture('nested.pth', {
        'epoch': 3, 'lr': 0.001, 'name': 'résumé ✓', 'none': None, 'flags': [True, False],
        'tuple': (1, 'two', 3.5, None), 'nested': {'a': [1, {'b': None, 'c': [[], {}]}], 'neg': -5},
        'ints': [0, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 70, -(2 ** 70)],
        'floats': [0.5, -1e-300, float('inf'), float('nan')],
        'optimizer': {'state': {0: {'step': 3, 'exp_avg': torch.ones(2)}, 1: {'step': 3}},
                      'param_groups': [{'lr': 0.1, 'betas': (0.9, 0.999), 'params': [0, 1]}]},
        'dtype': torch.float16, 'size': torch.Size([2, 3]), 'device': torch.device('cpu'), 'set': {3, 1, 2},
        'bytes': b'\x00\xffab', '__proto__': 'a key, not a prototype', 'tensor': torch.tensor([[1, 2]], dtype=torch.int32),
    })

    # A bare tensor and a list of tensors at the top level.
    fixture('tensor.pth', torch.tensor([1.0, 2.0]))
    fixture('list.pth', [torch.tensor([1, 2]), 'x'])

    def hostile(name, code, message, path=None, **extra):
        expected['hostile'][name] = {'code': code, 'message': message, **extra}

    # os.system(...) through GLOBAL + REDUCE, exactly as a malicious pickle is written.
    archive('os_system.pth', pickle.dumps(Evil(), protocol=2))
    hostile('os_system.pth', 'ForbiddenGlobal', r'GLOBAL posix\.system is not allowed', marker=MARKER)
    archive('eval.pth', pickle.dumps(Eval(), protocol=2))
    hostile('eval.pth', 'ForbiddenGlobal', r'GLOBAL __builtin__\.eval is not allowed')
    # builtins.getattr, the usual step towards reaching anything else.
    archive('getattr.pth', b'\x80\x02c__builtin__\ngetattr\n' + binunicode('x') + binunicode('y') + b'\x86R.')
    hostile('getattr.pth', 'ForbiddenGlobal', r'GLOBAL __builtin__\.getattr is not allowed')
    # REDUCE on an allow-listed name that is not a function.
    archive('reduce_storage.pth', b'\x80\x02ctorch\nFloatStorage\n)R.')
    hostile('reduce_storage.pth', 'ForbiddenCall', r'torch\.FloatStorage cannot be called')
    # NEWOBJ of something other than Parameter.
    archive('newobj.pth', b'\x80\x02ccollections\nOrderedDict\n)\x81.')
    hostile('newobj.pth', 'ForbiddenCall', r'NEWOBJ of collections\.OrderedDict')
    # SETITEM on a list, APPEND on a dict.
    archive('setitem_list.pth', b'\x80\x02]' + binunicode('k') + binunicode('v') + b's.')
    hostile('setitem_list.pth', 'InvalidPickle', r'SETITEM on a list')
    archive('append_dict.pth', b'\x80\x02}K\x01a.')
    hostile('append_dict.pth', 'InvalidPickle', r'APPEND on a dict')
    # A storage smaller than its tensor: 6 floats, read as 3 x 4.
    archive('small_storage.pth', tensor_pickle(6, [3, 4], [4, 1]), {'0': struct.pack('<6f', *range(6))})
    hostile('small_storage.pth', 'InvalidTensor', r'reaches element 11, past the end of storage \'0\' \(torch\.FloatStorage of 6 elements\)')
    # A storage offset past the end, and a storage record shorter than its declared numel.
    archive('offset_past_end.pth', tensor_pickle(6, [2], [1], offset=5), {'0': struct.pack('<6f', *range(6))})
    hostile('offset_past_end.pth', 'InvalidTensor', r'reaches element 6')
    archive('short_record.pth', tensor_pickle(6, [6], [1]), {'0': struct.pack('<5f', *range(5))})
    hostile('short_record.pth', 'InvalidStorage', r'6 elements \(24 bytes\) but archive/data/0 holds 20 bytes')
    archive('missing_record.pth', tensor_pickle(6, [6], [1]), {})
    hostile('missing_record.pth', 'MissingRecord', r'storage \'0\' has no archive/data/0 record')
    # A dtype antorcha does not have.
    archive('int16.pth', tensor_pickle(2, [2], [1], storage='ShortStorage'), {'0': struct.pack('<2h', 1, 2)})
    hostile('int16.pth', 'UnsupportedDType', r'dtype int16')
    # Opcodes outside the weights-only set: INST (calls a class by name) and a byte that is no opcode.
    archive('inst.pth', b'\x80\x02(iposix\nsystem\n.')
    hostile('inst.pth', 'UnsupportedOpcode', r'opcode 0x69')
    archive('unknown_opcode.pth', b'\x80\x02\xff.')
    hostile('unknown_opcode.pth', 'UnsupportedOpcode', r'opcode 0xff')
    # Memo and stack abuse.
    archive('memo_missing.pth', b'\x80\x02h\x05.')
    hostile('memo_missing.pth', 'MemoMissing', r'memo index 5 was never stored')
    archive('underflow.pth', b'\x80\x02R.')
    hostile('underflow.pth', 'StackUnderflow', r'pops from an empty stack')
    archive('no_stop.pth', b'\x80\x02K\x01')
    hostile('no_stop.pth', 'InvalidPickle', r'ends without STOP')
    # A list containing itself.
    archive('cycle.pth', b'\x80\x02]q\x00h\x00a.')
    hostile('cycle.pth', 'InvalidStructure', r'contains itself')
    # Nesting bomb: 100000 nested tuples (deflated to a few hundred bytes).
    archive('nesting_bomb.pth', b'\x80\x02N' + b'\x85' * 100000 + b'.', compress=True)
    hostile('nesting_bomb.pth', 'TooDeep', r'nested more than 1000 levels')
    # Damaged archives.
    good = open(save('good.pth', {'w': torch.arange(64, dtype=torch.float32)}), 'rb').read()
    os.remove(os.path.join(OUT, 'good.pth'))
    with open(os.path.join(OUT, 'truncated.pth'), 'wb') as f:
        f.write(good[: len(good) // 2])
    hostile('truncated.pth', 'TruncatedZip', r'no end-of-central-directory record')
    damaged = bytearray(good)
    damaged[good.index(struct.pack('<f', 10.0))] ^= 0x40  # one flipped bit inside the storage bytes
    with open(os.path.join(OUT, 'bad_crc.pth'), 'wb') as f:
        f.write(bytes(damaged))
    hostile('bad_crc.pth', 'CorruptZip', r'fails its CRC-32 check')
    # PyTorch's legacy (pre-1.6) format, and a TorchScript archive.
    save('legacy.pt', {'w': torch.ones(2)}, _use_new_zipfile_serialization=False)
    hostile('legacy.pt', 'LegacyFormat', r'legacy \(pre-1\.6, non-zip\) torch\.save format')
    torch.jit.save(torch.jit.script(torch.nn.ReLU()), os.path.join(OUT, 'torchscript.pt'))
    hostile('torchscript.pt', 'TorchScriptArchive', r'TorchScript archive')

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
