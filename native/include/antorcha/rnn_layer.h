// One recurrent layer's configuration and parameters as the kernels read them from the tape, shared by the
// oneDNN path (cpu/rnn.cc) and the library's own LSTM loop (cpu/lstm_loop.cc).
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include "tensor_arg.h"

namespace antorcha {

enum class RnnMode : int { rnn_tanh = 0, rnn_relu = 1, lstm = 2, gru = 3 };

// The shape of one layer's work, read from the tape: mode, directions, T, N, input size, hidden size, training.
struct RnnConfig {
  RnnMode mode = RnnMode::lstm;
  int64_t D = 1, T = 1, N = 1, I = 1, H = 1;
  bool training = false;
  bool reverse = false;  // one direction, right to left (packed sequences run each direction on its own)
  bool bf16 = false;     // bfloat16 sequences and hidden states

  void read(ArgReader& r) {
    int m = r.i32();
    if (m < 0 || m > 3) fail("rnn: unknown mode");
    mode = static_cast<RnnMode>(m);
    D = r.i64(); T = r.i64(); N = r.i64(); I = r.i64(); H = r.i64();
    training = r.i32() != 0;
    reverse = r.i32() != 0;
    bf16 = r.i32() != 0;
    if (D != 1 && D != 2) fail("rnn: directions must be 1 or 2");
    if (reverse && D != 1) fail("rnn: only a single direction can run right to left");
    if (T < 1 || N < 1 || I < 1 || H < 1) fail("rnn: sequence length, batch, input and hidden sizes must be positive");
  }
  int gates() const { return mode == RnnMode::lstm ? 4 : mode == RnnMode::gru ? 3 : 1; }
  int bias_gates() const { return mode == RnnMode::gru ? 4 : gates(); }
  bool lstm() const { return mode == RnnMode::lstm; }
  // The dtype of sequences and hidden states.
  DType data() const { return bf16 ? DType::bfloat16 : DType::float32; }
  // Whether direction d runs from the last step to the first.
  bool backwards(int64_t d) const { return d == 1 || reverse; }
};

// Fails unless t is a contiguous tensor of `dtype` with exactly `shape`.
inline void check_rnn_arg(const TensorArg& t, std::initializer_list<int64_t> shape, const char* what,
                          DType dtype = DType::float32) {
  bool ok = t.dtype == dtype && t.ndim == static_cast<int>(shape.size()) && t.is_contiguous();
  int d = 0;
  for (int64_t s : shape) ok = ok && t.shape[d++] == s;
  if (!ok) fail(std::string("rnn: ") + what + " has the wrong shape or is not a contiguous " + dtype_name(dtype) + " tensor");
}

// The parameters of one layer, as PyTorch holds them (per direction d: w_ih [G*H, I], w_hh [G*H, H], and
// optionally b_ih, b_hh [G*H]).
struct RnnParams {
  std::vector<TensorArg> w_ih, w_hh, b_ih, b_hh;
  bool bias = false;
  void read(ArgReader& r, const RnnConfig& c, bool with_bias) {
    bias = with_bias;
    const int64_t GH = c.gates() * c.H;
    for (int64_t d = 0; d < c.D; ++d) {
      w_ih.push_back(r.tensor());
      check_rnn_arg(w_ih.back(), {GH, c.I}, "weight_ih");
      w_hh.push_back(r.tensor());
      check_rnn_arg(w_hh.back(), {GH, c.H}, "weight_hh");
      if (with_bias) {
        b_ih.push_back(r.tensor());
        check_rnn_arg(b_ih.back(), {GH}, "bias_ih");
        b_hh.push_back(r.tensor());
        check_rnn_arg(b_hh.back(), {GH}, "bias_hh");
      }
    }
  }
};

// A layer's sequences and states: x [T, N, I], y [T, N, D*H], h0 / hn [D, N, H] in the data dtype; c0 / cn
// [D, N, H] float32 (LSTM only).
struct RnnIo {
  TensorArg x, y, h0, hn, c0, cn;
};

// Gradients of a layer: dx [T, N, I], dh0 / dc0 [D, N, H] and, per direction, the parameters' (all float32).
struct RnnGrads {
  TensorArg dx, dh0, dc0;
  std::vector<TensorArg> w_ih, w_hh, b_ih, b_hh;
};

// Buffers that live across calls, one per slot of an `Owner`'s own numbering (kernels run one at a time):
// fresh megabyte vectors per call would cost page faults at every layer, and a packed sequence runs a layer
// as many short calls.
template <typename Owner>
std::vector<char>& kept_bytes(int slot) {
  static std::vector<std::vector<char>> slots;
  if (slots.size() <= static_cast<size_t>(slot)) slots.resize(static_cast<size_t>(slot) + 1);
  return slots[static_cast<size_t>(slot)];
}
template <typename Owner, typename T>
T* kept_buffer(int slot, size_t count) {
  std::vector<char>& b = kept_bytes<Owner>(slot);
  if (b.size() < count * sizeof(T)) b.resize(count * sizeof(T));
  return reinterpret_cast<T*>(b.data());
}

// The library's own LSTM (cpu/lstm_loop.cc): input projections and weight gradients as large matrix products
// over many steps, one small product and one fused cell pass per step. Used for bfloat16 LSTMs, where oneDNN
// 2.6's fused primitive computes weight gradients step by step with the batch as the inner dimension.
bool lstm_runs_loop(const RnnConfig& c);
size_t lstm_loop_workspace_bytes(const RnnConfig& c);
void lstm_loop_forward(const RnnConfig& c, const RnnParams& p, const RnnIo& io, const TensorArg* workspace);
void lstm_loop_backward(const RnnConfig& c, const RnnParams& p, const RnnIo& io, const TensorArg& workspace,
                        const TensorArg& dy, const TensorArg& dhn, const TensorArg& dcn, const RnnGrads& g);

}  // namespace antorcha
