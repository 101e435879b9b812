# W4 PyTorch side with a thread-count argument (the shared reference script w4_simple_rnn.py otherwise unchanged): the lesson's SimpleRNN, vocab 20000, embed 128, hidden 256, 2 classes, batch 64,
# length 200, CrossEntropy, Adam. Prints JSON sequences/s for training.
# Arguments: THREADS (default 2), STEPS timed after one warm-up step (default 5), then `bf16` for autocast (W6).
import contextlib, json, sys, time, torch, torch.nn as nn
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2); torch.manual_seed(0); torch.set_flush_denormal(True)  # PyTorch at its best here: its RNNs run ~10x slower on denormals
class SimpleRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)
    def forward(self, x):
        output, hidden = self.rnn(self.embedding(x))
        return self.fc(hidden.squeeze(0))
m = SimpleRNN(20000, 128, 256, 2); x = torch.randint(0, 20000, (64, 200)); y = torch.randint(0, 2, (64,))
opt = torch.optim.Adam(m.parameters(), lr=1e-3); crit = nn.CrossEntropyLoss()
region = (lambda: torch.autocast('cpu', dtype=torch.bfloat16)) if sys.argv[3:4] == ['bf16'] else contextlib.nullcontext
def step():
    opt.zero_grad()
    with region(): loss = crit(m(x), y)
    loss.backward(); opt.step()
step(); n = int(sys.argv[2]) if len(sys.argv) > 2 else 5; t = time.perf_counter()
for _ in range(n): step()
print(json.dumps({"train": n * 64 / (time.perf_counter() - t)}))
