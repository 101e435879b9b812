"""Loads the .pth files tools/write_pth_samples.mjs wrote with antorcha's writer, using PyTorch's own
torch.load(path, weights_only=True), and compares them with the expected.json next to them.

Usage: /usr/bin/python3 tools/check_pth_written.py <folder>   (exit status 1 on any mismatch)
"""
import collections
import json
import math
import os
import sys
import zipfile

import torch

DTYPES = {
    'float32': torch.float32, 'float64': torch.float64, 'bfloat16': torch.bfloat16, 'float16': torch.float16,
    'int64': torch.int64, 'int32': torch.int32, 'uint8': torch.uint8, 'bool': torch.bool,
}
failures = []


def check(actual, want, path):
    if isinstance(want, list):
        if not isinstance(actual, list) or len(actual) != len(want):
            return failures.append(f'{path}: expected a list of {len(want)}, got {actual!r:.80}')
        for i, (a, w) in enumerate(zip(actual, want)):
            check(a, w, f'{path}[{i}]')
        return
    if not isinstance(want, dict):
        if type(actual) is not type(want) or actual != want:
            failures.append(f'{path}: {actual!r:.80} != {want!r:.80}')
        return
    (tag, body), = want.items()
    if tag == '$tensor':
        if not isinstance(actual, torch.Tensor):
            return failures.append(f'{path}: expected a tensor, got {type(actual)}')
        got = (actual.dtype, list(actual.shape))
        if got != (DTYPES[body['dtype']], body['shape']):
            return failures.append(f'{path}: {got} != {body["dtype"]} {body["shape"]}')
        if actual.numel() and list(actual.stride()) != body['strides']:
            failures.append(f'{path}: strides {actual.stride()} != {body["strides"]}')
        raw = actual.contiguous().reshape(-1).view(torch.uint8) if actual.numel() else torch.empty(0, dtype=torch.uint8)
        if bytes(raw.numpy().tobytes()).hex() != body['hex']:
            failures.append(f'{path}: bytes differ')
    elif tag in ('$ordered', '$dict'):
        kind = collections.OrderedDict if tag == '$ordered' else dict
        if type(actual) is not kind:
            return failures.append(f'{path}: expected {kind.__name__}, got {type(actual).__name__}')
        keys = [k if not isinstance(k, dict) else int(k['$bigint']) for k, _ in body]
        if list(actual.keys()) != keys:
            return failures.append(f'{path}: keys {list(actual.keys())[:10]} != {keys[:10]}')
        for k, w in body:
            check(actual[k], w, f'{path}.{k}')
    elif tag == '$bigint':
        if actual != int(body):
            failures.append(f'{path}: {actual} != {body}')
    elif tag == '$float':
        ok = math.isnan(actual) if body == 'NaN' else actual == float(body.replace('Infinity', 'inf'))
        if not ok:
            failures.append(f'{path}: {actual} != {body}')
    else:
        failures.append(f'{path}: unknown tag {tag}')


def main(folder):
    expected = json.load(open(os.path.join(folder, 'expected.json')))
    for name, want in expected.items():
        path = os.path.join(folder, name)
        zipfile.ZipFile(path).testzip()  # CRC-32 of every entry, checked by Python's zipfile as well
        try:
            value = torch.load(path, weights_only=True)
            mode = 'weights_only=True'
        except Exception as e:  # PyTorch 1.13's weights_only unpickler has no opcode for floats (BINFLOAT)
            if name != 'floats.pth':
                failures.append(f'{name}: weights_only=True failed: {e}')
                continue
            print(f'{name}: weights_only=True refused, as for torch.save\'s own floats: {str(e)[-40:]}')
            value = torch.load(path, weights_only=False)
            mode = 'weights_only=False'
        before = len(failures)
        check(value, want, name)
        print(f'{name}: loaded with {mode}: {"ok" if len(failures) == before else "MISMATCH"}')
    views = torch.load(os.path.join(folder, 'views.pth'), weights_only=True)
    shared = {views[k].storage().data_ptr() for k in ('base', 't', 'row', 'block', 'strided')}
    print(f'views.pth: base and its views share {len(shared)} storage(s) in PyTorch')
    if len(shared) != 1:
        failures.append('views.pth: views do not share their storage')
    sd = torch.load(os.path.join(folder, 'state_dict.pth'), weights_only=True)
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(), torch.nn.Linear(12, 2))
    print('state_dict.pth: load_state_dict(strict=True):', net.load_state_dict(sd))
    for line in failures:
        print('FAIL', line)
    print('all files match' if not failures else f'{len(failures)} mismatches')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
