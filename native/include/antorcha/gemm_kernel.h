// The float32 register-blocked matrix-product kernel shared by the convolution paths (AVX2 + FMA builds).
#pragma once
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cstdint>
#include <vector>

namespace antorcha::gemm {

constexpr int kRows = 6;   // rows of C per call: 12 accumulators, 2 B registers and a broadcast fill the 16 ymm
constexpr int kCols = 16;  // columns of C per call (two AVX registers)

// n floats from `buffer` (grown as needed, kept between calls), 64-byte aligned: a packed panel's 16-float rows
// then each fill one cache line instead of straddling two.
inline float* aligned_floats(std::vector<float>& buffer, size_t n) {
  if (buffer.size() < n + 16) buffer.resize(n + 16);
  const size_t misaligned = reinterpret_cast<uintptr_t>(buffer.data()) % 64;
  return buffer.data() + (misaligned == 0 ? 0 : (64 - misaligned) / sizeof(float));
}

// Applied to a finished tile of C, still in registers: + bias[col] + residual[row][col], then ReLU.
struct Epilogue {
  const float* bias = nullptr;      // kCols values for this tile, or null
  const float* residual = nullptr;  // row 0 of the tile's residual, or null
  int64_t ldr = 0;                  // residual row stride
  bool relu = false;
};

// C[r][0..16) (+)= sum_p A[r][p] * B[p][0..16) for r < MR; A rows `lda` apart, B rows `ldb` apart. With
// `accumulate` the tile adds to C's values, else overwrites them; `ep` (or null) finishes the tile.
// kDepthMajor reads A transposed: A[r][p] = a[p * lda + r] (a tile's rows adjacent, one depth step `lda` on),
// for products whose reduction runs over the rows of both operands (a weight gradient: pixels).
// NOTE: the accumulators are named variables, not arrays: GCC keeps __m256 arrays on the stack here, and a
// store per FMA halved the kernel's speed.
template <int MR, bool kDepthMajor = false>
inline void tile(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t depth,
                 bool accumulate = false, const Epilogue* ep = nullptr) {
  static_assert(MR >= 1 && MR <= kRows, "1 to 6 rows");
  __m256 l0 = _mm256_setzero_ps(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0, l4 = l0, h4 = l0,
         l5 = l0, h5 = l0;
  // Rows past MR are never read; their pointers stay in bounds all the same.
  const int64_t row_step = kDepthMajor ? 1 : lda, depth_step = kDepthMajor ? lda : 1;
  const float *a0 = a, *a1 = MR > 1 ? a0 + row_step : a0, *a2 = MR > 2 ? a1 + row_step : a1,
              *a3 = MR > 3 ? a2 + row_step : a2, *a4 = MR > 4 ? a3 + row_step : a3, *a5 = MR > 5 ? a4 + row_step : a4;
  if (ep) {
    // The finished tile reads a residual line and writes a C line per row, rows far apart: asking for them
    // now lets the loads from memory overlap the products instead of stalling the epilogue.
    for (int r = 0; r < MR; ++r) {
      if (ep->residual) _mm_prefetch(reinterpret_cast<const char*>(ep->residual + r * ep->ldr), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T1);
    }
  }
#define ANTORCHA_GEMM_ROW(r)                                    \
  if constexpr (MR > r) {                                       \
    const __m256 s = _mm256_broadcast_ss(a##r + p * depth_step); \
    l##r = _mm256_fmadd_ps(s, b0, l##r);                        \
    h##r = _mm256_fmadd_ps(s, b1, h##r);                        \
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < depth; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b + p * ldb), b1 = _mm256_loadu_ps(b + p * ldb + 8);
    ANTORCHA_GEMM_ROW(0) ANTORCHA_GEMM_ROW(1) ANTORCHA_GEMM_ROW(2) ANTORCHA_GEMM_ROW(3) ANTORCHA_GEMM_ROW(4)
    ANTORCHA_GEMM_ROW(5)
  }
#undef ANTORCHA_GEMM_ROW
  __m256 lo[kRows] = {l0, l1, l2, l3, l4, l5}, hi[kRows] = {h0, h1, h2, h3, h4, h5};
  if (accumulate) {
    for (int r = 0; r < MR; ++r) {
      lo[r] = _mm256_add_ps(lo[r], _mm256_loadu_ps(c + r * ldc));
      hi[r] = _mm256_add_ps(hi[r], _mm256_loadu_ps(c + r * ldc + 8));
    }
  }
  if (ep) {
    if (ep->bias) {
      const __m256 b0 = _mm256_loadu_ps(ep->bias), b1 = _mm256_loadu_ps(ep->bias + 8);
      for (int r = 0; r < MR; ++r) lo[r] = _mm256_add_ps(lo[r], b0), hi[r] = _mm256_add_ps(hi[r], b1);
    }
    if (ep->residual) {
      for (int r = 0; r < MR; ++r) {
        lo[r] = _mm256_add_ps(lo[r], _mm256_loadu_ps(ep->residual + r * ep->ldr));
        hi[r] = _mm256_add_ps(hi[r], _mm256_loadu_ps(ep->residual + r * ep->ldr + 8));
      }
    }
    if (ep->relu) {
      const __m256 zero = _mm256_setzero_ps();
      for (int r = 0; r < MR; ++r) lo[r] = _mm256_max_ps(lo[r], zero), hi[r] = _mm256_max_ps(hi[r], zero);
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(c + r * ldc, lo[r]);
    _mm256_storeu_ps(c + r * ldc + 8, hi[r]);
  }
}

// tile<MR> for a run-time row count 1..kRows.
template <bool kDepthMajor = false>
inline void tile_rows(int rows, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                      int64_t depth, bool accumulate = false, const Epilogue* ep = nullptr) {
  switch (rows) {
    case 6: tile<6, kDepthMajor>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 5: tile<5, kDepthMajor>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 4: tile<4, kDepthMajor>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 3: tile<3, kDepthMajor>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 2: tile<2, kDepthMajor>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 1: tile<1, kDepthMajor>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    default: break;
  }
}

}  // namespace antorcha::gemm
#endif
