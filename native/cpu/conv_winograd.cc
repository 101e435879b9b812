// 3x3 convolutions with stride 1 and padding 1 (an image classifier's workhorse) by Winograd's minimal
// filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): each
// 2x2 block of outputs costs 16 multiplications per input/output channel pair instead of 36. Used for the
// forward pass and, with the weights transposed and turned by 180 degrees, for the gradient of the input.
//
// Per block of tiles, in cache: the 4x4 input patches are transformed (V = Bt d B), then 16 matrix products
// M[xi] = V[xi] U[xi] over the channels (U = G g Gt, the transformed weights), then each 4x4 of M goes back to
// 2x2 outputs (Y = At M A). F(2x2, 3x3) transforms use only 0, +-1 and 1/2, so its rounding stays within a
// few units of a direct convolution's (F(4x4, 3x3) saves more multiplications but amplifies rounding).
// Against oneDNN 2.6's direct kernel on AVX2 (2 threads): 64x32x14x14 -> 64 2.9 ms against 5.5,
// 64x64x7x7 -> 128 3.3-3.9 against 5.5-6.4, 8x64x56x56 -> 64 12.6 against 30.
#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "antorcha/conv_winograd.h"
#include "antorcha/dnnl_context.h"
#include "antorcha/gemm_kernel.h"
#include "antorcha/parallel.h"

namespace antorcha {

#if defined(__AVX2__) && defined(__FMA__)
namespace {

using gemm::kCols;
using gemm::kRows;

// M[rows x OC] = V[rows x IC] * U[IC x OC], V and M row-major, U packed in panels of kCols output channels
// ([OC / kCols][IC][kCols]: each register tile reads one contiguous panel, whatever OC's power of two).
void block_product(const float* v, const float* u, float* m, int64_t rows, int64_t IC, int64_t OC) {
  for (int64_t j = 0; j < OC; j += kCols) {
    const float* panel = u + j * IC;
    for (int64_t r = 0; r < rows; r += kRows)
      gemm::tile_rows(static_cast<int>(std::min<int64_t>(kRows, rows - r)), v + r * IC, IC, panel, kCols,
                      m + r * OC + j, OC, IC);
  }
}

// U[xi] = (G g G^T)[xi] for the 3x3 filter g of (oc, ic), read through `tap(oc, ic, i, j)`; each U[xi] is
// stored in block_product's panels: element (ic, oc) at ((oc / kCols) * IC + ic) * kCols + oc % kCols.
template <typename Tap>
void transform_weights(float* u, int64_t IC, int64_t OC, const Tap& tap) {
  // Across input channels, output channels inner: each of the 16 positions is written in runs along oc.
  parallel_for(IC, 4, [&](int64_t begin, int64_t end) {
    for (int64_t ic = begin; ic < end; ++ic)
      for (int64_t oc = 0; oc < OC; ++oc) {
        float g[3][3], t[4][3];
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) g[i][j] = tap(oc, ic, i, j);
        for (int j = 0; j < 3; ++j) {  // G g: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
          t[0][j] = g[0][j];
          t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
          t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
          t[3][j] = g[2][j];
        }
        for (int i = 0; i < 4; ++i) {  // (G g) G^T: the same on the columns
          float* row = u + (i * 4) * IC * OC + ((oc / kCols) * IC + ic) * kCols + oc % kCols;
          row[0] = t[i][0];
          row[IC * OC] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
          row[2 * IC * OC] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
          row[3 * IC * OC] = t[i][2];
        }
      }
  });
}

// V = Bt d B for one tile, each of its 16 values a run of IC channels: d[a][c] points at the input pixel of
// patch row a, column c (or at zeros); position xi of the result goes to v + xi * vs. Bt d B takes rows
// d0 - d2, d1 + d2, d2 - d1, d1 - d3, then the same on the columns.
void input_tile(const float* const (&d)[4][4], float* v, int64_t vs, int64_t IC) {
  const float* __restrict__ d00 = d[0][0]; const float* __restrict__ d01 = d[0][1];
  const float* __restrict__ d02 = d[0][2]; const float* __restrict__ d03 = d[0][3];
  const float* __restrict__ d10 = d[1][0]; const float* __restrict__ d11 = d[1][1];
  const float* __restrict__ d12 = d[1][2]; const float* __restrict__ d13 = d[1][3];
  const float* __restrict__ d20 = d[2][0]; const float* __restrict__ d21 = d[2][1];
  const float* __restrict__ d22 = d[2][2]; const float* __restrict__ d23 = d[2][3];
  const float* __restrict__ d30 = d[3][0]; const float* __restrict__ d31 = d[3][1];
  const float* __restrict__ d32 = d[3][2]; const float* __restrict__ d33 = d[3][3];
  float* __restrict__ o0 = v;           float* __restrict__ o1 = v + vs;
  float* __restrict__ o2 = v + 2 * vs;   float* __restrict__ o3 = v + 3 * vs;
  float* __restrict__ o4 = v + 4 * vs;   float* __restrict__ o5 = v + 5 * vs;
  float* __restrict__ o6 = v + 6 * vs;   float* __restrict__ o7 = v + 7 * vs;
  float* __restrict__ o8 = v + 8 * vs;   float* __restrict__ o9 = v + 9 * vs;
  float* __restrict__ o10 = v + 10 * vs; float* __restrict__ o11 = v + 11 * vs;
  float* __restrict__ o12 = v + 12 * vs; float* __restrict__ o13 = v + 13 * vs;
  float* __restrict__ o14 = v + 14 * vs; float* __restrict__ o15 = v + 15 * vs;
#pragma omp simd
  for (int64_t i = 0; i < IC; ++i) {
    const float r00 = d00[i] - d20[i], r01 = d01[i] - d21[i], r02 = d02[i] - d22[i], r03 = d03[i] - d23[i];
    const float r10 = d10[i] + d20[i], r11 = d11[i] + d21[i], r12 = d12[i] + d22[i], r13 = d13[i] + d23[i];
    const float r20 = d20[i] - d10[i], r21 = d21[i] - d11[i], r22 = d22[i] - d12[i], r23 = d23[i] - d13[i];
    const float r30 = d10[i] - d30[i], r31 = d11[i] - d31[i], r32 = d12[i] - d32[i], r33 = d13[i] - d33[i];
    o0[i] = r00 - r02;  o1[i] = r01 + r02;  o2[i] = r02 - r01;  o3[i] = r01 - r03;
    o4[i] = r10 - r12;  o5[i] = r11 + r12;  o6[i] = r12 - r11;  o7[i] = r11 - r13;
    o8[i] = r20 - r22;  o9[i] = r21 + r22;  o10[i] = r22 - r21; o11[i] = r21 - r23;
    o12[i] = r30 - r32; o13[i] = r31 + r32; o14[i] = r32 - r31; o15[i] = r31 - r33;
  }
}

// Y = At M A + bias (then ReLU) for one tile: m + xi * ms holds position xi of M (a run of OC channels); the
// 2x2 outputs go to y00, y01, y10, y11. At M takes rows m0 + m1 + m2 and m1 - m2 - m3, then the same on columns.
template <bool Relu>
void output_tile(const float* m, int64_t ms, const float* __restrict__ bias, float* __restrict__ y00,
                 float* __restrict__ y01, float* __restrict__ y10, float* __restrict__ y11, int64_t OC) {
  const auto act = [](float v) { return Relu ? std::max(v, 0.0f) : v; };
  const float* __restrict__ q[16];
  for (int k = 0; k < 16; ++k) q[k] = m + k * ms;
  for (int64_t o = 0; o < OC; ++o) {
    const float s00 = q[0][o] + q[4][o] + q[8][o], s10 = q[4][o] - q[8][o] - q[12][o];
    const float s01 = q[1][o] + q[5][o] + q[9][o], s11 = q[5][o] - q[9][o] - q[13][o];
    const float s02 = q[2][o] + q[6][o] + q[10][o], s12 = q[6][o] - q[10][o] - q[14][o];
    const float s03 = q[3][o] + q[7][o] + q[11][o], s13 = q[7][o] - q[11][o] - q[15][o];
    y00[o] = act(s00 + s01 + s02 + bias[o]);
    y01[o] = act(s01 - s02 - s03 + bias[o]);
    y10[o] = act(s10 + s11 + s12 + bias[o]);
    y11[o] = act(s11 - s12 - s13 + bias[o]);
  }
}

}  // namespace

bool conv2d_winograd(const TensorArg& out, const TensorArg& in, const TensorArg& w, const TensorArg* bias,
                     const ConvParams& p, bool data_gradient, bool relu, const TensorArg* transformed) {
  if (!own_avx2_kernels()) return false;
  if (in.dtype != DType::float32 || out.dtype != DType::float32 || w.dtype != DType::float32) return false;
  if (in.ndim != 4 || out.ndim != 4 || w.ndim != 4 || w.shape[2] != 3 || w.shape[3] != 3 || !w.is_contiguous()) return false;
  if (p.sh != 1 || p.sw != 1 || p.ph != 1 || p.pw != 1 || p.dh != 1 || p.dw != 1 || p.groups != 1) return false;
  const int64_t N = in.shape[0], IC = in.shape[1], H = in.shape[2], W = in.shape[3], OC = out.shape[1];
  if (out.shape[0] != N || out.shape[2] != H || out.shape[3] != W || N * H * W == 0) return false;
  // Weights [K, C, 3, 3]: forward maps C -> K; the input's gradient maps K -> C with the filters turned.
  if ((data_gradient ? w.shape[0] != IC || w.shape[1] != OC : w.shape[0] != OC || w.shape[1] != IC)) return false;
  // Channels-last activations; enough channels that the transforms are cheap next to the products.
  if (in.strides[1] != 1 || out.strides[1] != 1 || in.strides[3] != IC || out.strides[3] != OC) return false;
  if (OC % kCols != 0 || IC < 16) return false;
  // Up to 256 x 256 channels, or 512 x 512 with the transformed weights prepared by the caller: beyond
  // 256 x 256 the per-call weight transform (16 * IC * OC floats written in 16 streams) costs more than the
  // multiplications save (8x512x7x7 -> 512: 25 ms against 19 for unfolded rows; 12 ms prepared).
  const bool prepared = !data_gradient && is_packed_layout(transformed, {16, OC / kCols, IC, kCols});
  if (IC * OC > (prepared ? 512 * 512 : 256 * 256)) return false;
  if (bias && (bias->dtype != DType::float32 || bias->numel != OC || !bias->is_contiguous())) return false;

  const float* u;
  if (prepared) {
    u = transformed->ptr<const float>();
  } else {
    const float* wt = w.ptr<const float>();
    const int64_t wC = w.shape[1];
    // Kernels run on one thread at a time: one buffer for the transformed weights serves every call.
    static std::vector<float> u_buffer;
    float* const fresh = gemm::aligned_floats(u_buffer, static_cast<size_t>(16 * IC * OC));
    if (data_gradient) {
      transform_weights(fresh, IC, OC, [&](int64_t oc, int64_t ic, int i, int j) {
        return wt[((ic * wC + oc) * 3 + (2 - i)) * 3 + (2 - j)];
      });
    } else {
      transform_weights(fresh, IC, OC, [&](int64_t oc, int64_t ic, int i, int j) {
        return wt[((oc * wC + ic) * 3 + i) * 3 + j];
      });
    }
    u = fresh;
  }

  const int64_t TH = (H + 1) / 2, TW = (W + 1) / 2, tiles = N * TH * TW;
  // Tiles per block: V and M of a block (16 * tiles * (IC + OC) floats) within about 512 KiB, so that each
  // block's products reuse the transformed weights (16 * IC * OC floats) over enough tiles. Past 256 x 256
  // channels that would be a handful of tiles per pass over megabytes of weights: there, blocks of the
  // tiles split three ways per thread (the 7x7 maps these layers have give 16 tiles an image).
  int64_t per_block = std::max<int64_t>(kRows, std::min<int64_t>(96, (131072 / (16 * (IC + OC))) / kRows * kRows));
  if (IC * OC > 256 * 256) {
    const int64_t share = (tiles + 3 * num_threads() - 1) / (3 * num_threads());
    per_block = std::clamp<int64_t>((share + kRows - 1) / kRows * kRows, kRows, 96);
  }
  const int64_t blocks = (tiles + per_block - 1) / per_block;
  const float* x = in.ptr<const float>();
  float* y = out.ptr<float>();
  const float* b = bias ? bias->ptr<const float>() : nullptr;
  const int64_t isn = in.strides[0], ish = in.strides[2], isw = in.strides[3];
  const int64_t osn = out.strides[0], osh = out.strides[2], osw = out.strides[3];

  parallel_items(blocks, [&](int64_t blk) {
    FlushDenormals ftz;
    // Per-thread staging, kept between calls: V and M of one block, a run of zeros (padding), the outputs of a
    // tile over the edge, a zero bias.
    static thread_local std::vector<float> v, m, zeros, edge, zero_bias;
    v.resize(static_cast<size_t>(16 * per_block * IC));
    m.resize(static_cast<size_t>(16 * per_block * OC));
    zeros.resize(static_cast<size_t>(IC));  // zero-filled when grown, never written
    edge.resize(static_cast<size_t>(4 * OC));
    zero_bias.resize(static_cast<size_t>(OC));
    const int64_t t0 = blk * per_block, count = std::min(per_block, tiles - t0);
    // Input transform: V[xi][t][ic] = (Bt d B)[xi], d the 4x4 patch at (2i - 1, 2j - 1), zero outside.
    for (int64_t t = 0; t < count; ++t) {
      const int64_t g = t0 + t, n = g / (TH * TW), ti = (g / TW) % TH, tj = g % TW;
      const float* d[4][4];
      for (int a = 0; a < 4; ++a)
        for (int c = 0; c < 4; ++c) {
          const int64_t yy = 2 * ti - 1 + a, xx = 2 * tj - 1 + c;
          d[a][c] = (yy < 0 || yy >= H || xx < 0 || xx >= W) ? zeros.data() : x + n * isn + yy * ish + xx * isw;
        }
      input_tile(d, v.data() + t * IC, per_block * IC, IC);
    }
    for (int xi = 0; xi < 16; ++xi)
      block_product(v.data() + xi * per_block * IC, u + xi * IC * OC, m.data() + xi * per_block * OC, count, IC, OC);
    // Output transform: Y = At M A (rows m0 + m1 + m2, m1 - m2 - m3), plus the bias, inside the image only.
    const int64_t ms = per_block * OC;
    for (int64_t t = 0; t < count; ++t) {
      const int64_t g = t0 + t, n = g / (TH * TW), ti = (g / TW) % TH, tj = g % TW;
      const float* mt = m.data() + t * OC;
      const bool whole = 2 * ti + 1 < H && 2 * tj + 1 < W;
      float* y00 = whole ? y + n * osn + 2 * ti * osh + 2 * tj * osw : edge.data();
      float* y01 = whole ? y00 + osw : edge.data() + OC;
      float* y10 = whole ? y00 + osh : edge.data() + 2 * OC;
      float* y11 = whole ? y00 + osh + osw : edge.data() + 3 * OC;
      if (relu) output_tile<true>(mt, ms, b ? b : zero_bias.data(), y00, y01, y10, y11, OC);
      else output_tile<false>(mt, ms, b ? b : zero_bias.data(), y00, y01, y10, y11, OC);
      if (!whole) {  // a tile over the bottom or right edge: only the outputs inside the image
        for (int a = 0; a < 2; ++a)
          for (int c = 0; c < 2; ++c) {
            const int64_t yy = 2 * ti + a, xx = 2 * tj + c;
            if (yy < H && xx < W) std::memcpy(y + n * osn + yy * osh + xx * osw, edge.data() + (a * 2 + c) * OC, OC * sizeof(float));
          }
      }
    }
  });
  return true;
}

#else

bool conv2d_winograd(const TensorArg&, const TensorArg&, const TensorArg&, const TensorArg*, const ConvParams&, bool, bool,
                     const TensorArg*) {
  return false;  // built without AVX2 and FMA: oneDNN's kernels run instead
}

#endif

}  // namespace antorcha
