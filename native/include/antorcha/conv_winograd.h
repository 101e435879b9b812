// 3x3, stride-1, padding-1 float32 convolutions by Winograd's F(2x2, 3x3) (native/cpu/conv_winograd.cc).
#pragma once
#include "conv_gemm.h"

namespace antorcha {

// out = relu?(conv(in, w) + bias) (forward; w [OC, IC, 3, 3]), or with `data_gradient` the input's gradient
// out = conv(in = the output's gradient, w transposed and turned by 180 degrees; w [OC', IC', 3, 3] with
// IC' = out's channels). Activations channels-last. `transformed` (or null, forward only) is U = G w G^T already
// laid out as [16][OC/16][IC][16]. Returns false, touching nothing, when the case is not one this path takes
// (the caller then runs oneDNN).
bool conv2d_winograd(const TensorArg& out, const TensorArg& in, const TensorArg& w, const TensorArg* bias,
                     const ConvParams& p, bool data_gradient, bool relu = false, const TensorArg* transformed = nullptr);

}  // namespace antorcha
