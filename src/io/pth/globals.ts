/**
 * The only globals a `.pth` pickle may name: what torch.save writes for tensors, parameters and state
 * dicts, following PyTorch's own `weights_only` allow-list. Everything else (os.system, builtins.eval,
 * builtins.getattr, any user class) is refused by name before anything else happens.
 */
import type { DType } from '../../dtype.js';
import type { GlobalKind, StorageType } from './py.js';

const storage = (className: string, torchDType: string, itemsize: number): [string, GlobalKind] =>
  [`torch.${className}`, { kind: 'storage', type: { className, torchDType, itemsize } }];

const UNTYPED: GlobalKind = { kind: 'storage', type: { className: 'UntypedStorage', torchDType: 'uint8', itemsize: 1 } };

const TORCH_DTYPES = [
  'float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
  'complex32', 'complex64', 'complex128',
];

/** Allow-listed globals by their dotted path (protocol 2 writes Python 3's `builtins` as `__builtin__`). */
export const ALLOWED_GLOBALS: ReadonlyMap<string, GlobalKind> = new Map<string, GlobalKind>([
  ['collections.OrderedDict', { kind: 'orderedDict' }],
  ['torch._utils._rebuild_tensor_v2', { kind: 'rebuildTensor', v2: true }],
  ['torch._utils._rebuild_tensor', { kind: 'rebuildTensor', v2: false }],
  ['torch._utils._rebuild_parameter', { kind: 'rebuildParameter', withState: false }],
  ['torch._utils._rebuild_parameter_with_state', { kind: 'rebuildParameter', withState: true }],
  ['torch.nn.parameter.Parameter', { kind: 'parameter' }],
  ['torch.Size', { kind: 'size' }],
  ['_codecs.encode', { kind: 'encode' }],
  ['torch.device', { kind: 'device' }],
  ['builtins.set', { kind: 'set', frozen: false }],
  ['builtins.frozenset', { kind: 'set', frozen: true }],
  ['__builtin__.set', { kind: 'set', frozen: false }],
  ['__builtin__.frozenset', { kind: 'set', frozen: true }],
  storage('FloatStorage', 'float32', 4),
  storage('DoubleStorage', 'float64', 8),
  storage('HalfStorage', 'float16', 2),
  storage('BFloat16Storage', 'bfloat16', 2),
  storage('LongStorage', 'int64', 8),
  storage('IntStorage', 'int32', 4),
  storage('ShortStorage', 'int16', 2),
  storage('CharStorage', 'int8', 1),
  storage('ByteStorage', 'uint8', 1),
  storage('BoolStorage', 'bool', 1),
  storage('ComplexFloatStorage', 'complex64', 8),
  storage('ComplexDoubleStorage', 'complex128', 16),
  ['torch.UntypedStorage', UNTYPED],
  ['torch.storage.UntypedStorage', UNTYPED],
  ['torch.storage._UntypedStorage', UNTYPED],
  ...TORCH_DTYPES.map((name): [string, GlobalKind] => [`torch.${name}`, { kind: 'dtype', name }]),
]);

/** PyTorch dtype names that antorcha tensors have. */
export const ANTORCHA_DTYPES: Readonly<Record<string, DType>> = {
  float32: 'float32', float64: 'float64', float16: 'float16', bfloat16: 'bfloat16',
  int64: 'int64', int32: 'int32', uint8: 'uint8', bool: 'bool',
};

/** The storage class torch.save names for each antorcha dtype. */
export const STORAGE_OF: Readonly<Record<DType, StorageType>> = {
  float32: { className: 'FloatStorage', torchDType: 'float32', itemsize: 4 },
  float64: { className: 'DoubleStorage', torchDType: 'float64', itemsize: 8 },
  float16: { className: 'HalfStorage', torchDType: 'float16', itemsize: 2 },
  bfloat16: { className: 'BFloat16Storage', torchDType: 'bfloat16', itemsize: 2 },
  int64: { className: 'LongStorage', torchDType: 'int64', itemsize: 8 },
  int32: { className: 'IntStorage', torchDType: 'int32', itemsize: 4 },
  uint8: { className: 'ByteStorage', torchDType: 'uint8', itemsize: 1 },
  bool: { className: 'BoolStorage', torchDType: 'bool', itemsize: 1 },
};
