// Convolution passes computed as matrix products over unfolded input patches (im2col + GEMM).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "tensor_arg.h"

namespace antorcha {

// Stride, padding, dilation (as PyTorch counts it: 1 = dense) and groups, in the tape's order.
struct ConvParams {
  int64_t sh, sw, ph, pw, dh, dw, groups;
  void read(ArgReader& r) {
    sh = r.i64(); sw = r.i64(); ph = r.i64(); pw = r.i64(); dh = r.i64(); dw = r.i64(); groups = r.i64();
  }
  void key(std::string& k) const {
    for (int64_t v : {sh, sw, ph, pw, dh, dw, groups}) k += ',' + std::to_string(v);
  }
};

// Whether `packed` (or null) is a contiguous float32 tensor of exactly `shape`: a weight prepared once by the
// caller (ops/conv.ts packConvWeight) in the layout one of the native paths reads.
inline bool is_packed_layout(const TensorArg* packed, std::initializer_list<int64_t> shape) {
  if (!packed || packed->dtype != DType::float32 || packed->ndim != static_cast<int>(shape.size()) || !packed->is_contiguous())
    return false;
  int d = 0;
  for (int64_t n : shape)
    if (packed->shape[d++] != n) return false;
  return true;
}

// Whether t (4-D) is channels-last and dense: its pixels, in (n, h, w) order, are the rows of a row-major
// [pixels x C] matrix.
bool channels_last_dense(const TensorArg& t);

// Columns [k0, k0 + depth) of rows [row0, row0 + rows) of the unfolded float32 input, rows `ld` floats apart in
// cols: column (kh * KW + kw) * C + c of output pixel row n * OH * OW + oh * OW + ow is input
// (n, c, oh * sh - ph + kh * dh, ow * sw - pw + kw * dw), zero in the padding, and column KH * KW * C is 1 (a
// bias column, for ranges that reach it).
void unfold_rows(const TensorArg& in, int64_t KH, int64_t KW, int64_t OH, int64_t OW, const ConvParams& p,
                 int64_t row0, int64_t rows, int64_t k0, int64_t depth, float* cols, int64_t ld);

// Weight (and bias) gradient of a float32 2-D convolution whose output gradient is channels-last and dense.
// Returns false, touching nothing, when the case is not one this path takes (the caller then uses oneDNN).
bool conv2d_backward_weight_gemm(const TensorArg& grad_w, const TensorArg* grad_b, const TensorArg& in,
                                 const TensorArg& grad_out, const ConvParams& p);

// out = relu?(conv(in, w) + bias + residual) for float32 channels-last activations (conv_forward_gemm.cc).
// `packed` (or null) is w already laid out as [O/16][KH][KW][C][16]. Returns false, touching nothing, when the
// case is not one this path takes (the caller then uses oneDNN).
bool conv2d_forward_gemm(const TensorArg& out, const TensorArg& in, const TensorArg& w, const TensorArg* bias,
                         const TensorArg* residual, bool relu, const ConvParams& p, const TensorArg* packed = nullptr);

}  // namespace antorcha
