// Batch normalisation in plain loops over [N, C, ...] activations of any floating dtype: per-channel
// statistics, the per-channel affine map (with the block's shortcut add and ReLU) and the backward pass.
// float32 training with gradients runs on oneDNN's primitive (batchnorm.cc); these loops serve
// - no-gradient passes (a frozen backbone in train mode, inference without folding): they beat oneDNN's
//   primitive there (2.6, AVX2: 18 ms for a training forward over 8x256x56x56 against ~7 ms for two passes),
//   and the affine pass also takes the shortcut add and ReLU, two more passes over memory otherwise;
// - bfloat16 and float16 activations (autocast), which stay 16-bit in memory: oneDNN 2.6 has no 16-bit batch
//   norm on most CPUs, and widening around a float32 one costs four extra passes each way;
// - float64 (reference computations and gradient checks), in double throughout.
// 16-bit values compute in float with float32 statistics and parameters, as PyTorch's mixed-type CPU kernel.
//
// Layouts: channels-last ("rows": every position holds C consecutive channels) or contiguous NCHW
// ("planes": each (n, c) holds a contiguous plane). Both index 0..numel-1 only, which the checks below keep
// inside the tensor's memory.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "antorcha/channel_norm.h"
#include "antorcha/kernels.h"
#include "antorcha/parallel.h"

namespace antorcha {

ChannelLayout layout_of(const TensorArg& t, const char* op) {
  if (!is_floating(t.dtype)) fail(std::string(op) + ": expected a floating-point tensor");
  if (t.ndim < 2) fail(std::string(op) + ": expected a tensor of shape [N, C, ...]");
  ChannelLayout l{};
  l.C = t.shape[1];
  l.planes = t.shape[0];
  l.plane = l.C == 0 || l.planes == 0 ? 0 : t.numel / (l.C * l.planes);
  l.count = l.C == 0 ? 0 : t.numel / l.C;
  if (t.is_contiguous()) {
    l.rows = t.ndim == 2 || l.plane == 1;
    return l;
  }
  // Channels-last: channel stride 1, and the view spans exactly numel elements (dense, no negative strides).
  int64_t span = 0;
  for (int d = 0; d < t.ndim; ++d) {
    if (t.strides[d] < 0) fail(std::string(op) + ": negative strides are not supported");
    span += (t.shape[d] - 1) * t.strides[d];
  }
  if (t.strides[1] != 1 || span != t.numel - 1) fail(std::string(op) + ": expected a contiguous or channels-last tensor");
  l.rows = true;
  return l;
}

void check_like(const TensorArg& t, const TensorArg& like, const char* op, const char* what) {
  layout_of(t, op);
  bool same = t.dtype == like.dtype && t.ndim == like.ndim;
  for (int d = 0; same && d < t.ndim; ++d)
    same = t.shape[d] == like.shape[d] && (t.shape[d] == 1 || t.strides[d] == like.strides[d]);
  if (!same) fail(std::string(op) + ": " + what + " must have the input's dtype, shape and layout");
}

void check_vector(const TensorArg& t, int64_t C, DType dtype, const char* op, const char* what) {
  if (t.dtype != dtype || t.ndim != 1 || t.shape[0] != C || !t.is_contiguous())
    fail(std::string(op) + ": " + what + " must be a contiguous " + dtype_name(dtype) + " vector of length C");
}

namespace {

// sum[k * C + c] += f(base + c, c)[k] for one row of C channels (K of 1 or 2). Each sum is its own
// restrict-qualified pointer: with one array for both, GCC guarded the vectorised loop with an aliasing check
// that sent every call down its scalar copy (the backward's sums ran at a third of the speed).
template <int K, typename A, typename F>
[[gnu::always_inline]] inline void add_row(A* sums, int64_t base, int64_t C, const F& f) {
  static_assert(K == 1 || K == 2, "one or two sums per channel");
  A* __restrict__ s0 = sums;
  A* __restrict__ s1 = sums + (K - 1) * C;
  _Pragma("GCC ivdep")
  for (int64_t c = 0; c < C; ++c) {
    const std::array<A, K> v = f(base + c, c);
    s0[c] += v[0];
    if constexpr (K == 2) s1[c] += v[K - 1];
  }
}

// Sums K per-channel quantities f(i, c) -> std::array<A, K> over every element i of channel c into
// acc[k * C + c] (zeroed by the caller). Runs of up to 64 rows are summed in A (vectorised), then added in
// double: batch statistics over millions of elements would lose digits in one float32 sum.
template <int K, typename A, typename F>
void channel_sums(const ChannelLayout& l, double* acc, const F& f) {
  const int64_t C = l.C;
  constexpr int64_t kRun = 64;
  if (l.rows) {
    const int64_t rows = l.count;
    auto sum_runs = [&](int64_t begin, int64_t end, double* mine) {
      std::vector<A> run(static_cast<size_t>(K * C));
      for (int64_t b = begin; b < end; ++b) {
        std::fill(run.begin(), run.end(), A(0));
        const int64_t last = std::min(rows, (b + 1) * kRun);
        for (int64_t r = b * kRun; r < last; ++r) add_row<K>(run.data(), r * C, C, f);
        for (int64_t j = 0; j < K * C; ++j) mine[j] += run[j];
      }
    };
    const std::vector<double> total = thread_sums((rows + kRun - 1) / kRun, K * C, sum_runs);
    for (int64_t j = 0; j < K * C; ++j) acc[j] += total[j];
    return;
  }
  parallel_for(C, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      std::array<double, K> s{};
      for (int64_t n = 0; n < l.planes; ++n) {
        const int64_t base = (n * C + c) * l.plane;
        for (int64_t i0 = 0; i0 < l.plane; i0 += kRun * 8) {
          A part[K][8] = {};
          const int64_t i1 = std::min(l.plane, i0 + kRun * 8);
          int64_t i = i0;
          for (; i + 8 <= i1; i += 8)
            for (int j = 0; j < 8; ++j) {
              const std::array<A, K> v = f(base + i + j, c);
              for (int k = 0; k < K; ++k) part[k][j] += v[k];
            }
          for (; i < i1; ++i) {
            const std::array<A, K> v = f(base + i, c);
            for (int k = 0; k < K; ++k) part[k][0] += v[k];
          }
          for (int k = 0; k < K; ++k)
            for (A p : part[k]) s[k] += p;
        }
      }
      for (int k = 0; k < K; ++k) acc[k * C + c] = s[k];
    }
  });
}

// Calls f(i, c) for every element i (of channel c), in parallel.
template <typename F>
void channel_map(const ChannelLayout& l, const F& f) {
  const int64_t C = l.C;
  if (l.rows) {
    parallel_for(l.count, 16, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row)
        _Pragma("GCC ivdep")
        for (int64_t c = 0; c < C; ++c) f(row * C + c, c);
    });
  } else {
    parallel_for(l.planes * C, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t c = p % C, base = p * l.plane;
        for (int64_t j = 0; j < l.plane; ++j) f(base + j, c);
      }
    });
  }
}

// Running per-channel count, mean and sum of squared deviations (double), merged with Chan et al.'s formula.
struct Moments {
  double n = 0;
  std::vector<double> mean, m2;
  explicit Moments(int64_t C) : mean(static_cast<size_t>(C), 0.0), m2(static_cast<size_t>(C), 0.0) {}
  template <typename A>
  void merge(double count, const A* other_mean, const A* other_m2) {
    const double total = n + count;
    for (size_t c = 0; c < mean.size(); ++c) {
      const double delta = static_cast<double>(other_mean[c]) - mean[c];
      mean[c] += delta * count / total;
      m2[c] += static_cast<double>(other_m2[c]) + delta * delta * n * count / total;
    }
    n = total;
  }
};

// Channels-last statistics in one pass over memory: each run of up to 64 rows (in L1/L2) gets its own mean
// and squared deviations from it, in float (vectorised), and the runs are merged in double; the threads'
// results are merged in thread order.
template <typename T>
void channel_stats_rows(TensorArg& mean, TensorArg& var, const TensorArg& in, const ChannelLayout& l) {
  using A = compute_t<T>;
  const int64_t C = l.C, rows = l.count;
  constexpr int64_t kRun = 64;
  const T* x = in.ptr<const T>();
  const int threads = std::max(1, num_threads());
  std::vector<Moments> partial(static_cast<size_t>(threads), Moments(C));
  parallel_for((rows + kRun - 1) / kRun, 1, [&](int64_t begin, int64_t end) {
    Moments& mine = partial[static_cast<size_t>(omp_get_thread_num())];
    std::vector<A> run_mean(static_cast<size_t>(C)), run_m2(static_cast<size_t>(C)), part(static_cast<size_t>(4 * C));
    A* __restrict__ mu = run_mean.data();
    A* __restrict__ m2 = run_m2.data();
    A* __restrict__ p0 = part.data();
    A* __restrict__ p1 = p0 + C;
    A* __restrict__ p2 = p1 + C;
    A* __restrict__ p3 = p2 + C;
    for (int64_t b = begin; b < end; ++b) {
      const int64_t first = b * kRun, last = std::min(rows, first + kRun);
      // Four rows at a time into four partial sums per channel: a single sum per channel waits an add's
      // latency (and a store's forwarding) per row, which at 32-64 channels is most of the pass.
      const int64_t quads = first + (last - first) / 4 * 4;
      std::fill(part.begin(), part.end(), A(0));
      for (int64_t r = first; r < quads; r += 4) {
        const T* x0 = x + r * C;
        _Pragma("GCC ivdep")
        for (int64_t c = 0; c < C; ++c) {
          p0[c] += load(x0 + c);
          p1[c] += load(x0 + C + c);
          p2[c] += load(x0 + 2 * C + c);
          p3[c] += load(x0 + 3 * C + c);
        }
      }
      for (int64_t r = quads; r < last; ++r)
        _Pragma("GCC ivdep")
        for (int64_t c = 0; c < C; ++c) p0[c] += load(x + r * C + c);
      const A inv = A(1) / static_cast<A>(last - first);
      for (int64_t c = 0; c < C; ++c) mu[c] = ((p0[c] + p1[c]) + (p2[c] + p3[c])) * inv;
      std::fill(part.begin(), part.end(), A(0));
      for (int64_t r = first; r < quads; r += 4) {
        const T* x0 = x + r * C;
        _Pragma("GCC ivdep")
        for (int64_t c = 0; c < C; ++c) {
          const A d0 = load(x0 + c) - mu[c], d1 = load(x0 + C + c) - mu[c];
          const A d2 = load(x0 + 2 * C + c) - mu[c], d3 = load(x0 + 3 * C + c) - mu[c];
          p0[c] += d0 * d0;
          p1[c] += d1 * d1;
          p2[c] += d2 * d2;
          p3[c] += d3 * d3;
        }
      }
      for (int64_t r = quads; r < last; ++r)
        _Pragma("GCC ivdep")
        for (int64_t c = 0; c < C; ++c) {
          const A d = load(x + r * C + c) - mu[c];
          p0[c] += d * d;
        }
      for (int64_t c = 0; c < C; ++c) m2[c] = (p0[c] + p1[c]) + (p2[c] + p3[c]);
      mine.merge(static_cast<double>(last - first), mu, m2);
    }
  });
  Moments all(C);
  for (const Moments& p : partial)
    if (p.n > 0) all.merge(p.n, p.mean.data(), p.m2.data());
  for (int64_t c = 0; c < C; ++c) {
    mean.ptr<A>()[c] = static_cast<A>(all.mean[c]);
    var.ptr<A>()[c] = static_cast<A>(all.m2[c] / static_cast<double>(rows));
  }
}

// Two passes (the mean first, then the squared deviations from it, as PyTorch's CPU batch norm computes them);
// channels-last tensors take channel_stats_rows.
template <typename T>
void channel_stats(TensorArg& mean, TensorArg& var, const TensorArg& in, const ChannelLayout& l) {
  if (l.rows) return channel_stats_rows<T>(mean, var, in, l);
  using A = compute_t<T>;
  const T* x = in.ptr<const T>();
  std::vector<double> sum(static_cast<size_t>(l.C), 0.0), dev(static_cast<size_t>(l.C), 0.0);
  channel_sums<1, A>(l, sum.data(), [x](int64_t i, int64_t) { return std::array<A, 1>{load(x + i)}; });
  std::vector<A> mu_v(static_cast<size_t>(l.C));
  for (int64_t c = 0; c < l.C; ++c) {
    sum[c] /= static_cast<double>(l.count);
    mu_v[c] = static_cast<A>(sum[c]);
  }
  const A* mu = mu_v.data();
  channel_sums<1, A>(l, dev.data(), [x, mu](int64_t i, int64_t c) {
    const A d = load(x + i) - mu[c];
    return std::array<A, 1>{d * d};
  });
  for (int64_t c = 0; c < l.C; ++c) {
    mean.ptr<A>()[c] = static_cast<A>(sum[c]);
    var.ptr<A>()[c] = static_cast<A>(dev[c] / static_cast<double>(l.count));
  }
}

template <typename T, bool Relu, bool Residual>
void channel_affine(T* y, const T* x, const T* z, const compute_t<T>* a, const compute_t<T>* b, const ChannelLayout& l) {
  using A = compute_t<T>;
  channel_map(l, [=](int64_t i, int64_t c) {
    A v = affine(load(x + i), a[c], b[c]);
    if constexpr (Residual) v += load(z + i);
    if constexpr (Relu) v = std::max(v, A(0));
    store(y + i, v);
  });
}

// Batch norm's backward (the formulas at NormBackwardCoefficients). A fused ReLU zeroes g where the forward's
// pre-ReLU value was not positive (recomputed from x with the forward's scale and shift).
template <typename T, bool Relu>
void norm_backward(NormBackwardArgs& a, const ChannelLayout& l) {
  using A = compute_t<T>;
  const int64_t C = l.C;
  const T* x = a.x.ptr<const T>();
  const T* g = a.g.ptr<const T>();
  const A* mean = a.mean.ptr<const A>();
  const A* sc = Relu ? a.scale.ptr<const A>() : nullptr;
  const A* sh = Relu ? a.shift.ptr<const A>() : nullptr;
  auto grad_out = [=](int64_t i, int64_t c) -> A {
    const A gv = load(g + i);
    if constexpr (Relu) return affine(load(x + i), sc[c], sh[c]) > A(0) ? gv : A(0);
    return gv;
  };
  NormBackwardCoefficients<A> co(a, C);
  std::vector<double> sums(static_cast<size_t>(2 * C), 0.0);
  if (a.want_params || (a.want_input && a.training)) {
    channel_sums<2, A>(l, sums.data(), [=](int64_t i, int64_t c) {
      const A gv = grad_out(i, c);
      return std::array<A, 2>{gv, gv * (load(x + i) - mean[c])};
    });
  }
  co.finish(a, sums, l.count);
  if (!a.want_input) return;
  T* dx = a.grad_in.ptr<T>();
  const A* w = co.w.data();
  if (!a.training) {
    channel_map(l, [=](int64_t i, int64_t c) { store(dx + i, grad_out(i, c) * w[c]); });
    return;
  }
  const A* kp = co.k.data();
  const A* mgp = co.mean_g.data();
  channel_map(l, [=](int64_t i, int64_t c) {
    store(dx + i, (grad_out(i, c) - mgp[c] - (load(x + i) - mean[c]) * kp[c]) * w[c]);
  });
}

}  // namespace

// mean, var, in: the per-channel mean and biased variance of `in`.
void k_channel_stats(ArgReader& r) {
  TensorArg mean = r.tensor(), var = r.tensor(), in = r.tensor();
  const char* op = "batchNorm statistics";
  ChannelLayout l = layout_of(in, op);
  check_vector(mean, l.C, vector_dtype(in.dtype), op, "mean");
  check_vector(var, l.C, vector_dtype(in.dtype), op, "variance");
  if (l.count == 0) fail("batchNorm statistics: no values per channel");
  FlushDenormals ftz;
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    if constexpr (std::is_floating_point_v<compute_t<scalar_t>>) channel_stats<scalar_t>(mean, var, in, l);
  });
}

// out, in, scale, shift, flags (1: relu, 2: residual) [, residual]:
// out = relu?(in * scale[c] + shift[c] + residual?). out, in and residual share one dtype and layout.
void k_channel_affine(ArgReader& r) {
  TensorArg out = r.tensor(), in = r.tensor(), scale = r.tensor(), shift = r.tensor();
  const int32_t flags = r.i32();
  const bool relu = (flags & 1) != 0, has_residual = (flags & 2) != 0;
  TensorArg res;
  if (has_residual) res = r.tensor();
  const char* op = "batchNorm";
  ChannelLayout l = layout_of(in, op);
  check_like(out, in, op, "the output");
  if (has_residual) check_like(res, in, op, "the residual");
  check_vector(scale, l.C, vector_dtype(in.dtype), op, "scale");
  check_vector(shift, l.C, vector_dtype(in.dtype), op, "shift");
  if (in.numel == 0) return;
  FlushDenormals ftz;
  // layout_of admits floating dtypes only; the other branches compile to nothing.
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    using T = scalar_t;
    using A = compute_t<T>;
    if constexpr (std::is_floating_point_v<A>) {
      const T* x = in.ptr<const T>();
      const T* z = has_residual ? res.ptr<const T>() : nullptr;
      T* y = out.ptr<T>();
      const A* a = scale.ptr<const A>();
      const A* b = shift.ptr<const A>();
      // One loop per combination, so the compiler vectorises each without branches.
      if (relu && has_residual) channel_affine<T, true, true>(y, x, z, a, b, l);
      else if (has_residual) channel_affine<T, false, true>(y, x, z, a, b, l);
      else if (relu) channel_affine<T, true, false>(y, x, z, a, b, l);
      else channel_affine<T, false, false>(y, x, z, a, b, l);
    }
  });
}

// flags (1 training, 2 relu, 4 weight given, 8 want grad input, 16 want grad weight and bias, 32 max pooling
// followed), [grad_in], [grad_weight, grad_bias], g, x, mean, var, [weight], [scale, shift (relu)], eps,
// [argmax, kh, kw (pooling)]. x and grad_in share one dtype and layout, and so does g unless pooling followed
// (then g is the pooled gradient); the vectors are float32 (float64 for float64 activations).
void k_channel_norm_backward(ArgReader& r) {
  NormBackwardArgs a;
  const int32_t flags = r.i32();
  a.training = (flags & 1) != 0;
  a.relu = (flags & 2) != 0;
  a.has_weight = (flags & 4) != 0;
  a.want_input = (flags & 8) != 0;
  a.want_params = (flags & 16) != 0;
  a.pooled = (flags & 32) != 0;
  if (a.want_input) a.grad_in = r.tensor();
  if (a.want_params) {
    a.grad_weight = r.tensor();
    a.grad_bias = r.tensor();
  }
  a.g = r.tensor();
  a.x = r.tensor();
  a.mean = r.tensor();
  a.var = r.tensor();
  if (a.has_weight) a.weight = r.tensor();
  if (a.relu) {
    a.scale = r.tensor();
    a.shift = r.tensor();
  }
  a.eps = r.f64();
  if (a.pooled) {
    a.argmax = r.tensor();
    a.kh = r.i64();
    a.kw = r.i64();
  }
  const char* op = "batchNorm backward";
  ChannelLayout l = layout_of(a.x, op);
  if (!a.pooled) check_like(a.g, a.x, op, "the gradient");
  if (a.want_input) check_like(a.grad_in, a.x, op, "the input's gradient");
  const DType vd = vector_dtype(a.x.dtype);
  check_vector(a.mean, l.C, vd, op, "mean");
  check_vector(a.var, l.C, vd, op, "variance");
  if (a.has_weight) check_vector(a.weight, l.C, vd, op, "weight");
  if (a.relu) {
    check_vector(a.scale, l.C, vd, op, "scale");
    check_vector(a.shift, l.C, vd, op, "shift");
  }
  if (a.want_params) {
    check_vector(a.grad_weight, l.C, vd, op, "weight's gradient");
    check_vector(a.grad_bias, l.C, vd, op, "bias's gradient");
  }
  if (l.count == 0) return;
  FlushDenormals ftz;
  if (a.pooled) return norm_pool_backward(a, l);
  ANTORCHA_DISPATCH_ALL(a.x.dtype, [&] {
    if constexpr (std::is_floating_point_v<compute_t<scalar_t>>) {
      if (a.relu) norm_backward<scalar_t, true>(a, l);
      else norm_backward<scalar_t, false>(a, l);
    }
  });
}

}  // namespace antorcha
