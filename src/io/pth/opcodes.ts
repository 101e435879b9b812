/**
 * The pickle opcodes of PyTorch's `weights_only` unpickler: protocol 2 as torch.save writes it, plus
 * EMPTY_SET. Any other opcode (INST, OBJ, STACK_GLOBAL, EXT*, PERSID, ...) is refused by the reader and
 * never written.
 */
export const OP = {
  MARK: 0x28, STOP: 0x2e, BINFLOAT: 0x47, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, NONE: 0x4e,
  BINPERSID: 0x51, REDUCE: 0x52, SHORT_BINSTRING: 0x55, BINUNICODE: 0x58, EMPTY_LIST: 0x5d, APPEND: 0x61,
  BUILD: 0x62, GLOBAL: 0x63, APPENDS: 0x65, BINGET: 0x68, LONG_BINGET: 0x6a, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, TUPLE: 0x74, SETITEMS: 0x75, EMPTY_DICT: 0x7d, EMPTY_TUPLE: 0x29, PROTO: 0x80, NEWOBJ: 0x81,
  TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, EMPTY_SET: 0x8f,
} as const;
