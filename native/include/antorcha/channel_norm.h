// Shared pieces of the batch-norm loops (channel_ops.cc) and their max-pooling fusion (channel_pool.cc):
// argument checks, the activations' layout, and the per-channel coefficients of the backward pass.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "parallel.h"
#include "tensor_arg.h"

namespace antorcha {

struct ChannelLayout {
  bool rows;       // channels-last: numel / C rows of C channels
  int64_t C;
  int64_t planes;  // N (planes layout)
  int64_t plane;   // elements per (n, c) plane (planes layout)
  int64_t count;   // elements per channel
};

// The layout of a floating [N, C, ...] tensor, or a failure naming `op` when it is neither contiguous nor
// densely channels-last.
ChannelLayout layout_of(const TensorArg& t, const char* op);

// `t` must have `like`'s dtype, shape and memory layout (so one flat index addresses both).
void check_like(const TensorArg& t, const TensorArg& like, const char* op, const char* what);

// Per-channel vectors are float64 for float64 activations, float32 otherwise.
inline DType vector_dtype(DType activations) { return activations == DType::float64 ? DType::float64 : DType::float32; }

void check_vector(const TensorArg& t, int64_t C, DType dtype, const char* op, const char* what);

// The normalised value before any ReLU: x * scale + shift as one fused multiply-add, so the forward pass and
// the backward's ReLU mask (recomputed from x) agree on every sign.
template <typename A>
inline A affine(A x, A scale, A shift) { return std::fma(x, scale, shift); }

// Sums over [0, n) split among the threads: fn(begin, end, mine) adds its chunk into `mine`, its thread's
// `width` doubles, and the threads' partials are added in thread order, so the result depends only on the
// thread count (a rerun gives the same bits).
template <typename F>
std::vector<double> thread_sums(int64_t n, int64_t width, const F& fn) {
  const int threads = std::max(1, num_threads());
  std::vector<double> partial(static_cast<size_t>(threads * width), 0.0);
  parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    fn(begin, end, partial.data() + static_cast<size_t>(omp_get_thread_num()) * width);
  });
  std::vector<double> total(static_cast<size_t>(width), 0.0);
  for (int t = 0; t < threads; ++t)
    for (int64_t j = 0; j < width; ++j) total[j] += partial[static_cast<size_t>(t * width + j)];
  return total;
}

// What channelNormBackward was asked for (flags and tensors as the tape gives them).
struct NormBackwardArgs {
  TensorArg grad_in, grad_weight, grad_bias, g, x, mean, var, weight, scale, shift;
  bool training, relu, has_weight, want_input, want_params;
  double eps;
  // Max pooling fused after the ReLU: g is the pooled gradient, `argmax` each output's window position.
  bool pooled = false;
  TensorArg argmax;
  int64_t kh = 1, kw = 1;
};

// PyTorch's batch_norm_backward per channel: with invstd = 1 / sqrt(var + eps), sum = Σ g and dot = Σ g (x - mean)
// over the channel's n values, training gives dx = (g - mean_g - (x - mean) k) w with mean_g = sum / n,
// k = dot invstd² / n and w = invstd weight; evaluation dx = g w. The parameters' gradients are dot invstd and sum.
template <typename A>
struct NormBackwardCoefficients {
  std::vector<A> invstd, w, mean_g, k;

  NormBackwardCoefficients(const NormBackwardArgs& a, int64_t C) : invstd(C), w(C), mean_g(C), k(C) {
    for (int64_t c = 0; c < C; ++c) {
      invstd[c] = A(1) / std::sqrt(a.var.ptr<const A>()[c] + static_cast<A>(a.eps));
      w[c] = invstd[c] * (a.has_weight ? a.weight.ptr<const A>()[c] : A(1));
    }
  }

  // From the sums ([Σ g per channel, then Σ g (x - mean) per channel], in double): the parameters' gradients
  // when wanted, and mean_g and k for the input's.
  void finish(NormBackwardArgs& a, const std::vector<double>& sums, int64_t count) {
    const int64_t C = static_cast<int64_t>(invstd.size());
    if (a.want_params) {
      for (int64_t c = 0; c < C; ++c) {
        a.grad_weight.ptr<A>()[c] = static_cast<A>(sums[C + c] * static_cast<double>(invstd[c]));
        a.grad_bias.ptr<A>()[c] = static_cast<A>(sums[c]);
      }
    }
    const A n = static_cast<A>(count);
    for (int64_t c = 0; c < C; ++c) {
      mean_g[c] = static_cast<A>(sums[c]) / n;
      k[c] = static_cast<A>(sums[C + c]) * invstd[c] * invstd[c] / n;
    }
  }
};

// The backward of batch norm → ReLU → max pooling (channel_pool.cc), for k_channel_norm_backward.
void norm_pool_backward(NormBackwardArgs& a, const ChannelLayout& l);

}  // namespace antorcha
