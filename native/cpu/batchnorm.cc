// Batch normalisation forward and backward on oneDNN, over [N, C, ...] activations described by their strides
// (channels-last runs without reorders). Training computes the batch mean and biased variance, which
// TypeScript saves for backward and folds into the running statistics.
#include <string>

#include "antorcha/dnnl_context.h"
#include "antorcha/kernels.h"

namespace antorcha {
namespace {

dnnl::memory::desc channel_md(int64_t c) {
  return dnnl::memory::desc({c}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
}

void check_channels(const TensorArg& t, int64_t c, const char* what) {
  if (t.dtype != DType::float32 || t.ndim != 1 || t.shape[0] != c || !t.is_contiguous())
    fail(std::string("batchNorm: ") + what + " must be a contiguous float32 vector of length C");
}


}  // namespace

// out, in, mean, var, training, affine [, scale, shift], eps, relu [, workspace (training with relu)]
// relu fuses max(0, .) into the normalisation (oneDNN's fuse_norm_relu); training then records which
// outputs were positive in the workspace, for the backward pass.
void k_batch_norm(ArgReader& r) {
  TensorArg out = r.tensor(), in = r.tensor(), mean = r.tensor(), var = r.tensor();
  bool training = r.i32() != 0, affine = r.i32() != 0;
  TensorArg scale, shift;
  if (affine) {
    scale = r.tensor();
    shift = r.tensor();
  }
  float eps = static_cast<float>(r.f64());
  const bool relu = r.i32() != 0;
  TensorArg ws;
  if (relu && training) ws = r.tensor();
  if (in.ndim < 2 || out.ndim != in.ndim) fail("batchNorm: expected input of shape [N, C, ...]");
  const int64_t C = in.shape[1];
  check_channels(mean, C, "mean");
  check_channels(var, C, "variance");
  if (affine) {
    check_channels(scale, C, "weight");
    check_channels(shift, C, "bias");
  }
  if (in.numel == 0) return;
  auto md = strided_md(in), out_md = strided_md(out);
  if (!(md == out_md)) fail("batchNorm: output must have the input's layout");
  auto flags = dnnl::normalization_flags::none;
  if (affine) flags = flags | dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  if (!training) flags = flags | dnnl::normalization_flags::use_global_stats;
  if (relu) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
  std::string key = training ? "bn_train" : "bn_eval";
  append_key(key, in);
  key += affine ? "a" : "n";
  key += relu ? "r" : "-";
  key += std::to_string(eps);
  CachedPrimitive& prim = cached_primitive(key, [&] {
    dnnl::batch_normalization_forward::desc d(training ? dnnl::prop_kind::forward_training
                                                       : dnnl::prop_kind::forward_inference,
                                              md, eps, flags);
    dnnl::batch_normalization_forward::primitive_desc pd(d, scratchpad_attr(), cpu_engine());
    CachedPrimitive c{dnnl::batch_normalization_forward(pd), pd.scratchpad_desc(), pd.impl_info_str()};
    c.extra = pd.workspace_desc();
    return c;
  });
  auto cmd = channel_md(C);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, dnnl::memory(md, cpu_engine(), in.data)},
                                             {DNNL_ARG_DST, dnnl::memory(md, cpu_engine(), out.data)},
                                             {DNNL_ARG_MEAN, dnnl::memory(cmd, cpu_engine(), mean.data)},
                                             {DNNL_ARG_VARIANCE, dnnl::memory(cmd, cpu_engine(), var.data)}};
  if (affine) {
    args.insert({DNNL_ARG_SCALE, dnnl::memory(cmd, cpu_engine(), scale.data)});
    args.insert({DNNL_ARG_SHIFT, dnnl::memory(cmd, cpu_engine(), shift.data)});
  }
  if (relu && training) {
    if (ws.dtype != DType::uint8 || !ws.is_contiguous() || static_cast<size_t>(ws.numel) < prim.extra.get_size())
      fail("batchNorm: workspace too small");
    args.insert({DNNL_ARG_WORKSPACE, dnnl::memory(prim.extra, cpu_engine(), ws.data)});
  }
  execute(prim, args);
}

// grad_in, affine [, grad_scale, grad_shift, scale], grad_out, in, mean, var, training, eps, relu [, workspace]
void k_batch_norm_backward(ArgReader& r) {
  TensorArg grad_in = r.tensor();
  bool affine = r.i32() != 0;
  TensorArg grad_scale, grad_shift, scale;
  if (affine) {
    grad_scale = r.tensor();
    grad_shift = r.tensor();
    scale = r.tensor();
  }
  TensorArg grad_out = r.tensor(), in = r.tensor(), mean = r.tensor(), var = r.tensor();
  bool training = r.i32() != 0;
  float eps = static_cast<float>(r.f64());
  const bool relu = r.i32() != 0;
  TensorArg ws;
  if (relu) ws = r.tensor();
  if (relu && !training) fail("batchNorm backward: the fused ReLU is recorded in training only");
  if (in.ndim < 2) fail("batchNorm backward: expected input of shape [N, C, ...]");
  const int64_t C = in.shape[1];
  check_channels(mean, C, "mean");
  check_channels(var, C, "variance");
  if (affine) {
    check_channels(grad_scale, C, "weight gradient");
    check_channels(grad_shift, C, "bias gradient");
    check_channels(scale, C, "weight");
  }
  if (in.numel == 0) return;
  auto md = strided_md(in), diff_md = strided_md(grad_out), diff_src_md = strided_md(grad_in);
  auto flags = dnnl::normalization_flags::none;
  if (affine) flags = flags | dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  if (!training) flags = flags | dnnl::normalization_flags::use_global_stats;
  if (relu) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
  std::string key = training ? "bn_bwd_train" : "bn_bwd_eval";
  append_key(key, in);
  append_key(key, grad_out);
  append_key(key, grad_in);
  key += affine ? "a" : "n";
  key += relu ? "r" : "-";
  key += std::to_string(eps);
  CachedPrimitive& prim = cached_primitive(key, [&] {
    dnnl::batch_normalization_forward::desc hd(dnnl::prop_kind::forward_training, md, eps, flags);
    dnnl::batch_normalization_forward::primitive_desc hint(hd, cpu_engine());
    // oneDNN wants diff_src and diff_dst in one layout; TypeScript allocates grad_in like grad_out.
    dnnl::batch_normalization_backward::desc d(affine ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data,
                                               diff_md, md, eps, flags);
    dnnl::batch_normalization_backward::primitive_desc pd(d, scratchpad_attr(), cpu_engine(), hint);
    CachedPrimitive c{dnnl::batch_normalization_backward(pd), pd.scratchpad_desc(), pd.impl_info_str()};
    c.extra = pd.workspace_desc();
    return c;
  });
  if (!(diff_src_md == diff_md)) fail("batchNorm backward: input gradient must have the output gradient's layout");
  auto cmd = channel_md(C);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, dnnl::memory(md, cpu_engine(), in.data)},
                                             {DNNL_ARG_DIFF_DST, dnnl::memory(diff_md, cpu_engine(), grad_out.data)},
                                             {DNNL_ARG_DIFF_SRC, dnnl::memory(diff_md, cpu_engine(), grad_in.data)},
                                             {DNNL_ARG_MEAN, dnnl::memory(cmd, cpu_engine(), mean.data)},
                                             {DNNL_ARG_VARIANCE, dnnl::memory(cmd, cpu_engine(), var.data)}};
  if (affine) {
    args.insert({DNNL_ARG_SCALE, dnnl::memory(cmd, cpu_engine(), scale.data)});
    // NOTE: oneDNN 2.6 refuses to run the backward pass without a shift argument, although the gradients
    // do not depend on it; the scale's memory stands in for it.
    args.insert({DNNL_ARG_SHIFT, dnnl::memory(cmd, cpu_engine(), scale.data)});
    args.insert({DNNL_ARG_DIFF_SCALE, dnnl::memory(cmd, cpu_engine(), grad_scale.data)});
    args.insert({DNNL_ARG_DIFF_SHIFT, dnnl::memory(cmd, cpu_engine(), grad_shift.data)});
  }
  if (relu) {
    if (ws.dtype != DType::uint8 || !ws.is_contiguous() || static_cast<size_t>(ws.numel) < prim.extra.get_size())
      fail("batchNorm backward: workspace too small");
    args.insert({DNNL_ARG_WORKSPACE, dnnl::memory(prim.extra, cpu_engine(), ws.data)});
  }
  execute(prim, args);
}

}  // namespace antorcha
