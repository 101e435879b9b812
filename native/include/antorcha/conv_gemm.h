// Convolution passes computed as matrix products over unfolded input patches (im2col + GEMM).
#pragma once
#include <cstdint>

#include "tensor_arg.h"

namespace antorcha {

struct ConvShape {
  int64_t sh, sw, ph, pw, dh, dw, groups;  // dilation as PyTorch counts it (1 = none)
};

// Weight (and bias) gradient of a float32 2-D convolution whose output gradient is channels-last and dense.
// Returns false, touching nothing, when the case is not one this path takes (the caller then uses oneDNN).
bool conv2d_backward_weight_gemm(const TensorArg& grad_w, const TensorArg* grad_b, const TensorArg& in,
                                 const TensorArg& grad_out, const ConvShape& p);

}  // namespace antorcha
