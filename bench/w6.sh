#!/bin/sh
# W6 in one go (after the set-up, `sh tools/setup.sh`): W1 (in one process, then in fresh processes), W5 and
# W3 under bfloat16 autocast against antorcha's float32 and PyTorch; W3 again with LSTMs on oneDNN's fused
# primitive instead of the own loop (ANTORCHA_LSTM=onednn); which oneDNN kernel ran each primitive of a W1 run
# and for how long.
#
#   sh bench/w6.sh [rounds]        (ANTORCHA_BENCH_PYTHON names another PyTorch's Python)
#
# On a CPU whose bfloat16 runs on AMX the lines `isa:` and the `brgconv`/`brg` kernel names say so.
set -e
cd "$(dirname "$0")/.."
rounds="${1:-3}"
echo "== CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) | bf16 flags: $(grep -o -m1 'amx_bf16\|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "== W1"; node dist/bench/cnn.js --threads 2 --rounds "$rounds" --amp bf16
echo "== W1, each of antorcha's measurements in a fresh process"
node dist/bench/cnn.js --threads 2 --rounds "$rounds" --amp bf16 --fresh
echo "== W5"; node dist/bench/resnet50.js --threads 2 --rounds "$rounds" --steps 3 --amp bf16
echo "== W3"; node dist/bench/rnn.js --threads 2 --rounds 2 --cases w3 --torch-w3-steps 1 --amp bf16
echo "== W3 with oneDNN's bfloat16 LSTM"
ANTORCHA_LSTM=onednn node dist/bench/rnn.js --threads 2 --rounds 1 --cases w3 --torch-w3-steps 1 --amp bf16
echo "== oneDNN kernels of one W1 bfloat16 run (ms summed per primitive and implementation)"
log=$(mktemp)
ONEDNN_VERBOSE=1 node dist/bench/cnn.js --threads 2 --rounds 1 --amp bf16 >"$log" 2>/dev/null
grep -m1 '^onednn_verbose,info,cpu,isa' "$log"
awk -F, '/^onednn_verbose,exec,cpu/ { t[$4 "," $5 "," $6] += $NF } END { for (k in t) printf "%10.1f  %s\n", t[k], k }' "$log" |
  sort -rn | head -20
rm -f "$log"
