"""PyTorch side of bench/core.ts: a persistent worker that times the same cases as antorcha.

Protocol, one JSON object per line on stdin and stdout:
  startup reply        {"ready": true, "torch": "<version>", "threads": N}
  {"cmd": "run", "case": C, "warmup": W, "reps": R, "inner": I}
                    -> {"times": [seconds, ...]}   (R timings of one repetition, each running the op I times)
  {"cmd": "drop", "case": C}  -> {"ok": true}      (frees the case's inputs)
  any failure                 -> {"error": "<message>"}
Inputs are built on the first "run" of a case and reused until "drop", outside the timed region.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def matmul(dtype):
    def build(inner):
        a = torch.randn(1024, 1024).to(dtype)
        b = torch.randn(1024, 1024).to(dtype)
        return lambda: a @ b
    return build


def add_f32(inner):
    a, b = torch.randn(1 << 24), torch.randn(1 << 24)
    return lambda: a.add(b)


def sum_f32(inner):
    x = torch.randn(4096, 4096)
    return lambda: x.sum()


def softmax_f32(inner):
    x = torch.randn(4096, 1000)
    return lambda: x.softmax(1)


def mlp_train_step(inner):
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    params = list(model.parameters())
    with torch.no_grad():  # the same initialisation as the antorcha side: N(0, 1) * 0.05
        for p in params:
            p.copy_(torch.randn_like(p).mul(0.05))
    x = torch.randn(128, 784)
    target = torch.randint(0, 10, (128,))
    lr = 0.01

    def step():
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad.mul(lr))
        for p in params:
            p.grad = None
        return loss
    return step


def tiny_add(inner):
    a, b = torch.randn(16), torch.randn(16)

    def loop():
        for _ in range(inner):
            a.add(b)
    return loop


CASES = {
    'matmul_f32': matmul(torch.float32),
    'matmul_bf16': matmul(torch.bfloat16),
    'add_f32': add_f32,
    'sum_f32': sum_f32,
    'softmax_f32': softmax_f32,
    'mlp_train_step': mlp_train_step,
    'tiny_add': tiny_add,
}


def timed(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()  # the result is dropped (and freed) inside the timed region, as antorcha disposes its own
        times.append(time.perf_counter() - t0)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()

    reply({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()})
    built = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            name = req['case']
            if req['cmd'] == 'drop':
                built.pop(name, None)
                reply({'ok': True})
            elif req['cmd'] == 'run':
                if name not in built:
                    built[name] = CASES[name](req['inner'])
                reply({'times': timed(built[name], req['warmup'], req['reps'])})
            else:
                raise ValueError(f"unknown command {req['cmd']!r}")
        except Exception as e:  # report and keep serving
            reply({'error': f'{type(e).__name__}: {e}'})


if __name__ == '__main__':
    main()
