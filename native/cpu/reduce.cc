// Reductions. TypeScript permutes the reduced dimensions to the end, so the input is [kept..., reduced...]
// and the output is the contiguous [kept...]. Float sums use blocked accumulation (float lanes inside a
// block, double across blocks): vectorised, and more accurate than one running float.
#include <cmath>
#include <limits>
#include <vector>

#include "antorcha/kernels.h"
#include "antorcha/parallel.h"

namespace antorcha {
namespace {

// Coalesced strided index space of at most kMaxDims dims.
struct Space {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];  // elements
  int64_t numel = 1;
  void add(int64_t size, int64_t stride) {
    if (size == 1) return;
    numel *= size;
    if (ndim > 0 && strides[ndim - 1] == stride * size) {
      shape[ndim - 1] *= size;
      strides[ndim - 1] = stride;
      return;
    }
    shape[ndim] = size;
    strides[ndim] = stride;
    ndim++;
  }
  // Offset (in elements) of linear index i.
  int64_t offset(int64_t i) const {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      off += (i % shape[d]) * strides[d];
      i /= shape[d];
    }
    return off;
  }
  int64_t inner_size() const { return ndim ? shape[ndim - 1] : 1; }
  int64_t inner_stride() const { return ndim ? strides[ndim - 1] : 1; }
};

template <typename Acc> struct SumOp {
  static Acc init() { return Acc(0); }
  static Acc combine(Acc a, Acc b) { return a + b; }
};
template <typename Acc> struct ProdOp {
  static Acc init() { return Acc(1); }
  static Acc combine(Acc a, Acc b) { return a * b; }
};
template <typename Acc> struct MaxOp {
  static Acc init() {
    if constexpr (std::numeric_limits<Acc>::has_infinity) return -std::numeric_limits<Acc>::infinity();
    else return std::numeric_limits<Acc>::lowest();
  }
  static Acc combine(Acc a, Acc b) {
    if constexpr (std::is_floating_point_v<Acc>) if (std::isnan(b) || std::isnan(a)) return std::isnan(a) ? a : b;
    return b > a ? b : a;
  }
};
template <typename Acc> struct MinOp {
  static Acc init() {
    if constexpr (std::numeric_limits<Acc>::has_infinity) return std::numeric_limits<Acc>::infinity();
    else return std::numeric_limits<Acc>::max();
  }
  static Acc combine(Acc a, Acc b) {
    if constexpr (std::is_floating_point_v<Acc>) if (std::isnan(b) || std::isnan(a)) return std::isnan(a) ? a : b;
    return b < a ? b : a;
  }
};

// Reduces a contiguous run of n elements; for float sums, 8 lanes per block of 2048 then double across blocks.
template <typename In, typename Acc, typename Op>
Acc reduce_run(const In* x, int64_t n, int64_t stride) {
  if constexpr (std::is_same_v<Op, SumOp<float>>) {
    double total = 0;
    for (int64_t b = 0; b < n; b += 2048) {
      int64_t e = std::min(n, b + 2048);
      float s = 0;
      if (stride == 1) {
        // 32 independent lanes (four vector registers) hide the add latency.
        float lanes[32] = {};
        int64_t i = b;
        for (; i + 32 <= e; i += 32)
          for (int j = 0; j < 32; ++j) lanes[j] += load(x + i + j);
        for (; i < e; ++i) s += load(x + i);
        for (int j = 0; j < 32; ++j) s += lanes[j];
      } else {
        for (int64_t i = b; i < e; ++i) s += load(x + i * stride);
      }
      total += s;
    }
    return static_cast<Acc>(total);
  } else {
    Acc a = Op::init();
    for (int64_t i = 0; i < n; ++i) a = Op::combine(a, static_cast<Acc>(load(x + i * stride)));
    return a;
  }
}

template <typename In, typename Out, typename Acc, typename Op>
void reduce_impl(const TensorArg& out, const TensorArg& in, int nreduced) {
  int nkept = in.ndim - nreduced;
  Space kept, red;
  for (int d = 0; d < nkept; ++d) kept.add(in.shape[d], in.strides[d]);
  for (int d = nkept; d < in.ndim; ++d) red.add(in.shape[d], in.strides[d]);
  if (in.numel == 0) {  // empty reduction: every output gets the identity (max/min are rejected in TypeScript)
    Out* o = out.ptr<Out>();
    for (int64_t k = 0; k < out.numel; ++k) store(o + k, Op::init());
    return;
  }
  const In* x = in.ptr<In>();
  Out* o = out.ptr<Out>();
  const int64_t K = kept.numel, R = red.numel;
  const int64_t inner = red.inner_size(), inner_stride = red.inner_stride();
  const int64_t rows = R / inner;
  // Reduces reduced-rows [r0, r1) of output k.
  auto partial = [&](int64_t k, int64_t r0, int64_t r1) {
    const In* base = x + kept.offset(k);
    Acc a = Op::init();
    for (int64_t r = r0; r < r1; ++r) {
      int64_t off = red.offset(r * inner);
      a = Op::combine(a, reduce_run<In, Acc, Op>(base + off, inner, inner_stride));
    }
    return a;
  };
  const int threads = num_threads();
  if (K >= threads || R < 65536) {
    if (kept.ndim > 0 && kept.inner_stride() == 1 && inner_stride != 1 && K > 1) {
      // Column reduction ([N, D] summed over N): accumulate whole kept rows, vectorised over D.
      const int64_t D = kept.inner_size(), outer = K / D;
      parallel_for(K, 4096, [&](int64_t b, int64_t e) {
        std::vector<Acc> acc;
        for (int64_t k0 = b; k0 < e;) {
          int64_t j0 = k0 % D, len = std::min(D - j0, e - k0);
          acc.assign(len, Op::init());
          const In* base = x + kept.offset(k0);
          for (int64_t rr = 0; rr < R; ++rr) {
            const In* row = base + red.offset(rr);
            // acc is private: no aliasing (GCC's runtime check would otherwise keep short rows scalar).
            _Pragma("GCC ivdep")
            for (int64_t j = 0; j < len; ++j) acc[j] = Op::combine(acc[j], static_cast<Acc>(load(row + j)));
          }
          for (int64_t j = 0; j < len; ++j) store(o + k0 + j, acc[j]);
          k0 += len;
        }
        (void)outer;
      });
      return;
    }
    parallel_for(K, std::max<int64_t>(1, 32768 / std::max<int64_t>(R, 1)), [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) store(o + k, partial(k, 0, rows));
    });
    return;
  }
  // Few outputs over a long reduction: split the reduction itself (by element, across rows) over threads.
  for (int64_t k = 0; k < K; ++k) {
    const In* base = x + kept.offset(k);
    std::vector<Acc> parts(threads, Op::init());
    parallel_for(R, 65536, [&](int64_t b, int64_t e) {
      Acc a = Op::init();
      for (int64_t i = b; i < e;) {
        int64_t row = i / inner, col = i % inner, n = std::min(inner - col, e - i);
        a = Op::combine(a, reduce_run<In, Acc, Op>(base + red.offset(row * inner) + col * inner_stride, n, inner_stride));
        i += n;
      }
      parts[omp_get_thread_num()] = a;
    });
    Acc a = Op::init();
    for (Acc p : parts) a = Op::combine(a, p);
    store(o + k, a);
  }
}

template <typename In>
void reduce_typed(ReduceFn fn, const TensorArg& out, const TensorArg& in, int nreduced) {
  using C = compute_t<In>;
  using Acc = std::conditional_t<std::is_floating_point_v<C>, C, int64_t>;
  switch (fn) {
    case ReduceFn::sum:
    case ReduceFn::prod: {
      if (std::is_floating_point_v<C> ? out.dtype != in.dtype : out.dtype != DType::int64)
        fail("reduce: unexpected output dtype for sum/prod");
      using Out = std::conditional_t<std::is_floating_point_v<C>, In, int64_t>;
      if (fn == ReduceFn::sum) return reduce_impl<In, Out, Acc, SumOp<Acc>>(out, in, nreduced);
      return reduce_impl<In, Out, Acc, ProdOp<Acc>>(out, in, nreduced);
    }
    case ReduceFn::max:
      if (out.dtype != in.dtype) fail("reduce: max keeps the dtype");
      return reduce_impl<In, In, C, MaxOp<C>>(out, in, nreduced);
    case ReduceFn::min:
      if (out.dtype != in.dtype) fail("reduce: min keeps the dtype");
      return reduce_impl<In, In, C, MinOp<C>>(out, in, nreduced);
    default: fail("reduce: unknown function");
  }
}

// all/any read the input as truth values.
void reduce_logical(ReduceFn fn, const TensorArg& out, const TensorArg& in, int nreduced) {
  if (out.dtype != DType::bool_) fail("reduce: all/any produce bool");
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    using C = compute_t<scalar_t>;
    struct Truth { const scalar_t* p; };
    (void)sizeof(Truth);
    // Reuse min/max over truth values by materialising them would cost a copy; loop directly instead.
    int nkept = in.ndim - nreduced;
    Space kept, red;
    for (int d = 0; d < nkept; ++d) kept.add(in.shape[d], in.strides[d]);
    for (int d = nkept; d < in.ndim; ++d) red.add(in.shape[d], in.strides[d]);
    const scalar_t* x = in.ptr<scalar_t>();
    bool* o = out.ptr<bool>();
    const bool want_all = fn == ReduceFn::all;
    const int64_t R = in.numel == 0 ? 0 : red.numel;
    parallel_for(kept.numel, 1024, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const scalar_t* base = x + kept.offset(k);
        bool acc = want_all;
        for (int64_t r = 0; r < R; ++r) {
          bool t = load(base + red.offset(r)) != C(0);
          if (want_all ? !t : t) { acc = !want_all; break; }
        }
        o[k] = acc;
      }
    });
  });
}

}  // namespace

void k_reduce(ArgReader& r) {
  auto fn = static_cast<ReduceFn>(r.i32());
  TensorArg out = r.tensor(), in = r.tensor();
  int nreduced = r.i32();
  if (nreduced < 0 || nreduced > in.ndim) fail("reduce: bad number of reduced dims");
  if (!out.is_contiguous()) fail("reduce: output must be contiguous");
  if (fn == ReduceFn::all || fn == ReduceFn::any) return reduce_logical(fn, out, in, nreduced);
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] { reduce_typed<scalar_t>(fn, out, in, nreduced); });
}

// max/min with indices along the last dimension of `in`; values may be absent (argmax/argmin).
void k_arg_reduce(ArgReader& r) {
  auto fn = static_cast<ReduceFn>(r.i32());
  bool with_values = r.i32() != 0;
  TensorArg values;
  if (with_values) values = r.tensor();
  TensorArg indices = r.tensor(), in = r.tensor();
  if (indices.dtype != DType::int64) fail("argReduce: indices must be int64");
  if (in.ndim < 1) fail("argReduce: input needs a dimension to reduce");
  const int64_t R = in.shape[in.ndim - 1], stride = in.strides[in.ndim - 1];
  if (R == 0) fail("argReduce: cannot reduce an empty dimension");
  Space kept;
  for (int d = 0; d < in.ndim - 1; ++d) kept.add(in.shape[d], in.strides[d]);
  const bool is_max = fn == ReduceFn::max;
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    using C = compute_t<scalar_t>;
    if (with_values && values.dtype != in.dtype) fail("argReduce: values keep the input dtype");
    const scalar_t* x = in.ptr<scalar_t>();
    int64_t* idx = indices.ptr<int64_t>();
    scalar_t* val = with_values ? values.ptr<scalar_t>() : nullptr;
    parallel_for(kept.numel, std::max<int64_t>(1, 16384 / R), [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const scalar_t* row = x + kept.offset(k);
        C best = load(row);
        int64_t at = 0;
        bool best_nan = false;
        if constexpr (std::is_floating_point_v<C>) best_nan = std::isnan(best);
        for (int64_t i = 1; i < R && !best_nan; ++i) {
          C v = load(row + i * stride);
          if constexpr (std::is_floating_point_v<C>) {
            if (std::isnan(v)) { best = v; at = i; best_nan = true; break; }
          }
          if (is_max ? v > best : v < best) { best = v; at = i; }
        }
        idx[k] = at;
        if (val) store(val + k, best);
      }
    });
  });
}

}  // namespace antorcha
