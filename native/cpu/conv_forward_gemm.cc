// Forward float32 convolutions as one matrix product over the channels-last input (implicit im2col + GEMM),
// with the bias, a residual add and ReLU applied to each output tile while it is still in registers.
//
// Channels-last activations are row-major [pixels x channels] matrices: a 1x1 stride-1 convolution is the
// product Y[pixels x O] = X[pixels x C] * W^T read straight from the input, and any other kernel unfolds a
// block of rows (KH*KW runs of C contiguous values each) into a small buffer first. The weights are packed in
// panels of 16 output channels ([O/16][K][16]), so that the register-blocked kernel (gemm_kernel.h) reads each
// panel contiguously; a block of rows times a depth slice of K stays in L2 while every panel passes over it.
#include <algorithm>
#include <cstring>
#include <vector>

#include "antorcha/conv_gemm.h"
#include "antorcha/gemm_kernel.h"
#include "antorcha/parallel.h"

namespace antorcha {

#if defined(__AVX2__) && defined(__FMA__)
namespace {

using gemm::kCols;
using gemm::kRows;

constexpr int64_t kDepthBlock = 256;  // K slice per pass: a 16-column panel slice (16 KiB) stays in L1
constexpr int64_t kRowBlock = 96;     // rows per block: a row block's K slice (96 KiB) stays in L2

// Whether t's rows (pixels in n, h, w order) are dense runs of its channels: a row-major [pixels x C] matrix.
bool rows_dense(const TensorArg& t) {
  const int64_t C = t.shape[1], H = t.shape[2], W = t.shape[3];
  return t.strides[1] == 1 && (W == 1 || t.strides[3] == C) && (H == 1 || t.strides[2] == C * W) &&
         (t.shape[0] == 1 || t.strides[0] == C * W * H);
}

// W [O][C][KH][KW] packed as [O / kCols][KH][KW][C][kCols]: for each panel, K rows of 16 output channels.
void pack_weights(const TensorArg& w, float* dst) {
  const int64_t O = w.shape[0], C = w.shape[1], taps = w.shape[2] * w.shape[3], K = taps * C;
  const float* src = w.ptr<const float>();
  parallel_for(O / kCols, 1, [&](int64_t begin, int64_t end) {
    for (int64_t panel = begin; panel < end; ++panel) {
      float* d = dst + panel * K * kCols;
      for (int64_t j = 0; j < kCols; ++j) {
        const float* s = src + (panel * kCols + j) * C * taps;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t t = 0; t < taps; ++t) d[(t * C + c) * kCols + j] = s[c * taps + t];
      }
    }
  });
}

// Columns [k0, k0 + depth) of the unfolded rows [row0, row0 + rows) into dst (rows `ld` apart): column
// (kh * KW + kw) * C + c of output pixel (n, oh, ow) is input (n, c, oh * sh - ph + kh, ow * sw - pw + kw), or
// zero in the padding.
void unfold_block(const TensorArg& in, int64_t KW, int64_t OH, int64_t OW, const ConvParams& p, int64_t row0,
                  int64_t rows, int64_t k0, int64_t depth, float* dst, int64_t ld) {
  const int64_t C = in.shape[1], H = in.shape[2], W = in.shape[3];
  const float* x = in.ptr<const float>();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t g = row0 + r, n = g / (OH * OW), oh = (g / OW) % OH, ow = g % OW;
    float* d = dst + r * ld;
    for (int64_t k = k0; k < k0 + depth;) {
      const int64_t tap = k / C, c = k % C, run = std::min(C - c, k0 + depth - k);
      const int64_t ih = oh * p.sh - p.ph + tap / KW, iw = ow * p.sw - p.pw + tap % KW;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
        std::memset(d, 0, run * sizeof(float));
      } else {
        std::memcpy(d, x + n * in.strides[0] + ih * in.strides[2] + iw * in.strides[3] + c, run * sizeof(float));
      }
      d += run;
      k += run;
    }
  }
}

}  // namespace

bool conv2d_forward_gemm(const TensorArg& out, const TensorArg& in, const TensorArg& w, const TensorArg* bias,
                         const TensorArg* residual, bool relu, const ConvParams& p) {
  if (in.dtype != DType::float32 || out.dtype != DType::float32 || w.dtype != DType::float32) return false;
  if (p.groups != 1 || p.dh != 1 || p.dw != 1 || !w.is_contiguous() || out.numel == 0) return false;
  const int64_t C = in.shape[1], O = out.shape[1], OH = out.shape[2], OW = out.shape[3];
  const int64_t KH = w.shape[2], KW = w.shape[3], K = KH * KW * C, M = out.shape[0] * OH * OW;
  // Runs of at least 8 channels (an RGB stem's runs of 3 unfold slowly), whole 16-channel panels.
  if (C < 8 || O % kCols != 0 || in.strides[1] != 1 || !rows_dense(out)) return false;
  if (residual && !rows_dense(*residual)) return false;
  if (bias && (bias->dtype != DType::float32 || bias->numel != O || !bias->is_contiguous())) return false;

  // Kernels run on one thread at a time: one buffer for the packed weights serves every call.
  static std::vector<float> packed;
  packed.resize(std::max(packed.size(), static_cast<size_t>(O * K)));
  pack_weights(w, packed.data());

  // A 1x1, stride-1 convolution of a dense input reads the input as A itself.
  const bool direct = KH == 1 && KW == 1 && p.sh == 1 && p.sw == 1 && p.ph == 0 && p.pw == 0 && rows_dense(in);
  const int64_t passes = (K + kDepthBlock - 1) / kDepthBlock, depth_block = (K + passes - 1) / passes;
  // Enough row blocks that every thread gets the same number, each at most about kRowBlock rows.
  const int64_t threads = num_threads();
  int64_t blocks = std::max<int64_t>(threads, (M + kRowBlock - 1) / kRowBlock);
  blocks = (blocks + threads - 1) / threads * threads;
  const int64_t row_block = (M + blocks - 1) / blocks;
  blocks = (M + row_block - 1) / row_block;

  const float* x = in.ptr<const float>();
  const float* b = bias ? bias->ptr<const float>() : nullptr;
  const float* res = residual ? residual->ptr<const float>() : nullptr;
  float* y = out.ptr<float>();
  const float* wp = packed.data();
  parallel_for(blocks, 1, [&](int64_t begin, int64_t end) {
    FlushDenormals ftz;
    static thread_local std::vector<float> unfolded;
    // Unfolded rows padded by 16 floats: rows a multiple of 4 KiB apart would share L1 sets.
    const int64_t ld = depth_block + kCols;
    if (!direct) unfolded.resize(std::max(unfolded.size(), static_cast<size_t>(row_block * ld)));
    for (int64_t blk = begin; blk < end; ++blk) {
      const int64_t row0 = blk * row_block, rows = std::min(row_block, M - row0);
      for (int64_t k0 = 0; k0 < K; k0 += depth_block) {
        const int64_t depth = std::min(depth_block, K - k0);
        const bool last = k0 + depth == K;
        const float* a = direct ? x + row0 * C + k0 : unfolded.data();
        const int64_t lda = direct ? C : ld;
        if (!direct) unfold_block(in, KW, OH, OW, p, row0, rows, k0, depth, unfolded.data(), ld);
        for (int64_t j = 0; j < O; j += kCols) {
          const float* panel = wp + j * K + k0 * kCols;
          for (int64_t r = 0; r < rows; r += kRows) {
            const int64_t row = row0 + r;
            gemm::Epilogue ep;
            if (last) {
              ep.bias = b ? b + j : nullptr;
              ep.residual = res ? res + row * O + j : nullptr;
              ep.ldr = O;
              ep.relu = relu;
            }
            gemm::tile_rows(static_cast<int>(std::min<int64_t>(kRows, rows - r)), a + r * lda, lda, panel, kCols,
                            y + row * O + j, O, depth, k0 > 0, last ? &ep : nullptr);
          }
        }
      }
    }
  });
  return true;
}

#else

bool conv2d_forward_gemm(const TensorArg&, const TensorArg&, const TensorArg&, const TensorArg*, const TensorArg*,
                         bool, const ConvParams&) {
  return false;  // built without AVX2 and FMA: oneDNN's kernels run instead
}

#endif

}  // namespace antorcha
