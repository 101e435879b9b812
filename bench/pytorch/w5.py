# W5 PyTorch side with thread-count and step arguments (the shared reference script w5_resnet50.py otherwise
# unchanged): torchvision ResNet-50 (random init), batch 8, 224x224. Eval images/s, and the lesson's
# transfer-learning step: all parameters frozen, fc replaced by Linear(2048, 5), Adam on fc only.
# Arguments: THREADS (default 2), STEPS timed after one warm-up (default 3), then `bf16` to run the forward
# passes and the loss under torch.autocast('cpu', bfloat16) (W6).
import contextlib, json, sys, time, torch, torch.nn as nn, torchvision
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2); torch.manual_seed(0); torch.set_flush_denormal(True)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 3
region = (lambda: torch.autocast('cpu', dtype=torch.bfloat16)) if sys.argv[3:4] == ['bf16'] else contextlib.nullcontext
m = torchvision.models.resnet50(); x = torch.randn(8, 3, 224, 224)
m.eval()
with torch.no_grad(), region():
    m(x); t = time.perf_counter()
    for _ in range(n): m(x)
    infer = n * 8 / (time.perf_counter() - t)
for p in m.parameters(): p.requires_grad = False
m.fc = nn.Linear(m.fc.in_features, 5)
opt = torch.optim.Adam(m.fc.parameters(), lr=0.001); crit = nn.CrossEntropyLoss(); y = torch.randint(0, 5, (8,))
m.train()
def step():
    opt.zero_grad()
    with region(): loss = crit(m(x), y)
    loss.backward(); opt.step()
step(); t = time.perf_counter()
for _ in range(n): step()
print(json.dumps({"infer": infer, "transfer_step": n * 8 / (time.perf_counter() - t)}))
