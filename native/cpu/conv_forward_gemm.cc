// Forward float32 convolutions as one matrix product over the channels-last input (implicit im2col + GEMM),
// with the bias, a residual add and ReLU applied to each output tile while it is still in registers.
//
// Channels-last activations are row-major [pixels x channels] matrices: a 1x1 stride-1 convolution is the
// product Y[pixels x O] = X[pixels x C] * W^T read straight from the input, and any other kernel unfolds a
// block of rows (KH*KW runs of C contiguous values each) into a small buffer first. The weights are packed in
// panels of 16 output channels ([O/16][K][16]), so that the register-blocked kernel (gemm_kernel.h) reads each
// panel contiguously; a block of rows times a depth slice of K stays in L2 while every panel passes over it.
#include <algorithm>
#include <vector>

#include "antorcha/conv_gemm.h"
#include "antorcha/dnnl_context.h"
#include "antorcha/gemm_kernel.h"
#include "antorcha/parallel.h"

namespace antorcha {

#if defined(__AVX2__) && defined(__FMA__)
namespace {

using gemm::kCols;
using gemm::kRows;

// K slice per pass (a 16-column panel's slice, 32 KiB, streams from L2 over a row block's tiles; 256 and
// 1024 measured no better) and rows per block (a row block's K slice, up to 192 KiB, stays in L2).
constexpr int64_t kDepthBlock = 512;
constexpr int64_t kRowBlock = 96;

// W [O][C][KH][KW] packed as [O / kCols][KH][KW][C][kCols]: for each panel, K rows of 16 output channels.
void pack_weights(const TensorArg& w, float* dst) {
  const int64_t O = w.shape[0], C = w.shape[1], taps = w.shape[2] * w.shape[3], K = taps * C;
  const float* src = w.ptr<const float>();
  parallel_for(O / kCols, 1, [&](int64_t begin, int64_t end) {
    for (int64_t panel = begin; panel < end; ++panel) {
      const float* s = src + panel * kCols * K;  // the panel's 16 filters, each K values in (c, kh, kw) order
      float* d = dst + panel * K * kCols;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t t = 0; t < taps; ++t)
          for (int64_t j = 0; j < kCols; ++j) d[(t * C + c) * kCols + j] = s[j * K + c * taps + t];
    }
  });
}

}  // namespace

bool conv2d_forward_gemm(const TensorArg& out, const TensorArg& in, const TensorArg& w, const TensorArg* bias,
                         const TensorArg* residual, bool relu, const ConvParams& p, const TensorArg* packed) {
  if (!own_avx2_kernels()) return false;
  if (in.dtype != DType::float32 || out.dtype != DType::float32 || w.dtype != DType::float32) return false;
  if (p.groups != 1 || p.dh != 1 || p.dw != 1 || !w.is_contiguous() || out.numel == 0) return false;
  const int64_t C = in.shape[1], O = out.shape[1], OH = out.shape[2], OW = out.shape[3];
  const int64_t KH = w.shape[2], KW = w.shape[3], K = KH * KW * C, M = out.shape[0] * OH * OW;
  // Runs of at least 8 channels (an RGB stem's runs of 3 unfold slowly), whole 16-channel panels.
  if (C < 8 || O % kCols != 0 || in.strides[1] != 1 || !channels_last_dense(out)) return false;
  if (residual && !channels_last_dense(*residual)) return false;
  if (bias && (bias->dtype != DType::float32 || bias->numel != O || !bias->is_contiguous())) return false;

  const float* wp;
  if (is_packed_layout(packed, {O / kCols, KH, KW, C, kCols})) {
    wp = packed->ptr<const float>();
  } else {
    // Kernels run on one thread at a time: one buffer for the packed weights serves every call, 64-byte
    // aligned so that each 16-float row of a panel is one cache line.
    static std::vector<float> buffer;
    float* aligned = gemm::aligned_floats(buffer, static_cast<size_t>(O * K));
    pack_weights(w, aligned);
    wp = aligned;
  }

  // A 1x1, stride-1 convolution of a dense input reads the input as A itself.
  const bool direct = KH == 1 && KW == 1 && p.sh == 1 && p.sw == 1 && p.ph == 0 && p.pw == 0 && channels_last_dense(in);
  const int64_t passes = (K + kDepthBlock - 1) / kDepthBlock, depth_block = (K + passes - 1) / passes;
  // Work items are (row block, group of 16-column panels), taken one at a time by the threads. About
  // kRowBlock rows per block, in whole 6-row tiles (a 1-row remainder tile runs at a sixth of the speed);
  // small row counts (the last stage's 7x7 maps) split the columns too, so that there are several items
  // per thread to balance.
  const int64_t even_split = (M + kRowBlock - 1) / kRowBlock;
  const int64_t row_block = ((M + even_split - 1) / even_split + kRows - 1) / kRows * kRows;
  const int64_t row_blocks = (M + row_block - 1) / row_block;
  const int64_t panels = O / kCols, items_wanted = 4 * num_threads();
  int64_t groups = 1;
  while (row_blocks * groups < items_wanted && panels % (2 * groups) == 0 && panels / (2 * groups) >= 2) groups *= 2;
  const int64_t panels_per_group = panels / groups;

  const float* x = in.ptr<const float>();
  const float* b = bias ? bias->ptr<const float>() : nullptr;
  const float* res = residual ? residual->ptr<const float>() : nullptr;
  float* y = out.ptr<float>();
  parallel_items(row_blocks * groups, [&](int64_t item) {
    FlushDenormals ftz;
    const int64_t row0 = (item / groups) * row_block, rows = std::min(row_block, M - row0);
    const int64_t j_begin = (item % groups) * panels_per_group * kCols, j_end = j_begin + panels_per_group * kCols;
    // Unfolded rows padded by 16 floats: rows a multiple of 4 KiB apart would share L1 sets.
    static thread_local std::vector<float> unfolded;
    const int64_t ld = depth_block + kCols;
    if (!direct) unfolded.resize(std::max(unfolded.size(), static_cast<size_t>(row_block * ld)));
    for (int64_t k0 = 0; k0 < K; k0 += depth_block) {
      const int64_t depth = std::min(depth_block, K - k0);
      const bool last = k0 + depth == K;
      const float* a = direct ? x + row0 * C + k0 : unfolded.data();
      const int64_t lda = direct ? C : ld;
      if (!direct) unfold_rows(in, KH, KW, OH, OW, p, row0, rows, k0, depth, unfolded.data(), ld);
      for (int64_t j = j_begin; j < j_end; j += kCols) {
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
  });
  return true;
}

#else

bool conv2d_forward_gemm(const TensorArg&, const TensorArg&, const TensorArg&, const TensorArg*, const TensorArg*,
                         bool, const ConvParams&, const TensorArg*) {
  return false;  // built without AVX2 and FMA: oneDNN's kernels run instead
}

#endif

}  // namespace antorcha
