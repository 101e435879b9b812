// Element types of the native side: storage types, the type each computes in, and one dispatch macro.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "kernel_ids.h"

namespace antorcha {

// bfloat16 and float16 are stored as raw 16-bit patterns; arithmetic happens in float.
struct bf16 { uint16_t bits; };
struct f16 { uint16_t bits; };

inline float bf16_to_float(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// Round to nearest even, as PyTorch and oneDNN do; NaN stays a quiet NaN.
inline uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
inline float f16_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do { e++; mant <<= 1; } while ((mant & 0x400u) == 0);
      u = sign | ((127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t float_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint32_t sign = (u >> 16) & 0x8000u;
  uint32_t absu = u & 0x7fffffffu;
  if (absu > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);
  if (absu >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (absu < 0x38800000u) {  // subnormal or zero in half precision
    float a;
    std::memcpy(&a, &absu, 4);
    // 2^-24 is the smallest half subnormal: scale, then round to nearest even in integer space.
    float scaled = a * 16777216.0f;
    uint32_t r = static_cast<uint32_t>(std::nearbyint(scaled));
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t mant = absu & 0x7fffffu;
  uint32_t exp = (absu >> 23) - 127 + 15;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
  return static_cast<uint16_t>(sign | h);
}

// Storage type -> the type arithmetic is done in.
template <typename T> struct Compute { using type = T; };
template <> struct Compute<bf16> { using type = float; };
template <> struct Compute<f16> { using type = float; };
template <typename T> using compute_t = typename Compute<T>::type;

template <typename T> inline compute_t<T> load(const T* p) { return *p; }
template <> inline float load<bf16>(const bf16* p) { return bf16_to_float(p->bits); }
template <> inline float load<f16>(const f16* p) { return f16_to_float(p->bits); }

template <typename T, typename V> inline void store(T* p, V v) {
  if constexpr (std::is_same_v<T, bf16>) p->bits = float_to_bf16(static_cast<float>(v));
  else if constexpr (std::is_same_v<T, f16>) p->bits = float_to_f16(static_cast<float>(v));
  else *p = static_cast<T>(v);
}

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::float32: case DType::int32: return 4;
    case DType::float64: case DType::int64: return 8;
    case DType::bfloat16: case DType::float16: return 2;
    case DType::uint8: case DType::bool_: return 1;
    default: throw std::invalid_argument("unknown dtype code " + std::to_string(static_cast<int>(d)));
  }
}
inline bool is_floating(DType d) {
  return d == DType::float32 || d == DType::float64 || d == DType::bfloat16 || d == DType::float16;
}
const char* dtype_name(DType d);

template <typename T> struct TypeTag { using type = T; };

// Calls BODY (a lambda) with `scalar_t` bound to the storage type of DT. BODY is instantiated inside a generic
// lambda, so `if constexpr` on scalar_t discards the branches that do not apply.
#define ANTORCHA_DISPATCH_ALL(DT, ...)                                                          \
  [&] {                                                                                         \
    auto body_ = [&](auto tag_) {                                                               \
      using scalar_t = typename decltype(tag_)::type;                                           \
      return (__VA_ARGS__)();                                                                   \
    };                                                                                          \
    switch (DT) {                                                                               \
      case ::antorcha::DType::float32: return body_(::antorcha::TypeTag<float>{});              \
      case ::antorcha::DType::float64: return body_(::antorcha::TypeTag<double>{});             \
      case ::antorcha::DType::bfloat16: return body_(::antorcha::TypeTag<::antorcha::bf16>{});  \
      case ::antorcha::DType::float16: return body_(::antorcha::TypeTag<::antorcha::f16>{});    \
      case ::antorcha::DType::int64: return body_(::antorcha::TypeTag<int64_t>{});              \
      case ::antorcha::DType::int32: return body_(::antorcha::TypeTag<int32_t>{});              \
      case ::antorcha::DType::uint8: return body_(::antorcha::TypeTag<uint8_t>{});              \
      case ::antorcha::DType::bool_: return body_(::antorcha::TypeTag<bool>{});                 \
      default: throw std::invalid_argument("unsupported dtype");                               \
    }                                                                                           \
  }()

}  // namespace antorcha
