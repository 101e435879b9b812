# W3 PyTorch side with a thread-count argument (the shared reference script w3_sentiment_lstm.py otherwise unchanged): the lesson's SentimentLSTM, vocab 20000, embed 128, hidden 256, 2 layers, bidirectional,
# dropout 0.3, batch 64, length 200, BCE, Adam. Prints JSON sequences/s for training.
# Arguments: THREADS (default 2), STEPS timed after one warm-up step (default 3; one step here takes ~70 s),
# then `bf16` to run the forward pass and the loss under torch.autocast('cpu', bfloat16) (W6).
import contextlib, json, sys, time, torch, torch.nn as nn
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2); torch.manual_seed(0); torch.set_flush_denormal(True)  # PyTorch at its best here: its RNNs run ~10x slower on denormals
class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=128, hidden_dim=256):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers=2, bidirectional=True, dropout=0.3, batch_first=True)
        self.fc = nn.Linear(hidden_dim * 2, 1)
    def forward(self, x):
        _, (h, c) = self.lstm(self.embedding(x))
        return torch.sigmoid(self.fc(torch.cat([h[-2], h[-1]], dim=1)))
m = SentimentLSTM(20000); x = torch.randint(0, 20000, (64, 200)); y = torch.randint(0, 2, (64, 1)).float()
opt = torch.optim.Adam(m.parameters(), lr=1e-3); crit = nn.BCELoss()
region = (lambda: torch.autocast('cpu', dtype=torch.bfloat16)) if sys.argv[3:4] == ['bf16'] else contextlib.nullcontext
def step():
    opt.zero_grad()
    with region(): loss = crit(m(x), y)
    loss.backward(); opt.step()
m.train(); step()
n = int(sys.argv[2]) if len(sys.argv) > 2 else 3; t = time.perf_counter()
for _ in range(n): step()
print(json.dumps({"train": n * 64 / (time.perf_counter() - t)}))
