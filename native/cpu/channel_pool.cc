// Batch norm → ReLU → max pooling over windows that tile the image (kernel = stride, no padding), as one
// pass each way: nn.Sequential's BatchNorm2d, ReLU, MaxPool2d(k) of a classifier's feature stack.
// - Forward: after the statistics, the activations are read once; only the pooled values and, for the
//   backward, each output's window position (one byte) are written. The full-size normalised tensor, its
//   ReLU and the pooling's int32 indices never reach memory.
// - Backward: batch norm's input gradient needs the gradient of its output at every position, which is the
//   pooled gradient where the window's maximum sat and zero elsewhere: rebuilt on the fly from the pooled
//   gradient and the positions (a quarter of the reads for 2x2 windows) instead of a full-size tensor that
//   the pooling's backward would write and the batch norm's read twice.
// Values and gradients are the three layers': each ReLU output is rounded to the activation dtype before the
// window compares it, the first maximum wins and a NaN takes over (PyTorch's rule).
// Layout: channels-last activations ([N, H, W, C] in memory), which is what the CNN ops leave.
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "antorcha/channel_norm.h"
#include "antorcha/kernels.h"
#include "antorcha/parallel.h"

namespace antorcha {
namespace {

// The geometry shared by both directions.
struct PoolShape {
  int64_t N, C, H, W, OH, OW, kh, kw;
};

// `v` as the activation dtype stores it (the unfused ReLU's output is a stored tensor).
template <typename T>
inline compute_t<T> rounded(compute_t<T> v) {
  T t;
  store(&t, v);
  return load(&t);
}

// x: the activations, channels-last [N, C, H, W]; pooled: a tensor of shape [N, C, H / kh, W / kw], also
// channels-last (the output, or the gradient of the output); argmax: uint8 with pooled's shape and layout.
PoolShape check_pool(const TensorArg& x, const TensorArg& pooled, const TensorArg* argmax, int64_t kh, int64_t kw,
                     const char* op) {
  if (x.ndim != 4 || !layout_of(x, op).rows) fail(std::string(op) + ": expected a channels-last [N, C, H, W] input");
  if (kh < 1 || kw < 1 || kh * kw > 256) fail(std::string(op) + ": the pooling window must hold 1 to 256 values");
  PoolShape s{x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[2] / kh, x.shape[3] / kw, kh, kw};
  if (s.OH < 1 || s.OW < 1) fail(std::string(op) + ": the pooling window is larger than the input");
  const int64_t want[4] = {s.N, s.C, s.OH, s.OW};
  bool ok = pooled.ndim == 4 && pooled.dtype == x.dtype;
  for (int d = 0; ok && d < 4; ++d) ok = pooled.shape[d] == want[d];
  if (!ok || !layout_of(pooled, op).rows) {
    fail(std::string(op) +
         ": the pooled tensor must be a channels-last [N, C, H / kh, W / kw] tensor of the input's dtype");
  }
  if (argmax) {
    ok = argmax->dtype == DType::uint8 && argmax->ndim == 4;
    for (int d = 0; ok && d < 4; ++d) ok = argmax->shape[d] == want[d] && (want[d] == 1 || argmax->strides[d] == pooled.strides[d]);
    if (!ok) fail(std::string(op) + ": the window positions must be uint8 with the pooled tensor's shape and layout");
  }
  return s;
}

// One output position's values and window positions (narrowed to bytes). Restrict-qualified: a byte store may
// alias anything, and would otherwise make the compiler reload every pointer after each one.
template <typename T>
inline void store_window(T* __restrict__ y, uint8_t* __restrict__ argmax, const compute_t<T>* __restrict__ best,
                         const int32_t* __restrict__ at, int64_t C) {
  for (int64_t c = 0; c < C; ++c) store(y + c, best[c]);
  if (argmax)
    for (int64_t c = 0; c < C; ++c) argmax[c] = static_cast<uint8_t>(at[c]);
}

template <typename T>
void affine_relu_pool(T* y, uint8_t* argmax, const T* x, const compute_t<T>* a, const compute_t<T>* b, const PoolShape& s) {
  using A = compute_t<T>;
  const int64_t C = s.C;
  parallel_for(s.N * s.OH, 1, [&](int64_t begin, int64_t end) {
    std::vector<A> best_v(C);
    std::vector<int32_t> at_v(C);  // 32-bit so the select vectorises with the floats; narrowed on store
    A* best = best_v.data();
    int32_t* at = at_v.data();
    for (int64_t job = begin; job < end; ++job) {
      const int64_t n = job / s.OH, oh = job % s.OH;
      for (int64_t ow = 0; ow < s.OW; ++ow) {
        for (int64_t dh = 0; dh < s.kh; ++dh) {
          for (int64_t dw = 0; dw < s.kw; ++dw) {
            const T* p = x + ((n * s.H + oh * s.kh + dh) * s.W + ow * s.kw + dw) * C;
            const int32_t pos = static_cast<int32_t>(dh * s.kw + dw);
            if (pos == 0) {
              _Pragma("GCC ivdep")
              for (int64_t c = 0; c < C; ++c) {
                best[c] = rounded<T>(std::max(affine(load(p + c), a[c], b[c]), A(0)));
                at[c] = 0;
              }
              continue;
            }
            _Pragma("GCC ivdep")
            for (int64_t c = 0; c < C; ++c) {
              const A v = rounded<T>(std::max(affine(load(p + c), a[c], b[c]), A(0)));
              const bool take = v > best[c] || v != v;
              best[c] = take ? v : best[c];
              at[c] = take ? pos : at[c];
            }
          }
        }
        const int64_t o = ((n * s.OH + oh) * s.OW + ow) * C;
        store_window(y + o, argmax ? argmax + o : nullptr, best, at, C);
      }
    }
  });
}

// Calls f(xrow, grow, mark, pos) for every image position (n, h, w) of image rows [begin, end) of N * H: xrow is
// the position's C activations; grow and mark its window's pooled gradient and positions (null where no window
// covers it), pos its own position in the window.
template <typename T, typename F>
void for_each_position(const PoolShape& s, const T* x, const T* g, const uint8_t* argmax, int64_t begin, int64_t end,
                       const F& f) {
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / s.H, h = row % s.H, oh = h / s.kh;
    const bool row_inside = oh < s.OH;
    for (int64_t w = 0; w < s.W; ++w) {
      const int64_t ow = w / s.kw;
      const T* xrow = x + (row * s.W + w) * s.C;
      if (!row_inside || ow >= s.OW) {
        f(xrow, static_cast<const T*>(nullptr), static_cast<const uint8_t*>(nullptr), uint8_t(0));
        continue;
      }
      const int64_t o = ((n * s.OH + oh) * s.OW + ow) * s.C;
      f(xrow, g + o, argmax + o, static_cast<uint8_t>((h % s.kh) * s.kw + w % s.kw));
    }
  }
}

// The per-channel data of one backward pass (vectors of C; sc, sh only with a fused ReLU).
template <typename A>
struct ChannelVectors {
  const A *mean, *sc, *sh, *w, *k, *mean_g;
};

// The batch norm's output gradient at one position and channel: the window's gradient where its maximum sat
// (and the ReLU let it through), else zero. The pooled value is loaded whatever the mark says: a load under
// the condition would keep the loops below from vectorising.
template <typename T, bool Relu>
[[gnu::always_inline]] inline compute_t<T> grad_at(const T* xrow, const T* grow, const uint8_t* mark, uint8_t pos,
                                                  const ChannelVectors<compute_t<T>>& v, int64_t c) {
  using A = compute_t<T>;
  const A pooled = load(grow + c);
  A gv = mark[c] == pos ? pooled : A(0);
  if constexpr (Relu) gv = affine(load(xrow + c), v.sc[c], v.sh[c]) > A(0) ? gv : A(0);
  return gv;
}

// Σ g and Σ g (x - mean) of one position covered by a window, added into sum_g and sum_gx.
// Inlined into the per-position loop: as calls, their overhead rivals a row of 32 channels.
template <typename T, bool Relu>
[[gnu::always_inline]] inline void add_sums(compute_t<T>* __restrict__ sum_g, compute_t<T>* __restrict__ sum_gx,
                                           const T* __restrict__ xrow, const T* __restrict__ grow,
                                           const uint8_t* __restrict__ mark, uint8_t pos,
                                           const ChannelVectors<compute_t<T>>& v, int64_t C) {
  _Pragma("GCC ivdep")
  for (int64_t c = 0; c < C; ++c) {
    const compute_t<T> gv = grad_at<T, Relu>(xrow, grow, mark, pos, v, c);
    sum_g[c] += gv;
    sum_gx[c] += gv * (load(xrow + c) - v.mean[c]);
  }
}

// The input's gradient at one position; grow and mark are null where no window covers it (zero gradient).
template <typename T, bool Relu, bool Training>
[[gnu::always_inline]] inline void input_grad(T* __restrict__ out, const T* __restrict__ xrow, const T* __restrict__ grow,
                                             const uint8_t* __restrict__ mark, uint8_t pos,
                                             const ChannelVectors<compute_t<T>>& v, int64_t C) {
  using A = compute_t<T>;
  if (!grow) {
    _Pragma("GCC ivdep")
    for (int64_t c = 0; c < C; ++c) {
      if constexpr (Training) store(out + c, (A(0) - v.mean_g[c] - (load(xrow + c) - v.mean[c]) * v.k[c]) * v.w[c]);
      else store(out + c, A(0) * v.w[c]);
    }
    return;
  }
  _Pragma("GCC ivdep")
  for (int64_t c = 0; c < C; ++c) {
    const A gv = grad_at<T, Relu>(xrow, grow, mark, pos, v, c);
    if constexpr (Training) store(out + c, (gv - v.mean_g[c] - (load(xrow + c) - v.mean[c]) * v.k[c]) * v.w[c]);
    else store(out + c, gv * v.w[c]);
  }
}

template <typename T, bool Relu>
void pool_backward(NormBackwardArgs& a, const PoolShape& s, int64_t count) {
  using A = compute_t<T>;
  const int64_t C = s.C;
  const T* x = a.x.ptr<const T>();
  const T* g = a.g.ptr<const T>();
  const uint8_t* argmax = a.argmax.ptr<const uint8_t>();
  NormBackwardCoefficients<A> co(a, C);
  ChannelVectors<A> v{a.mean.ptr<const A>(), Relu ? a.scale.ptr<const A>() : nullptr, Relu ? a.shift.ptr<const A>() : nullptr,
                      co.w.data(), co.k.data(), co.mean_g.data()};
  std::vector<double> sums(static_cast<size_t>(2 * C), 0.0);
  if (a.want_params || (a.want_input && a.training)) {
    // Per image row, float sums (vectorised) added into the thread's double sums.
    sums = thread_sums(s.N * s.H, 2 * C, [&](int64_t begin, int64_t end, double* mine) {
      std::vector<A> run(static_cast<size_t>(2 * C));
      for (int64_t row = begin; row < end; ++row) {
        std::fill(run.begin(), run.end(), A(0));
        for_each_position(s, x, g, argmax, row, row + 1, [&](const T* xrow, const T* grow, const uint8_t* mark, uint8_t pos) {
          if (grow) add_sums<T, Relu>(run.data(), run.data() + C, xrow, grow, mark, pos, v, C);  // else zero: adds nothing
        });
        for (int64_t j = 0; j < 2 * C; ++j) mine[j] += run[j];
      }
    });
  }
  co.finish(a, sums, count);
  if (!a.want_input) return;
  T* dx = a.grad_in.ptr<T>();
  const bool training = a.training;
  parallel_for(s.N * s.H, 1, [&](int64_t begin, int64_t end) {
    for_each_position(s, x, g, argmax, begin, end, [&](const T* xrow, const T* grow, const uint8_t* mark, uint8_t pos) {
      T* out = dx + (xrow - x);
      if (training) input_grad<T, Relu, true>(out, xrow, grow, mark, pos, v, C);
      else input_grad<T, Relu, false>(out, xrow, grow, mark, pos, v, C);
    });
  });
}

}  // namespace

// out, hasArgmax, [argmax], in, scale, shift, kh, kw:
// out = maxpool_{kh x kw, stride kh x kw}(relu(in * scale[c] + shift[c])), argmax each output's window
// position (dh * kw + dw). in, out and argmax channels-last; scale and shift float32 (float64 for float64).
void k_channel_affine_pool(ArgReader& r) {
  TensorArg out = r.tensor();
  const bool has_argmax = r.i32() != 0;
  TensorArg argmax;
  if (has_argmax) argmax = r.tensor();
  TensorArg in = r.tensor(), scale = r.tensor(), shift = r.tensor();
  const int64_t kh = r.i64(), kw = r.i64();
  const char* op = "batchNorm with max pooling";
  const PoolShape s = check_pool(in, out, has_argmax ? &argmax : nullptr, kh, kw, op);
  check_vector(scale, s.C, vector_dtype(in.dtype), op, "scale");
  check_vector(shift, s.C, vector_dtype(in.dtype), op, "shift");
  if (out.numel == 0) return;
  FlushDenormals ftz;
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    using T = scalar_t;
    using A = compute_t<T>;
    if constexpr (std::is_floating_point_v<A>) {
      affine_relu_pool<T>(out.ptr<T>(), has_argmax ? argmax.ptr<uint8_t>() : nullptr, in.ptr<const T>(),
                          scale.ptr<const A>(), shift.ptr<const A>(), s);
    }
  });
}

void norm_pool_backward(NormBackwardArgs& a, const ChannelLayout& l) {
  const char* op = "batchNorm backward with max pooling";
  const PoolShape s = check_pool(a.x, a.g, &a.argmax, a.kh, a.kw, op);
  ANTORCHA_DISPATCH_ALL(a.x.dtype, [&] {
    if constexpr (std::is_floating_point_v<compute_t<scalar_t>>) {
      if (a.relu) pool_backward<scalar_t, true>(a, s, l.count);
      else pool_backward<scalar_t, false>(a, s, l.count);
    }
  });
}

}  // namespace antorcha
