# W2 PyTorch side with seed and thread arguments: the lesson's SimpleCNN with 1 input channel on the real
# Fashion-MNIST, batch 64, Adam lr 1e-3. The same work as the shared reference script w2_fashion_mnist.py
# (the seed and the thread count are arguments; each epoch's order is torch.rand(n) stably sorted instead of
# torch.randperm(n), a permutation antorcha draws identically, so both sides train on the same batches);
# prints one JSON line per epoch with the training seconds, the test accuracy and the resident memory.
#   /usr/bin/python3 bench/pytorch/w2.py ROOT SEED THREADS EPOCHS [LIMIT]
import gzip, json, os, sys, time, numpy as np, torch, torch.nn as nn
root, seed, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
limit = int(sys.argv[5]) if len(sys.argv) > 5 else None
torch.set_num_threads(threads); torch.manual_seed(seed); torch.set_flush_denormal(True)
def idx(name):
    b = gzip.open(f"{root}/{name}", "rb").read()
    nd = b[3]; dims = [int.from_bytes(b[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)
def images(n): return (torch.tensor(idx(n), dtype=torch.float32).unsqueeze(1) / 255 - 0.2860) / 0.3530
xtr, ytr = images("train-images-idx3-ubyte.gz"), torch.tensor(idx("train-labels-idx1-ubyte.gz"), dtype=torch.long)
xte, yte = images("t10k-images-idx3-ubyte.gz"), torch.tensor(idx("t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
if limit: xtr, ytr = xtr[:limit], ytr[:limit]
m = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(128, 10))
opt = torch.optim.Adam(m.parameters(), lr=1e-3); crit = nn.CrossEntropyLoss()
def rss_mb(): return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
for epoch in range(epochs):
    m.train(); perm = torch.sort(torch.rand(len(xtr)), stable=True).indices; t = time.perf_counter()
    for i in range(0, len(xtr), 64):
        b = perm[i:i + 64]; opt.zero_grad(); loss = crit(m(xtr[b]), ytr[b]); loss.backward(); opt.step()
    sec = time.perf_counter() - t; m.eval(); correct = 0
    with torch.no_grad():
        for i in range(0, len(xte), 1000): correct += (m(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
    print(json.dumps({"epoch": epoch + 1, "seconds": sec, "test_accuracy": correct / len(xte), "rss_mb": rss_mb()}), flush=True)
