// The float32 register-blocked matrix-product kernel shared by the convolution paths (AVX2 + FMA builds).
#pragma once
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cstdint>

namespace antorcha::gemm {

constexpr int kRows = 6;   // rows of C per call: 12 accumulators, 2 B registers and a broadcast fill the 16 ymm
constexpr int kCols = 16;  // columns of C per call (two AVX registers)

// Applied to a finished tile of C, still in registers: + bias[col] + residual[row][col], then ReLU.
struct Epilogue {
  const float* bias = nullptr;      // kCols values for this tile, or null
  const float* residual = nullptr;  // row 0 of the tile's residual, or null
  int64_t ldr = 0;                  // residual row stride
  bool relu = false;
};

// C[r][0..16) (+)= sum_p A[r][p] * B[p][0..16) for r < MR; A rows `lda` apart, B rows `ldb` apart. With
// `accumulate` the tile adds to C's values, else overwrites them; `ep` (or null) finishes the tile.
template <int MR>
inline void tile(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t depth,
                 bool accumulate = false, const Epilogue* ep = nullptr) {
  __m256 lo[MR], hi[MR];
  for (int r = 0; r < MR; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  const float* row[MR];
  for (int r = 0; r < MR; ++r) row[r] = a + r * lda;
#pragma GCC unroll 4
  for (int64_t p = 0; p < depth; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b + p * ldb), b1 = _mm256_loadu_ps(b + p * ldb + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 s = _mm256_broadcast_ss(row[r] + p);
      lo[r] = _mm256_fmadd_ps(s, b0, lo[r]);
      hi[r] = _mm256_fmadd_ps(s, b1, hi[r]);
    }
  }
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
inline void tile_rows(int rows, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                      int64_t depth, bool accumulate = false, const Epilogue* ep = nullptr) {
  switch (rows) {
    case 6: tile<6>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 5: tile<5>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 4: tile<4>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 3: tile<3>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 2: tile<2>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    case 1: tile<1>(a, lda, b, ldb, c, ldc, depth, accumulate, ep); break;
    default: break;
  }
}

}  // namespace antorcha::gemm
#endif
