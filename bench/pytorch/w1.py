# W1 PyTorch side with a thread-count argument: the lesson's SimpleCNN, batch 64x3x32x32, CrossEntropy, Adam.
# Same work as ../../shared/bench/pytorch/w1_simple_cnn.py; prints one JSON line of images/s.
# A second argument `bf16` runs the forward passes and the loss under torch.autocast('cpu', bfloat16) (W6).
import contextlib, json, sys, time, torch, torch.nn as nn
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
amp = len(sys.argv) > 2 and sys.argv[2] == 'bf16'
region = (lambda: torch.autocast('cpu', dtype=torch.bfloat16)) if amp else contextlib.nullcontext
torch.set_num_threads(threads); torch.manual_seed(0); torch.set_flush_denormal(True)
m = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(128, 10))
x = torch.randn(64, 3, 32, 32); y = torch.randint(0, 10, (64,))
opt = torch.optim.Adam(m.parameters(), lr=1e-3); crit = nn.CrossEntropyLoss()
def step():
    opt.zero_grad()
    with region():
        loss = crit(m(x), y)
    loss.backward(); opt.step()
m.train()
for _ in range(3): step()
n = 20; t = time.perf_counter()
for _ in range(n): step()
train = n * 64 / (time.perf_counter() - t)
m.eval()
with torch.no_grad():
    with region():
        for _ in range(3): m(x)
        t = time.perf_counter()
        for _ in range(n): m(x)
    infer = n * 64 / (time.perf_counter() - t)
print(json.dumps({"train": train, "infer": infer}))
