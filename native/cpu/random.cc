// The default generator: MT19937 consumed exactly as PyTorch's CPU generator consumes it (24 random bits
// per float, 53 per double, Box-Muller normals filled in blocks of 16), so that after the same manualSeed
// rand/randint give PyTorch's numbers and randn agrees to float rounding.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "antorcha/kernels.h"

namespace antorcha {
namespace {

class Mt19937 {
 public:
  explicit Mt19937(uint64_t seed = 67280421310721ull) { seed_with(seed); }
  void seed_with(uint64_t seed) {
    state_[0] = static_cast<uint32_t>(seed & 0xffffffffu);
    for (int j = 1; j < kN; ++j) state_[j] = 1812433253u * (state_[j - 1] ^ (state_[j - 1] >> 30)) + j;
    left_ = 1;
    next_ = 0;
    has_next_normal_ = false;
  }
  uint32_t next32() {
    if (--left_ == 0) reload();
    return temper(state_[next_++]);
  }
  // The next n values of next32(), a state block at a time (the tempering loop vectorises).
  void fill32(uint32_t* out, int64_t n) {
    while (n > 0) {
      if (left_ <= 1) {
        reload();
        left_ = kN + 1;  // next32's count before its decrement: kN values to go
      }
      const int64_t m = std::min<int64_t>(n, left_ - 1);
      const uint32_t* s = state_ + next_;
      for (int64_t j = 0; j < m; ++j) out[j] = temper(s[j]);
      out += m;
      n -= m;
      next_ += static_cast<int>(m);
      left_ -= static_cast<int>(m);
    }
  }
  uint64_t next64() {
    uint64_t hi = next32(), lo = next32();
    return (hi << 32) | lo;
  }
  float uniform_float() { return static_cast<float>((next32() & ((1u << 24) - 1)) * (1.0 / (1u << 24))); }
  double uniform_double() { return (next64() & ((uint64_t(1) << 53) - 1)) * (1.0 / (uint64_t(1) << 53)); }
  // normal_distribution<double> of PyTorch: Box-Muller, caching the second value.
  double normal_double() {
    if (has_next_normal_) {
      has_next_normal_ = false;
      return next_normal_;
    }
    double u1 = uniform_double(), u2 = uniform_double();
    double r = std::sqrt(-2.0 * std::log1p(-u2));
    double theta = 2.0 * M_PI * u1;
    next_normal_ = r * std::sin(theta);
    has_next_normal_ = true;
    return r * std::cos(theta);
  }

 private:
  static constexpr int kN = 624, kM = 397;
  static uint32_t temper(uint32_t y) {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
  }
  void reload() {
    auto mix = [](uint32_t u, uint32_t v) {
      return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
    };
    for (int i = 0; i < kN - kM; ++i) state_[i] = state_[i + kM] ^ mix(state_[i], state_[i + 1]);
    for (int i = kN - kM; i < kN - 1; ++i) state_[i] = state_[i + kM - kN] ^ mix(state_[i], state_[i + 1]);
    state_[kN - 1] = state_[kM - 1] ^ mix(state_[kN - 1], state_[0]);
    left_ = kN;
    next_ = 0;
  }
  uint32_t state_[kN];
  int left_ = 1, next_ = 0;
  bool has_next_normal_ = false;
  double next_normal_ = 0;
};

Mt19937& generator() {
  static Mt19937 g;
  return g;
}

void require_contiguous(const TensorArg& t, const char* op) {
  if (!t.is_contiguous()) fail(std::string(op) + ": output must be contiguous");
}

template <typename T>
void normal_fill16(T* data, double mean, double std) {
  for (int j = 0; j < 8; ++j) {
    using C = compute_t<T>;
    C u1 = C(1) - static_cast<C>(load(data + j));
    C u2 = static_cast<C>(load(data + j + 8));
    C radius = std::sqrt(C(-2) * std::log(u1));
    C theta = C(2.0 * M_PI) * u2;
    store(data + j, static_cast<C>(radius * std::cos(theta) * static_cast<C>(std) + static_cast<C>(mean)));
    store(data + j + 8, static_cast<C>(radius * std::sin(theta) * static_cast<C>(std) + static_cast<C>(mean)));
  }
}

}  // namespace

void k_manual_seed(ArgReader& r) {
  double seed = r.f64();
  generator().seed_with(static_cast<uint64_t>(seed));
}

void k_rand_uniform(ArgReader& r) {
  TensorArg out = r.tensor();
  double from = r.f64(), to = r.f64();
  require_contiguous(out, "uniform");
  Mt19937& g = generator();
  switch (out.dtype) {
    case DType::float64: {
      double* p = out.ptr<double>();
      for (int64_t i = 0; i < out.numel; ++i) p[i] = g.uniform_double() * (to - from) + from;
      return;
    }
    case DType::float32: case DType::bfloat16: case DType::float16:
      ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
        if constexpr (std::is_same_v<compute_t<scalar_t>, float>) {
          scalar_t* p = out.ptr<scalar_t>();
          // PyTorch rounds the bounds to the tensor's type, then computes in double.
          scalar_t f, t;
          store(&f, static_cast<float>(from));
          store(&t, static_cast<float>(to));
          const float ff = load(&f), tt = load(&t);
          constexpr int digits = std::is_same_v<scalar_t, float> ? 24 : (std::is_same_v<scalar_t, bf16> ? 8 : 11);
          constexpr uint32_t mask = (1u << digits) - 1;
          // Bits in blocks, then a vectorisable conversion (one 32-bit draw per value, as PyTorch).
          constexpr int64_t kBlock = 2048;
          uint32_t bits[kBlock];
          for (int64_t i0 = 0; i0 < out.numel; i0 += kBlock) {
            const int64_t n = std::min(kBlock, out.numel - i0);
            g.fill32(bits, n);
            for (int64_t j = 0; j < n; ++j) {
              const double x = static_cast<int32_t>(bits[j] & mask) * (1.0 / (1u << digits));
              store(p + i0 + j, static_cast<float>(x * (tt - ff) + ff));
            }
          }
        }
      });
      return;
    default: fail("uniform: expected a floating point tensor");
  }
}

void k_rand_normal(ArgReader& r) {
  TensorArg out = r.tensor();
  double mean = r.f64(), std = r.f64();
  require_contiguous(out, "normal");
  Mt19937& g = generator();
  ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
    if constexpr (std::is_floating_point_v<compute_t<scalar_t>>) {
      scalar_t* p = out.ptr<scalar_t>();
      const int64_t n = out.numel;
      if (n >= 16) {
        auto fill_uniform = [&](scalar_t* d, int64_t count) {
          for (int64_t i = 0; i < count; ++i) {
            if constexpr (std::is_same_v<scalar_t, double>) d[i] = g.uniform_double();
            else store(d + i, g.uniform_float());
          }
        };
        fill_uniform(p, n);
        for (int64_t i = 0; i + 16 <= n; i += 16) normal_fill16(p + i, mean, std);
        if (n % 16 != 0) {  // recompute the last 16 values from fresh uniforms
          fill_uniform(p + n - 16, 16);
          normal_fill16(p + n - 16, mean, std);
        }
      } else {
        for (int64_t i = 0; i < n; ++i) store(p + i, static_cast<compute_t<scalar_t>>(g.normal_double() * std + mean));
      }
    } else {
      fail("normal: expected a floating point tensor");
    }
  });
}

void k_rand_int(ArgReader& r) {
  TensorArg out = r.tensor();
  double low = r.f64(), high = r.f64();
  require_contiguous(out, "randint");
  if (!(high > low)) fail("randint: expected low < high");
  const uint64_t range = static_cast<uint64_t>(high - low);
  const int64_t base = static_cast<int64_t>(low);
  Mt19937& g = generator();
  ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
    scalar_t* p = out.ptr<scalar_t>();
    for (int64_t i = 0; i < out.numel; ++i) {
      uint64_t v = range >= (uint64_t(1) << 32) ? g.next64() : g.next32();
      int64_t value = static_cast<int64_t>(v % range) + base;
      store(p + i, static_cast<compute_t<scalar_t>>(value));
    }
  });
}

}  // namespace antorcha
