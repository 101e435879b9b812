// Convolution weight gradients as one matrix product over unfolded input patches (im2col + GEMM).
//
// dW[o, (kh, kw, c)] = sum over output pixels of dY[pixel, o] * patch[pixel, (kh, kw, c)]: with channels-last
// activations dY is already a row-major [pixels x O] matrix and each patch row is KH*KW runs of C contiguous
// input values, so the unfolding is a copy and the reduction is oneDNN's sgemm. For the small maps and channel
// counts of image classifiers and ResNet's early stages this beats oneDNN 2.6's direct backward-weights
// kernels on AVX2 (2 threads, 3x3: 64x32x16x16 -> 64 7.7 ms against 8.4, 64x64x8x8 -> 128 7.0 against 7.9,
// 8x64x56x56 -> 64 ~19 against ~34; even at 8x512x7x7). A column of ones after the patch yields the bias
// gradient in the same product. Where the own AVX2 kernels run and the result is small, the product runs on
// the register tile of gemm_kernel.h instead, over chunks of pixels taken by the threads in turn.
#include <algorithm>
#include <cstring>
#include <vector>

#include "antorcha/conv_gemm.h"
#include "antorcha/dnnl_context.h"
#include "antorcha/gemm_kernel.h"
#include "antorcha/parallel.h"

namespace antorcha {

bool channels_last_dense(const TensorArg& t) {
  const int order[4] = {1, 3, 2, 0};
  int64_t expected = 1;
  for (int d : order) {
    if (t.shape[d] != 1 && t.strides[d] != expected) return false;
    expected *= t.shape[d];
  }
  return true;
}

void unfold_rows(const TensorArg& in, int64_t KH, int64_t KW, int64_t OH, int64_t OW, const ConvParams& p,
                 int64_t row0, int64_t rows, int64_t k0, int64_t depth, float* cols, int64_t ld) {
  const int64_t C = in.shape[1], H = in.shape[2], W = in.shape[3], K = KH * KW * C, end = k0 + depth;
  const int64_t sn = in.strides[0], sc = in.strides[1], sy = in.strides[2], sx = in.strides[3];
  const float* src = in.ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t g = row0 + r, n = g / (OH * OW), oh = (g / OW) % OH, ow = g % OW;
    float* d = cols + r * ld;
    for (int64_t k = k0; k < end;) {
      if (k >= K) {  // the bias column
        *d++ = 1.f;
        ++k;
        continue;
      }
      // A run of channels of one kernel tap, up to the tap's end or the range's.
      const int64_t tap = k / C, c = k % C, run = std::min(C - c, std::min(end, K) - k);
      const int64_t ih = oh * p.sh - p.ph + (tap / KW) * p.dh, iw = ow * p.sw - p.pw + (tap % KW) * p.dw;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
        std::memset(d, 0, run * sizeof(float));
      } else {
        const float* s = src + n * sn + ih * sy + iw * sx + c * sc;
        if (sc == 1) {
          std::memcpy(d, s, run * sizeof(float));
        } else {
          for (int64_t i = 0; i < run; ++i) d[i] = s[i * sc];
        }
      }
      d += run;
      k += run;
    }
  }
}

namespace {

// Unfolded rows are produced and consumed in slices of about this many bytes, so that a slice is still in
// the last-level cache when the product reads it and the buffer stays small for large batches.
constexpr int64_t kSliceBytes = 8 << 20;

// Whole unfolded rows (and the bias column when `ones`), split over the threads.
void unfold(const TensorArg& in, int64_t KH, int64_t KW, int64_t OH, int64_t OW, const ConvParams& p, int64_t row0,
            int64_t rows, int64_t ld, bool ones, float* cols) {
  const int64_t width = KH * KW * in.shape[1] + (ones ? 1 : 0);
  parallel_for(rows, 64, [&](int64_t begin, int64_t end) {
    unfold_rows(in, KH, KW, OH, OW, p, row0 + begin, end - begin, 0, width, cols + begin * ld, ld);
  });
}

#if defined(__AVX2__) && defined(__FMA__)
// dW^T[(kh, kw, c) (+ the bias row)][o] = sum over pixels of patch[pixel][k] * dY[pixel][o], on the register
// tile reading the patch rows transposed (gemm::tile's kDepthMajor). Pixels go in chunks, each unfolded into a
// buffer that stays in L2. `acc` receives dW^T, `rows_a` x O.
void weight_gradient_tiles(const TensorArg& in, const TensorArg& grad_out, const ConvParams& p, int64_t KH,
                           int64_t KW, bool bias, float* acc) {
  const int64_t C = in.shape[1], O = grad_out.shape[1], OH = grad_out.shape[2], OW = grad_out.shape[3];
  const int64_t rows_a = KH * KW * C + (bias ? 1 : 0), pixels = grad_out.shape[0] * OH * OW;
  const int64_t ld = rows_a + 3;  // rows not a multiple of 4 KiB apart
  // Pixels per chunk (the depth of each tile's pass), and patch rows per block: a block of a chunk's patches
  // (chunk x 96 floats) serves every panel of dY while in cache.
  constexpr int64_t chunk = 128;
  const int64_t chunks = (pixels + chunk - 1) / chunk;
  constexpr int64_t kRowBlock = 96, kSlices = 8;
  // The chunks are split into a fixed number of contiguous slices, each summed in order into its own partial
  // and the partials added in slice order: the result does not depend on which thread took which slice (nor
  // on the thread count), so training is reproducible, while more slices than threads still lets a faster
  // thread take more of them.
  const int64_t slices = std::min<int64_t>(kSlices, chunks);
  static std::vector<float> partials;
  partials.resize(std::max(partials.size(), static_cast<size_t>(slices * rows_a * O)));
  const float* dy = grad_out.ptr<const float>();
  parallel_items(slices, [&](int64_t slice) {
    FlushDenormals ftz;
    float* mine = partials.data() + static_cast<size_t>(slice) * rows_a * O;
    static thread_local std::vector<float> cols, panels;
    cols.resize(std::max(cols.size(), static_cast<size_t>(chunk * ld)));
    const int64_t first_chunk = slice * chunks / slices, last_chunk = (slice + 1) * chunks / slices;
    for (int64_t item = first_chunk; item < last_chunk; ++item) {
      const int64_t p0 = item * chunk, count = std::min(chunk, pixels - p0);
      unfold_rows(in, KH, KW, OH, OW, p, p0, count, 0, rows_a, cols.data(), ld);
      // The chunk's dY in 16-column panels, each [count][16] contiguous: read in place, rows O floats apart
      // (a power of two) would pile every panel row into a few L1 sets.
      float* dyp = gemm::aligned_floats(panels, static_cast<size_t>(count * O));
      for (int64_t q = 0; q < count; ++q)
        for (int64_t j = 0; j < O; j += gemm::kCols)
          std::memcpy(dyp + (j * count + q * gemm::kCols), dy + (p0 + q) * O + j, gemm::kCols * sizeof(float));
      for (int64_t r0 = 0; r0 < rows_a; r0 += kRowBlock)
        for (int64_t j = 0; j < O; j += gemm::kCols)
          for (int64_t r = r0; r < std::min(rows_a, r0 + kRowBlock); r += gemm::kRows)
            gemm::tile_rows<true>(static_cast<int>(std::min<int64_t>(gemm::kRows, rows_a - r)), cols.data() + r, ld,
                                  dyp + j * count, gemm::kCols, mine + r * O + j, O, count, item > first_chunk);
    }
  });
  parallel_for(rows_a * O, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float v = 0.f;
      for (int64_t slice = 0; slice < slices; ++slice) v += partials[static_cast<size_t>(slice) * rows_a * O + i];
      acc[i] = v;
    }
  });
}
#endif

}  // namespace

bool conv2d_backward_weight_gemm(const TensorArg& grad_w, const TensorArg* grad_b, const TensorArg& in,
                                 const TensorArg& grad_out, const ConvParams& p) {
  // Below 16 input channels the unfolded rows are short runs (an RGB stem: 3 values) and oneDNN's direct
  // kernel is faster.
  if (p.groups != 1 || in.dtype != DType::float32 || grad_out.numel == 0 || in.shape[1] < 16) return false;
  if (!channels_last_dense(grad_out)) return false;  // the caller has checked that grad_w is contiguous
  if (grad_b && grad_b->ndim == 1 && grad_b->shape[0] > 1 && grad_b->strides[0] != 1) return false;
  const int64_t N = in.shape[0], C = in.shape[1], O = grad_out.shape[1], OH = grad_out.shape[2],
                OW = grad_out.shape[3], KH = grad_w.shape[2], KW = grad_w.shape[3];
  const int64_t K = KH * KW * C, ld = K + (grad_b ? 1 : 0), pixels = N * OH * OW;
  float* dw = grad_w.ptr<float>();
#if defined(__AVX2__) && defined(__FMA__)
  // dW^T [(kh, kw, c) (+ bias)][o] on the register tiles where each thread's partial sums stay in L2 (alone,
  // 2 threads: 64x32x14x14 -> 64 4.0-4.8 ms against 5.5-6.1 for the sgemm below, 64x64x7x7 -> 128 3.7-4.4
  // against 4.7-5.2, 8x64x56x56 -> 64 14-16 against 19-20; 8x256x14x14 -> 256, 2.4 MB of sums, was slower).
  if (own_avx2_kernels() && O % gemm::kCols == 0 && ld * O <= (128 << 10)) {
    static std::vector<float> acc_t;
    acc_t.resize(std::max(acc_t.size(), static_cast<size_t>(ld * O)));
    weight_gradient_tiles(in, grad_out, p, KH, KW, grad_b != nullptr, acc_t.data());
    parallel_for(O, 16, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o)
        for (int64_t k = 0; k < KH * KW; ++k)
          for (int64_t c = 0; c < C; ++c) dw[(o * C + c) * KH * KW + k] = acc_t[(k * C + c) * O + o];
    });
    if (grad_b) {
      float* db = grad_b->ptr<float>();
      for (int64_t o = 0; o < O; ++o) db[o] = acc_t[K * O + o];
    }
    return true;
  }
#endif
  const int64_t slice = std::max<int64_t>(1, std::min<int64_t>(pixels, kSliceBytes / int64_t(sizeof(float) * ld)));

  // Kernels run one at a time: both buffers are reused so that their pages are not faulted in per call
  // (the product's first slice overwrites acc, beta = 0).
  static std::vector<float> cols, acc;
  cols.resize(std::max<size_t>(cols.size(), size_t(slice * ld)));
  acc.resize(std::max<size_t>(acc.size(), size_t(O * ld)));
  const float* dy = grad_out.ptr<float>();
  for (int64_t row0 = 0; row0 < pixels; row0 += slice) {
    const int64_t rows = std::min(slice, pixels - row0);
    unfold(in, KH, KW, OH, OW, p, row0, rows, ld, grad_b != nullptr, cols.data());
    // acc[O x ld] (+)= dY[rows x O]^T * cols[rows x ld]
    dnnl_status_t s = dnnl_sgemm('T', 'N', O, ld, rows, 1.f, dy + row0 * O, O, cols.data(), ld,
                                 row0 == 0 ? 0.f : 1.f, acc.data(), ld);
    if (s != dnnl_success) fail("conv2d backward: sgemm failed");
  }
  // acc holds [O][KH][KW][C] (+ bias column); the weight gradient is [O][C][KH][KW].
  parallel_for(O, 16, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o)
      for (int64_t k = 0; k < KH * KW; ++k)
        for (int64_t c = 0; c < C; ++c) dw[(o * C + c) * KH * KW + k] = acc[o * ld + k * C + c];
  });
  if (grad_b) {
    float* db = grad_b->ptr<float>();
    for (int64_t o = 0; o < O; ++o) db[o] = acc[o * ld + K];
  }
  return true;
}

}  // namespace antorcha
