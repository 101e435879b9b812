#!/usr/bin/python3
"""Generates the fixtures of test/data and test/io from PyTorch / torchvision / PIL.

Run with Debian's Python (python3-torch, python3-torchvision, python3-pil):

    /usr/bin/python3 tools/gen_data_fixtures.py            # writes test/fixtures/data/
    /usr/bin/python3 tools/gen_data_fixtures.py --check F  # reads an antorcha-written safetensors file F

The safetensors reference file is written by the real `safetensors` package when it can be imported (add
its wheel to PYTHONPATH), else by the hand-written writer below, which follows the same format; --check
reads with both the package (when present) and the hand-written reader, and prints every tensor.

Everything is deterministic: re-running gives the same files.
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as TF

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'data')


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def gz(data):
    # mtime=0 keeps the bytes reproducible
    return gzip.compress(data, mtime=0)


# ---------------------------------------------------------------------------------------------- IDX (MNIST)

def idx_bytes(array):
    codes = {np.uint8: 0x08}
    header = struct.pack('>BBBB', 0, 0, codes[array.dtype.type], array.ndim)
    header += b''.join(struct.pack('>I', d) for d in array.shape)
    return header + array.tobytes()


def gen_mnist():
    rng = np.random.RandomState(0)
    d = os.path.join(OUT, 'mnist')
    train_x = rng.randint(0, 256, size=(6, 28, 28)).astype(np.uint8)
    train_y = np.array([3, 1, 4, 1, 5, 9], dtype=np.uint8)
    test_x = rng.randint(0, 256, size=(4, 28, 28)).astype(np.uint8)
    test_y = np.array([2, 7, 1, 8], dtype=np.uint8)
    # train split raw, test split gzipped: both forms are read
    write(os.path.join(d, 'train-images-idx3-ubyte'), idx_bytes(train_x))
    write(os.path.join(d, 'train-labels-idx1-ubyte'), idx_bytes(train_y))
    write(os.path.join(d, 't10k-images-idx3-ubyte.gz'), gz(idx_bytes(test_x)))
    write(os.path.join(d, 't10k-labels-idx1-ubyte.gz'), gz(idx_bytes(test_y)))

    # torchvision reads the same files (it wants them in <root>/MNIST/raw, uncompressed)
    import tempfile
    import torchvision.datasets as D
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, 'MNIST', 'raw')
        os.makedirs(raw)
        for name, data in [('train-images-idx3-ubyte', idx_bytes(train_x)), ('train-labels-idx1-ubyte', idx_bytes(train_y)),
                           ('t10k-images-idx3-ubyte', idx_bytes(test_x)), ('t10k-labels-idx1-ubyte', idx_bytes(test_y))]:
            write(os.path.join(raw, name), data)
        tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
        train = D.MNIST(tmp, train=True, transform=tf)
        test = D.MNIST(tmp, train=False, transform=tf)
        x2, y2 = train[2]
        x1t, y1t = test[1]
        expected = {
            'train_len': len(train), 'test_len': len(test),
            'train_targets': train.targets.tolist(), 'test_targets': test.targets.tolist(),
            'train_data_sum': int(train.data.long().sum()), 'test_data_sum': int(test.data.long().sum()),
            'train_2': {'label': int(y2), 'shape': list(x2.shape), 'values': x2.flatten().tolist()},
            'test_1': {'label': int(y1t), 'shape': list(x1t.shape), 'values': x1t.flatten().tolist()},
        }
    with open(os.path.join(d, 'expected.json'), 'w') as f:
        json.dump(expected, f)


# ---------------------------------------------------------------------------------------------- CIFAR-10 binary

def gen_cifar():
    rng = np.random.RandomState(1)
    d = os.path.join(OUT, 'cifar', 'cifar-10-batches-bin')
    expected = {}
    for name, n in [('data_batch_%d.bin' % i, 2) for i in range(1, 6)] + [('test_batch.bin', 3)]:
        labels = rng.randint(0, 10, size=n).astype(np.uint8)
        pixels = rng.randint(0, 256, size=(n, 3, 32, 32)).astype(np.uint8)
        records = b''.join(bytes([labels[i]]) + pixels[i].tobytes() for i in range(n))
        write(os.path.join(d, name), records)
        # what torchvision's CIFAR10.data holds: HWC
        hwc = pixels.transpose(0, 2, 3, 1)
        expected[name] = {'labels': labels.tolist(), 'hwc_first_row': hwc[:, 0, :, :].reshape(n, -1).tolist(),
                          'sum': int(pixels.astype(np.int64).sum())}
    with open(os.path.join(OUT, 'cifar', 'expected.json'), 'w') as f:
        json.dump(expected, f)


# ---------------------------------------------------------------------------------------------- image folder

def gen_images():
    from PIL import Image
    rng = np.random.RandomState(2)
    root = os.path.join(OUT, 'images')
    expected = {}

    def save(rel, img, **kw):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        img.save(path, **kw)
        back = np.asarray(Image.open(path).convert('RGB'))  # torchvision's pil_loader
        expected[rel] = {'shape': list(back.shape), 'values': back.flatten().tolist()}

    rgb = lambda h, w: Image.fromarray(rng.randint(0, 256, size=(h, w, 3)).astype(np.uint8), 'RGB')
    # smooth pictures for JPEG, so that decoders agree closely
    yy, xx = np.mgrid[0:16, 0:12]
    smooth = np.stack([yy * 15, xx * 20, (yy + xx) * 8], axis=-1).astype(np.uint8)
    save('train/cat/a_rgb.png', rgb(6, 8))
    save('train/cat/b_rgba.png', Image.fromarray(rng.randint(0, 256, size=(5, 7, 4)).astype(np.uint8), 'RGBA'))
    save('train/cat/c_gray.png', Image.fromarray(rng.randint(0, 256, size=(4, 3)).astype(np.uint8), 'L'))
    save('train/cat/sub/d_palette.png', rgb(5, 5).convert('P'))
    save('train/dog/a_smooth.jpg', Image.fromarray(smooth, 'RGB'), quality=95, subsampling=0)  # 4:4:4: no chroma upsampling, where decoders differ most
    save('train/dog/b_gray.jpeg', Image.fromarray(smooth[:, :, 0], 'L'), quality=95)
    save('train/dog/c_rgb.png', rgb(3, 4))
    with open(os.path.join(root, 'train', 'dog', 'notes.txt'), 'w') as f:
        f.write('not an image: ImageFolder skips it by extension\n')

    # broken files, in their own tree
    good = open(os.path.join(root, 'train', 'cat', 'a_rgb.png'), 'rb').read()
    write(os.path.join(root, 'broken', 'x', 'truncated.png'), good[:len(good) // 2])
    write(os.path.join(root, 'broken', 'y', 'garbage.jpg'), b'\xff\xd8\xff' + bytes(rng.randint(0, 256, size=200).astype(np.uint8)))
    write(os.path.join(root, 'broken', 'z', 'text.png'), b'hello, not a png\n')
    with open(os.path.join(root, 'expected.json'), 'w') as f:
        json.dump(expected, f)


# ---------------------------------------------------------------------------------------------- transforms

def gen_transforms():
    g = torch.Generator().manual_seed(3)
    out = {}
    x = torch.rand(2, 5, 7, generator=g)
    out['input'] = {'shape': list(x.shape), 'values': x.flatten().tolist()}
    cases = []
    for size in [[3, 4], [10, 9], [5, 7], [1, 1], [7, 3]]:
        for mode, interp in [('bilinear', T.InterpolationMode.BILINEAR), ('nearest', T.InterpolationMode.NEAREST),
                             ('bicubic', T.InterpolationMode.BICUBIC)]:
            y = T.Resize(size, interpolation=interp, antialias=False)(x)
            cases.append({'op': 'resize', 'size': size, 'mode': mode, 'shape': list(y.shape), 'values': y.flatten().tolist()})
    y = T.Resize(4, antialias=False)(x)  # smaller edge to 4
    cases.append({'op': 'resize', 'size': 4, 'mode': 'bilinear', 'shape': list(y.shape), 'values': y.flatten().tolist()})
    xu = (x * 255).round().to(torch.uint8)
    out['input_uint8'] = {'shape': list(xu.shape), 'values': xu.flatten().tolist()}
    y = T.Resize([8, 11], antialias=False)(xu)
    cases.append({'op': 'resize_uint8', 'size': [8, 11], 'mode': 'bilinear', 'shape': list(y.shape), 'values': y.flatten().tolist()})
    # Cubic weights overshoot: torchvision clamps to [0, 255] before rounding back to uint8.
    for size in [[8, 11], [3, 4]]:
        y = T.Resize(size, interpolation=T.InterpolationMode.BICUBIC, antialias=False)(xu)
        cases.append({'op': 'resize_uint8', 'size': size, 'mode': 'bicubic', 'shape': list(y.shape), 'values': y.flatten().tolist()})
    for size in [[3, 4], [4, 6], [5, 7], [8, 10], [2, 9]]:
        y = T.CenterCrop(size)(x)
        cases.append({'op': 'center_crop', 'size': size, 'shape': list(y.shape), 'values': y.flatten().tolist()})
    # Random transforms draw from torch's default generator; antorcha's randint/rand match it bit for bit.
    torch.manual_seed(7)
    crops = []
    for _ in range(4):
        y = T.RandomCrop(4, padding=2)(x)
        crops.append(y.flatten().tolist())
    cases.append({'op': 'random_crop', 'seed': 7, 'size': 4, 'padding': 2, 'shape': [2, 4, 4], 'outputs': crops})
    torch.manual_seed(11)
    flips = []
    for _ in range(12):
        y = T.RandomHorizontalFlip(0.5)(x)
        flips.append(bool(torch.equal(y, TF.hflip(x))))
    cases.append({'op': 'random_flip', 'seed': 11, 'p': 0.5, 'flipped': flips})
    img = torch.randint(0, 256, (4, 3, 3), generator=g, dtype=torch.uint8)  # HWC
    y = T.Normalize((0.5, 0.25, 0.125), (0.2, 0.3, 0.4))(T.ToTensor()(img.numpy()))
    out['hwc_uint8'] = {'shape': list(img.shape), 'values': img.flatten().tolist()}
    cases.append({'op': 'to_tensor_normalize', 'mean': [0.5, 0.25, 0.125], 'std': [0.2, 0.3, 0.4],
                  'shape': list(y.shape), 'values': y.flatten().tolist()})
    out['cases'] = cases
    with open(os.path.join(OUT, 'transforms.json'), 'w') as f:
        json.dump(out, f)


# ---------------------------------------------------------------------------------------------- safetensors

DTYPES = {torch.float32: 'F32', torch.float64: 'F64', torch.bfloat16: 'BF16', torch.float16: 'F16',
          torch.int64: 'I64', torch.int32: 'I32', torch.uint8: 'U8', torch.bool: 'BOOL'}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def handwritten_save(tensors, metadata, path):
    """The format by hand (the layout the reference writer uses: largest dtype first, then by name)."""
    size = {torch.float64: 8, torch.int64: 8, torch.float32: 4, torch.int32: 4, torch.bfloat16: 2, torch.float16: 2,
            torch.uint8: 1, torch.bool: 1}
    order = sorted(tensors.items(), key=lambda kv: (-size[kv[1].dtype], kv[0]))
    header, pos, body = {'__metadata__': metadata}, 0, b''
    for name, t in order:
        b = raw_bytes(t)
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [pos, pos + len(b)]}
        pos += len(b)
        body += b
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    write(path, struct.pack('<Q', len(text)) + text + body)


def handwritten_load(path):
    data = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', None)
    rev = {v: k for k, v in DTYPES.items()}
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        chunk = bytearray(data[8 + n + b:8 + n + e])
        dt = rev[info['dtype']]
        if dt in (torch.bfloat16, torch.float16):
            t = torch.frombuffer(chunk, dtype=torch.int16).view(dt) if len(chunk) else torch.empty(0, dtype=dt)
        else:
            t = torch.frombuffer(chunk, dtype=dt) if len(chunk) else torch.empty(0, dtype=dt)
        out[name] = t.reshape(info['shape'])
    return out, meta


def reference_tensors():
    g = torch.Generator().manual_seed(4)
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, float('inf'), float('-inf'), float('nan'), 1e-40, 65504.0, 3.0e38])
    return {
        'f32': torch.randn(3, 4, generator=g),
        'f64': torch.randn(2, 3, generator=g, dtype=torch.float64),
        'bf16': special.to(torch.bfloat16),
        'f16': torch.tensor([0.0, -0.0, 1.0, -2.5, float('inf'), float('nan'), 6e-8, 65504.0, 0.1, 1e5]).to(torch.float16),
        'i64': torch.tensor([0, -1, 2 ** 62, -(2 ** 62), 2 ** 53 + 1, 7], dtype=torch.int64),
        'i32': torch.tensor([[1, -2], [2 ** 31 - 1, -(2 ** 31)]], dtype=torch.int32),
        'u8': torch.arange(0, 256, 37, dtype=torch.uint8),
        'bool': torch.tensor([True, False, True]),
        'scalar': torch.tensor(3.5),
        'empty': torch.zeros(0, 3),
        'model.fc.weight': torch.randn(2, 2, generator=g),
    }


def gen_safetensors():
    d = os.path.join(OUT, 'safetensors')
    os.makedirs(d, exist_ok=True)
    tensors = reference_tensors()
    path = os.path.join(d, 'reference.safetensors')
    try:
        from safetensors.torch import save_file
        save_file(tensors, path, metadata={'format': 'pt', 'source': 'safetensors.torch'})
        writer = 'safetensors.torch.save_file'
    except ImportError:
        handwritten_save(tensors, {'format': 'pt', 'source': 'handwritten'}, path)
        writer = 'handwritten'
    expected = {name: {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'hex': raw_bytes(t).hex()} for name, t in tensors.items()}
    with open(os.path.join(d, 'reference.json'), 'w') as f:
        json.dump({'writer': writer, 'tensors': expected}, f, indent=1)
    print('safetensors reference written by', writer)


def check(path):
    """Reads an antorcha-written file with the reference package (if importable) and by hand; compares."""
    loaded, meta = handwritten_load(path)
    print('metadata:', meta)
    try:
        from safetensors.torch import load_file
        ref = load_file(path)
        print('safetensors.torch.load_file: OK,', len(ref), 'tensors')
        for name in ref:
            assert raw_bytes(ref[name]) == raw_bytes(loaded[name]), name
    except ImportError:
        print('safetensors package not importable; hand-written reader only')
    expected = reference_tensors()
    for name, t in loaded.items():
        same = name in expected and raw_bytes(expected[name]) == raw_bytes(t) and list(expected[name].shape) == list(t.shape)
        print(f'{name:>18} {str(t.dtype):>15} {list(t.shape)} {"== reference" if same else ""}')


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--check':
        check(sys.argv[2])
    else:
        gen_mnist()
        gen_cifar()
        gen_images()
        gen_transforms()
        gen_safetensors()
