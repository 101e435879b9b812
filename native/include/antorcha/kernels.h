// Every kernel reads its arguments from the tape; the order of reads is its contract with
// src/backend/kernels.ts.
#pragma once
#include "tensor_arg.h"

namespace antorcha {

using KernelFn = void (*)(ArgReader&);

void k_fill(ArgReader&);
void k_copy(ArgReader&);
void k_unary(ArgReader&);
void k_binary(ArgReader&);
void k_binary_scalar(ArgReader&);
void k_where(ArgReader&);
void k_clamp(ArgReader&);
void k_reduce(ArgReader&);
void k_arg_reduce(ArgReader&);
void k_softmax(ArgReader&);
void k_log_softmax(ArgReader&);
void k_matmul(ArgReader&);
void k_index_select(ArgReader&);
void k_index_add(ArgReader&);
void k_gather(ArgReader&);
void k_scatter(ArgReader&);
void k_scatter_add(ArgReader&);
void k_rand_uniform(ArgReader&);
void k_rand_normal(ArgReader&);
void k_rand_int(ArgReader&);
void k_manual_seed(ArgReader&);
void k_conv2d(ArgReader&);
void k_conv2d_backward_data(ArgReader&);
void k_conv2d_backward_weight(ArgReader&);
void k_batch_norm(ArgReader&);
void k_batch_norm_backward(ArgReader&);
void k_pool2d(ArgReader&);
void k_pool2d_backward(ArgReader&);
void k_rnn(ArgReader&);
void k_rnn_backward(ArgReader&);
void k_channel_stats(ArgReader&);
void k_channel_affine(ArgReader&);
void k_channel_norm_backward(ArgReader&);
void k_adam_step(ArgReader&);
void k_channel_affine_pool(ArgReader&);

}  // namespace antorcha
