// Elementwise kernels: fill, copy/cast, unary, binary (tensor-tensor and tensor-scalar), where, clamp.
// Operands arrive broadcast to the output's shape; arithmetic runs in compute_t (float for 16-bit floats).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "antorcha/kernels.h"
#include "antorcha/strided_loop.h"

namespace antorcha {
namespace {

template <typename T> constexpr bool is_float_v = std::is_floating_point_v<compute_t<T>>;

// Applies op(inputs...) -> output over a loop whose operand 0 is the output.
template <typename Out, typename In, typename Op>
void map1(const StridedLoop& loop, Op op) {
  loop.run([&](char** p, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(Out) && s[1] == sizeof(In)) {
      Out* o = reinterpret_cast<Out*>(p[0]);
      const In* a = reinterpret_cast<const In*>(p[1]);
      for (int64_t i = 0; i < n; ++i) store(o + i, op(load(a + i)));
    } else {
      for (int64_t i = 0; i < n; ++i)
        store(reinterpret_cast<Out*>(p[0] + i * s[0]), op(load(reinterpret_cast<const In*>(p[1] + i * s[1]))));
    }
  });
}

template <typename Out, typename In, typename Op>
void map2(const StridedLoop& loop, Op op) {
  loop.run([&](char** p, const int64_t* s, int64_t n) {
    Out* o = reinterpret_cast<Out*>(p[0]);
    const In* a = reinterpret_cast<const In*>(p[1]);
    const In* b = reinterpret_cast<const In*>(p[2]);
    if (s[0] == sizeof(Out) && s[1] == sizeof(In) && s[2] == sizeof(In)) {
      for (int64_t i = 0; i < n; ++i) store(o + i, op(load(a + i), load(b + i)));
    } else if (s[0] == sizeof(Out) && s[1] == sizeof(In) && s[2] == 0) {
      const auto bv = load(b);
      for (int64_t i = 0; i < n; ++i) store(o + i, op(load(a + i), bv));
    } else if (s[0] == sizeof(Out) && s[1] == 0 && s[2] == sizeof(In)) {
      const auto av = load(a);
      for (int64_t i = 0; i < n; ++i) store(o + i, op(av, load(b + i)));
    } else {
      for (int64_t i = 0; i < n; ++i)
        store(reinterpret_cast<Out*>(p[0] + i * s[0]), op(load(reinterpret_cast<const In*>(p[1] + i * s[1])),
                                                          load(reinterpret_cast<const In*>(p[2] + i * s[2]))));
    }
  });
}

// ---------------------------------------------------------------- fill and copy

void fill_impl(const TensorArg& out, double value) {
  const TensorArg* ops[] = {&out};
  StridedLoop loop(ops, 1);
  ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
    using C = compute_t<scalar_t>;
    const C v = static_cast<C>(value);
    loop.run([&](char** p, const int64_t* s, int64_t n) {
      scalar_t* o = reinterpret_cast<scalar_t*>(p[0]);
      if (s[0] == sizeof(scalar_t)) {  // a dense row: a loop the compiler vectorises
        for (int64_t i = 0; i < n; ++i) store(o + i, v);
      } else {
        for (int64_t i = 0; i < n; ++i) store(reinterpret_cast<scalar_t*>(p[0] + i * s[0]), v);
      }
    });
  });
}

template <typename Out>
void copy_from(const StridedLoop& loop, DType in) {
  ANTORCHA_DISPATCH_ALL(in, [&] {
    using C = compute_t<scalar_t>;
    map1<Out, scalar_t>(loop, [](C x) {
      if constexpr (std::is_same_v<Out, bool>) return x != C(0);
      else return x;
    });
  });
}

// Same-dtype copies between two layouts of one tensor (NCHW <-> channels-last, a transpose made contiguous):
// after coalescing they are a batch of 2-D transposes, where the generic loop would visit one short row per
// pixel (3 values for an RGB image). Copied in square tiles that stay in L1. Returns false when the copy has
// another shape.
template <typename T>
void transpose_tiles(const StridedLoop& loop) {
  constexpr int64_t kTile = 16;
  const int b_dims = loop.ndim - 2;
  const int64_t batch = b_dims ? loop.shape[0] : 1, rows = loop.shape[b_dims], cols = loop.shape[b_dims + 1];
  const int64_t ob = b_dims ? loop.strides[0][0] : 0, ib = b_dims ? loop.strides[1][0] : 0;
  const int64_t o_row = loop.strides[0][b_dims], i_col = loop.strides[1][b_dims + 1];
  const int64_t row_tiles = (rows + kTile - 1) / kTile, col_tiles = (cols + kTile - 1) / kTile;
  parallel_for(batch * row_tiles * col_tiles, 4, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t b = t / (row_tiles * col_tiles), r0 = (t / col_tiles) % row_tiles * kTile, c0 = t % col_tiles * kTile;
      const int64_t r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
      char* out = loop.base[0] + b * ob;
      const char* in = loop.base[1] + b * ib;
      // output rows are dense along c: each output row of the tile is written in one run
      for (int64_t r = r0; r < r1; ++r) {
        T* dst = reinterpret_cast<T*>(out + r * o_row);
        const char* src = in + r * int64_t(sizeof(T));
        for (int64_t c = c0; c < c1; ++c) dst[c] = *reinterpret_cast<const T*>(src + c * i_col);
      }
    }
  });
}

bool copy_as_transpose(const StridedLoop& loop, size_t itemsize) {
  if (loop.ndim < 2 || loop.ndim > 3) return false;
  const int r = loop.ndim - 2, c = loop.ndim - 1;
  const int64_t sz = static_cast<int64_t>(itemsize);
  if (loop.strides[0][c] != sz || loop.strides[1][r] != sz || loop.shape[c] < 2 || loop.shape[r] < 2) return false;
  switch (itemsize) {
    case 1: transpose_tiles<uint8_t>(loop); return true;
    case 2: transpose_tiles<uint16_t>(loop); return true;
    case 4: transpose_tiles<uint32_t>(loop); return true;
    case 8: transpose_tiles<uint64_t>(loop); return true;
    default: return false;
  }
}

// ---------------------------------------------------------------- unary

template <typename C> inline C sigmoid(C x) { return C(1) / (C(1) + std::exp(-x)); }

template <typename T>
void unary_float(UnaryFn fn, const StridedLoop& loop) {
  using C = compute_t<T>;
  switch (fn) {
#define U(NAME, EXPR) case UnaryFn::NAME: return map1<T, T>(loop, [](C x) -> C { return EXPR; });
    U(neg, -x)
    U(abs, std::abs(x))
    U(exp, std::exp(x))
    U(log, std::log(x))
    U(log1p, std::log1p(x))
    U(expm1, std::expm1(x))
    U(sqrt, std::sqrt(x))
    U(rsqrt, C(1) / std::sqrt(x))
    U(sin, std::sin(x))
    U(cos, std::cos(x))
    U(tan, std::tan(x))
    U(tanh, std::tanh(x))
    U(sigmoid, sigmoid(x))
    U(relu, x > C(0) ? x : (std::isnan(x) ? x : C(0)))
    U(gelu, x * C(0.5) * (C(1) + std::erf(x * C(M_SQRT1_2))))
    U(geluTanh, C(0.5) * x * (C(1) + std::tanh(C(M_2_SQRTPI * M_SQRT1_2) * (x + C(0.044715) * x * x * x))))
    U(silu, x / (C(1) + std::exp(-x)))
    U(sign, std::isnan(x) ? x : C((x > C(0)) - (x < C(0))))
    U(reciprocal, C(1) / x)
    U(floor, std::floor(x))
    U(ceil, std::ceil(x))
    U(round, std::nearbyint(x))
    U(trunc, std::trunc(x))
    U(erf, std::erf(x))
    U(square, x * x)
    U(asin, std::asin(x))
    U(acos, std::acos(x))
    U(atan, std::atan(x))
    U(sinh, std::sinh(x))
    U(cosh, std::cosh(x))
    U(log2, std::log2(x))
    U(log10, std::log10(x))
    U(exp2, std::exp2(x))
    U(softplus, x > C(20) ? x : std::log1p(std::exp(x)))
#undef U
    case UnaryFn::isnan: return map1<bool, T>(loop, [](C x) { return static_cast<bool>(std::isnan(x)); });
    case UnaryFn::isinf: return map1<bool, T>(loop, [](C x) { return static_cast<bool>(std::isinf(x)); });
    case UnaryFn::logicalNot: return map1<bool, T>(loop, [](C x) { return x == C(0); });
    default: fail("unary function not implemented for floating types");
  }
}

template <typename T>
void unary_integral(UnaryFn fn, const StridedLoop& loop) {
  using C = compute_t<T>;
  switch (fn) {
    case UnaryFn::neg: return map1<T, T>(loop, [](C x) -> C { return static_cast<C>(-x); });
    case UnaryFn::abs: return map1<T, T>(loop, [](C x) -> C { return x < C(0) ? static_cast<C>(-x) : x; });
    case UnaryFn::sign: return map1<T, T>(loop, [](C x) -> C { return static_cast<C>((x > C(0)) - (x < C(0))); });
    case UnaryFn::square: return map1<T, T>(loop, [](C x) -> C { return static_cast<C>(x * x); });
    case UnaryFn::relu: return map1<T, T>(loop, [](C x) -> C { return x > C(0) ? x : C(0); });
    case UnaryFn::floor: case UnaryFn::ceil: case UnaryFn::round: case UnaryFn::trunc:
      return map1<T, T>(loop, [](C x) -> C { return x; });
    case UnaryFn::isnan: case UnaryFn::isinf: return map1<bool, T>(loop, [](C) { return false; });
    case UnaryFn::logicalNot: return map1<bool, T>(loop, [](C x) { return x == C(0); });
    default: fail("unary function not implemented for integer types");
  }
}

// ---------------------------------------------------------------- binary

template <typename C> inline C py_remainder(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    C m = std::fmod(a, b);
    return (m != C(0) && ((b < C(0)) != (m < C(0)))) ? m + b : m;
  } else {
    C m = a % b;
    return (m != 0 && ((b < 0) != (m < 0))) ? m + b : m;
  }
}
template <typename C> inline C int_pow(C base, C exp) {
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? (exp % 2 ? -1 : 1) : 0);
  C result = 1;
  while (exp) {
    if (exp & 1) result *= base;
    base *= base;
    exp >>= 1;
  }
  return result;
}
template <typename C> inline C nan_max(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<C>::quiet_NaN();
  return a > b ? a : b;
}
template <typename C> inline C nan_min(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<C>::quiet_NaN();
  return a < b ? a : b;
}

// Shared by tensor-tensor and tensor-scalar forms: `apply` receives the functor for fn.
template <typename T, typename Apply>
void binary_dispatch(BinaryFn fn, const Apply& apply) {
  using C = compute_t<T>;
  constexpr bool fp = std::is_floating_point_v<C>;
  switch (fn) {
    case BinaryFn::add: return apply.template arith<T>([](C a, C b) -> C { return a + b; });
    case BinaryFn::sub: return apply.template arith<T>([](C a, C b) -> C { return a - b; });
    case BinaryFn::rsub: return apply.template arith<T>([](C a, C b) -> C { return b - a; });
    case BinaryFn::mul: return apply.template arith<T>([](C a, C b) -> C { return a * b; });
    case BinaryFn::maximum: return apply.template arith<T>([](C a, C b) -> C { return nan_max(a, b); });
    // ReLU's gradient in one pass: a is the incoming gradient, b ReLU's output (PyTorch's threshold_backward).
    case BinaryFn::reluBackward: return apply.template arith<T>([](C g, C y) -> C { return y > C(0) ? g : C(0); });
    case BinaryFn::minimum: return apply.template arith<T>([](C a, C b) -> C { return nan_min(a, b); });
    case BinaryFn::eq: return apply.template compare<T>([](C a, C b) { return a == b; });
    case BinaryFn::ne: return apply.template compare<T>([](C a, C b) { return a != b; });
    case BinaryFn::lt: return apply.template compare<T>([](C a, C b) { return a < b; });
    case BinaryFn::le: return apply.template compare<T>([](C a, C b) { return a <= b; });
    case BinaryFn::gt: return apply.template compare<T>([](C a, C b) { return a > b; });
    case BinaryFn::ge: return apply.template compare<T>([](C a, C b) { return a >= b; });
    case BinaryFn::logicalAnd: return apply.template compare<T>([](C a, C b) { return a != C(0) && b != C(0); });
    case BinaryFn::logicalOr: return apply.template compare<T>([](C a, C b) { return a != C(0) || b != C(0); });
    case BinaryFn::logicalXor: return apply.template compare<T>([](C a, C b) { return (a != C(0)) != (b != C(0)); });
    default: break;
  }
  if constexpr (fp) {
    switch (fn) {
      case BinaryFn::div: return apply.template arith<T>([](C a, C b) -> C { return a / b; });
      case BinaryFn::rdiv: return apply.template arith<T>([](C a, C b) -> C { return b / a; });
      case BinaryFn::pow: return apply.template arith<T>([](C a, C b) -> C { return std::pow(a, b); });
      case BinaryFn::rpow: return apply.template arith<T>([](C a, C b) -> C { return std::pow(b, a); });
      case BinaryFn::atan2: return apply.template arith<T>([](C a, C b) -> C { return std::atan2(a, b); });
      case BinaryFn::fmod: return apply.template arith<T>([](C a, C b) -> C { return std::fmod(a, b); });
      case BinaryFn::remainder: return apply.template arith<T>([](C a, C b) -> C { return py_remainder(a, b); });
      case BinaryFn::floorDivide: return apply.template arith<T>([](C a, C b) -> C { return std::floor(a / b); });
      default: break;
    }
  } else if constexpr (!std::is_same_v<T, bool>) {
    switch (fn) {
      case BinaryFn::pow: return apply.template arith<T>([](C a, C b) -> C { return int_pow(a, b); });
      case BinaryFn::rpow: return apply.template arith<T>([](C a, C b) -> C { return int_pow(b, a); });
      // Integer division by zero would trap: the TypeScript side checks divisors before calling these.
      case BinaryFn::fmod: return apply.template arith<T>([](C a, C b) -> C { return b == 0 ? 0 : C(a % b); });
      case BinaryFn::remainder: return apply.template arith<T>([](C a, C b) -> C { return b == 0 ? 0 : py_remainder(a, b); });
      case BinaryFn::floorDivide:
        return apply.template arith<T>([](C a, C b) -> C {
          if (b == 0) return 0;
          C q = a / b;
          return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
        });
      default: break;
    }
  }
  fail("binary function not implemented for dtype");
}

struct TensorTensor {
  const StridedLoop& loop;
  template <typename T, typename Op> void arith(Op op) const { map2<T, T>(loop, op); }
  template <typename T, typename Op> void compare(Op op) const {
    map2<bool, T>(loop, [op](compute_t<T> a, compute_t<T> b) { return static_cast<bool>(op(a, b)); });
  }
};

struct TensorScalar {
  const StridedLoop& loop;
  double scalar;
  template <typename T, typename Op> void arith(Op op) const {
    const compute_t<T> s = static_cast<compute_t<T>>(scalar);
    map1<T, T>(loop, [op, s](compute_t<T> a) { return op(a, s); });
  }
  template <typename T, typename Op> void compare(Op op) const {
    // Comparisons against a scalar happen in double so that `int_tensor < 2.5` is exact.
    map1<bool, T>(loop, [op, this](compute_t<T> a) {
      if constexpr (std::is_floating_point_v<compute_t<T>>) return static_cast<bool>(op(a, static_cast<compute_t<T>>(scalar)));
      else return static_cast<bool>(op(static_cast<double>(a), scalar) ? true : false);
    });
  }
};

void check_same_dtype(const TensorArg& a, const TensorArg& b, const char* op) {
  if (a.dtype != b.dtype)
    fail(std::string(op) + ": operand dtypes differ (" + dtype_name(a.dtype) + " vs " + dtype_name(b.dtype) + ")");
}

}  // namespace

void k_fill(ArgReader& r) {
  TensorArg out = r.tensor();
  double value = r.f64();
  fill_impl(out, value);
}

void k_copy(ArgReader& r) {
  TensorArg out = r.tensor(), in = r.tensor();
  if (out.dtype == in.dtype && out.is_contiguous() && in.is_contiguous() && out.numel == in.numel) {
    size_t bytes = out.numel * out.itemsize();
    parallel_for(static_cast<int64_t>(bytes), 1 << 20, [&](int64_t b, int64_t e) {
      std::memcpy(out.data + b, in.data + b, e - b);
    });
    return;
  }
  const TensorArg* ops[] = {&out, &in};
  StridedLoop loop(ops, 2);
  if (out.dtype == in.dtype && copy_as_transpose(loop, out.itemsize())) return;
  ANTORCHA_DISPATCH_ALL(out.dtype, [&] { copy_from<scalar_t>(loop, in.dtype); });
}

void k_unary(ArgReader& r) {
  auto fn = static_cast<UnaryFn>(r.i32());
  TensorArg out = r.tensor(), in = r.tensor();
  bool to_bool = fn == UnaryFn::isnan || fn == UnaryFn::isinf || fn == UnaryFn::logicalNot;
  if (to_bool ? out.dtype != DType::bool_ : out.dtype != in.dtype) fail("unary: unexpected output dtype");
  const TensorArg* ops[] = {&out, &in};
  StridedLoop loop(ops, 2);
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    if constexpr (is_float_v<scalar_t>) unary_float<scalar_t>(fn, loop);
    else unary_integral<scalar_t>(fn, loop);
  });
}

void k_binary(ArgReader& r) {
  auto fn = static_cast<BinaryFn>(r.i32());
  TensorArg out = r.tensor(), a = r.tensor(), b = r.tensor();
  check_same_dtype(a, b, "binary");
  const TensorArg* ops[] = {&out, &a, &b};
  StridedLoop loop(ops, 3);
  TensorTensor apply{loop};
  ANTORCHA_DISPATCH_ALL(a.dtype, [&] { binary_dispatch<scalar_t>(fn, apply); });
}

void k_binary_scalar(ArgReader& r) {
  auto fn = static_cast<BinaryFn>(r.i32());
  TensorArg out = r.tensor(), a = r.tensor();
  double scalar = r.f64();
  const TensorArg* ops[] = {&out, &a};
  StridedLoop loop(ops, 2);
  TensorScalar apply{loop, scalar};
  ANTORCHA_DISPATCH_ALL(a.dtype, [&] { binary_dispatch<scalar_t>(fn, apply); });
}

void k_where(ArgReader& r) {
  TensorArg out = r.tensor(), cond = r.tensor(), a = r.tensor(), b = r.tensor();
  if (cond.dtype != DType::bool_) fail("where: condition must be bool");
  check_same_dtype(a, b, "where");
  const TensorArg* ops[] = {&out, &cond, &a, &b};
  StridedLoop loop(ops, 4);
  ANTORCHA_DISPATCH_ALL(a.dtype, [&] {
    loop.run([&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        bool c = *reinterpret_cast<const bool*>(p[1] + i * s[1]);
        const char* src = c ? p[2] + i * s[2] : p[3] + i * s[3];
        std::memcpy(p[0] + i * s[0], src, sizeof(scalar_t));
      }
    });
  });
}

void k_clamp(ArgReader& r) {
  TensorArg out = r.tensor(), in = r.tensor();
  double lo = r.f64(), hi = r.f64();
  bool has_lo = r.i32() != 0, has_hi = r.i32() != 0;
  const TensorArg* ops[] = {&out, &in};
  StridedLoop loop(ops, 2);
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    using C = compute_t<scalar_t>;
    if constexpr (std::is_same_v<scalar_t, bool>) {
      fail("clamp is not supported for bool tensors");
    } else {
      const C l = static_cast<C>(lo), h = static_cast<C>(hi);
      map1<scalar_t, scalar_t>(loop, [=](C x) -> C {
        if constexpr (std::is_floating_point_v<C>) if (std::isnan(x)) return x;
        if (has_lo && x < l) x = l;
        if (has_hi && x > h) x = h;
        return x;
      });
    }
  });
}

}  // namespace antorcha
