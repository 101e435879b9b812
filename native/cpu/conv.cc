// 2-D convolution forward and backward. float32 passes go to the library's own paths where they take the case
// (Winograd for 3x3 stride-1, unfolded rows times packed weights for other forward passes, im2col + sgemm for
// weight gradients), everything else to oneDNN. Activations are described to oneDNN by their strides, so
// channels-last tensors (the layout antorcha's CNN ops produce) run without reorders; weights are reordered
// into the layout the primitive wants with cached reorder primitives.
#include <string>

#include "antorcha/conv_gemm.h"
#include "antorcha/conv_winograd.h"
#include "antorcha/dnnl_context.h"
#include "antorcha/kernels.h"
#include "antorcha/weight_cache.h"

namespace antorcha {
namespace {

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;

dims weight_dims(const TensorArg& w, int64_t groups) {
  if (groups == 1) return dims(w.shape, w.shape + 4);
  return {groups, w.shape[0] / groups, w.shape[1], w.shape[2], w.shape[3]};
}
tag weight_tag(int64_t groups) { return groups == 1 ? tag::oihw : tag::goihw; }

dnnl::convolution_forward::desc forward_desc(const dnnl::memory::desc& src, const dnnl::memory::desc& wei,
                                             const dnnl::memory::desc* bias, const dnnl::memory::desc& dst,
                                             const ConvParams& p, dnnl::prop_kind kind) {
  dims strides{p.sh, p.sw}, dil{p.dh - 1, p.dw - 1}, pad{p.ph, p.pw};
  if (bias)
    return dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src, wei, *bias, dst, strides,
                                           dil, pad, pad);
  return dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src, wei, dst, strides, dil, pad,
                                         pad);
}


// A cache key for a plain or blocked memory descriptor.
std::string md_key(const dnnl::memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  std::string k = "|" + std::to_string(d.data_type) + ":" + std::to_string(d.format_kind);
  for (int i = 0; i < d.ndims; ++i) k += "," + std::to_string(d.dims[i]) + "/" + std::to_string(d.padded_dims[i]);
  if (d.format_kind == dnnl_blocked) {
    const auto& b = d.format_desc.blocking;
    for (int i = 0; i < d.ndims; ++i) k += "s" + std::to_string(b.strides[i]);
    for (int i = 0; i < b.inner_nblks; ++i) k += "b" + std::to_string(b.inner_blks[i]) + "@" + std::to_string(b.inner_idxs[i]);
  }
  return k;
}

// Reorders between two descriptors of the same tensor (cached).
void reorder(const dnnl::memory& from, const dnnl::memory& to) {
  if (from.get_desc() == to.get_desc()) return;
  std::string key = "reorder" + md_key(from.get_desc()) + md_key(to.get_desc());
  CachedPrimitive& p = cached_primitive(key, [&] {
    dnnl::reorder::primitive_desc pd(cpu_engine(), from.get_desc(), cpu_engine(), to.get_desc(), scratchpad_attr());
    return CachedPrimitive{dnnl::reorder(pd), pd.scratchpad_desc(), pd.impl_info_str()};
  });
  execute(p, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

// Staging memory for reordered weights, reused across calls (kernels run one at a time, each stages one
// weight): a fresh vector per call zeroed and page-faulted up to 9 MB per convolution, more than the reorder.
char* staging(size_t bytes) {
  static std::vector<char> buffer;
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer.data();
}

// A memory in the wanted descriptor: the user's when it already matches, else a staged copy.
struct Staged {
  dnnl::memory mem;
  Staged(const dnnl::memory& user, const dnnl::memory::desc& want, bool copy_in) {
    if (user.get_desc() == want) {
      mem = user;
      return;
    }
    mem = dnnl::memory(want, cpu_engine(), staging(want.get_size()));
    if (copy_in) reorder(user, mem);
  }
};

void check_conv_args(const TensorArg& in, const TensorArg& w, const TensorArg& out, const ConvParams& p) {
  if (in.ndim != 4 || w.ndim != 4 || out.ndim != 4) fail("conv2d: expected 4-D input, weight and output");
  if (in.dtype != w.dtype || out.dtype != in.dtype) fail("conv2d: dtypes of input, weight and output must match");
  if (p.groups < 1 || in.shape[1] != w.shape[1] * p.groups || w.shape[0] % p.groups != 0)
    fail("conv2d: channels do not match the weight and groups");
  if (p.sh < 1 || p.sw < 1 || p.dh < 1 || p.dw < 1 || p.ph < 0 || p.pw < 0) fail("conv2d: invalid stride, padding or dilation");
  if (in.dtype != DType::float32 && in.dtype != DType::bfloat16) fail("conv2d: only float32 and bfloat16 are supported");
}

}  // namespace

// Forward convolution. Optional post-ops run inside the primitive on each output tile while it is still in
// cache: `+ residual` (a tensor of the output's shape) then ReLU — an inference block's shortcut and
// activation without two more passes over memory.
void k_conv2d(ArgReader& r) {
  TensorArg out = r.tensor(), in = r.tensor(), w = r.tensor();
  bool has_bias = r.i32() != 0;
  TensorArg bias;
  if (has_bias) bias = r.tensor();
  ConvParams p;
  p.read(r);
  const int32_t post = r.i32();
  const bool relu = (post & 1) != 0, has_residual = (post & 2) != 0, inference = (post & 4) != 0;
  const bool has_packed = (post & 8) != 0;
  const bool immutable_weight = (post & 16) != 0;  // the caller never changes it: stage it once (weight_cache.h)
  TensorArg residual, packed;
  if (has_residual) residual = r.tensor();
  if (has_packed) packed = r.tensor();
  check_conv_args(in, w, out, p);
  if (has_residual) {
    if (residual.ndim != 4 || residual.dtype != out.dtype) fail("conv2d: the residual must be a 4-D tensor of the output's dtype");
    for (int d = 0; d < 4; ++d)
      if (residual.shape[d] != out.shape[d]) fail("conv2d: the residual's shape must equal the output's");
  }
  if (out.numel == 0) return;
  // A weight the caller prepared once (eval-mode folded weights) in the layout of one of the own paths.
  const TensorArg* prepared = has_packed ? &packed : nullptr;
  if (!has_residual && conv2d_winograd(out, in, w, has_bias ? &bias : nullptr, p, false, relu, prepared)) return;
  if (conv2d_forward_gemm(out, in, w, has_bias ? &bias : nullptr, has_residual ? &residual : nullptr, relu, p, prepared))
    return;
  auto src_md = strided_md(in), dst_md = strided_md(out);
  auto wei_user = dnnl::memory::desc(weight_dims(w, p.groups), dnnl_type(w.dtype), weight_tag(p.groups));
  auto wei_any = dnnl::memory::desc(weight_dims(w, p.groups), dnnl_type(w.dtype), tag::any);
  dnnl::memory::desc bias_md, residual_md;
  if (has_bias) bias_md = dnnl::memory::desc({bias.shape[0]}, dnnl_type(bias.dtype), tag::a);
  if (has_residual) residual_md = strided_md(residual);
  std::string key = "conv";
  append_key(key, in);
  append_key(key, w);
  append_key(key, out);
  key += has_bias ? "b" : "n";
  key += "p" + std::to_string(post);
  if (has_residual) append_key(key, residual);
  p.key(key);
  CachedPrimitive& prim = cached_primitive(key, [&] {
    auto kind = inference ? dnnl::prop_kind::forward_inference : dnnl::prop_kind::forward_training;
    auto d = forward_desc(src_md, wei_any, has_bias ? &bias_md : nullptr, dst_md, p, kind);
    dnnl::primitive_attr attr = scratchpad_attr();
    dnnl::post_ops ops;
    if (has_residual) ops.append_binary(dnnl::algorithm::binary_add, residual_md);
    if (relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
    dnnl::convolution_forward::primitive_desc pd(d, attr, cpu_engine());
    CachedPrimitive c{dnnl::convolution_forward(pd), pd.scratchpad_desc(), pd.impl_info_str()};
    c.extra = pd.weights_desc();
    return c;
  });
  dnnl::memory wei_mem(wei_user, cpu_engine(), w.data);
  const dnnl::memory weights = immutable_weight && !(wei_user == prim.extra)
                                   ? staged_weight(w, wei_mem, prim.extra, md_key(prim.extra))
                                   : Staged(wei_mem, prim.extra, true).mem;
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, dnnl::memory(src_md, cpu_engine(), in.data)},
                                             {DNNL_ARG_WEIGHTS, weights},
                                             {DNNL_ARG_DST, dnnl::memory(dst_md, cpu_engine(), out.data)}};
  if (has_bias) args.insert({DNNL_ARG_BIAS, dnnl::memory(bias_md, cpu_engine(), bias.data)});
  if (has_residual)
    args.insert({DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, dnnl::memory(residual_md, cpu_engine(), residual.data)});
  execute(prim, args);
}

void k_conv2d_backward_data(ArgReader& r) {
  TensorArg grad_in = r.tensor(), grad_out = r.tensor(), w = r.tensor();
  ConvParams p;
  p.read(r);
  check_conv_args(grad_in, w, grad_out, p);
  if (grad_in.numel == 0) return;
  if (conv2d_winograd(grad_in, grad_out, w, nullptr, p, true)) return;
  auto diff_src_md = strided_md(grad_in), diff_dst_md = strided_md(grad_out);
  auto wei_user = dnnl::memory::desc(weight_dims(w, p.groups), dnnl_type(w.dtype), weight_tag(p.groups));
  auto wei_any = dnnl::memory::desc(weight_dims(w, p.groups), dnnl_type(w.dtype), tag::any);
  std::string key = "conv_bwd_data";
  append_key(key, grad_in);
  append_key(key, w);
  append_key(key, grad_out);
  p.key(key);
  CachedPrimitive& prim = cached_primitive(key, [&] {
    auto hint_d = forward_desc(diff_src_md, wei_any, nullptr, diff_dst_md, p, dnnl::prop_kind::forward_training);
    dnnl::convolution_forward::primitive_desc hint(hint_d, cpu_engine());
    dims strides{p.sh, p.sw}, dil{p.dh - 1, p.dw - 1}, pad{p.ph, p.pw};
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, diff_src_md, wei_any, diff_dst_md,
                                            strides, dil, pad, pad);
    dnnl::convolution_backward_data::primitive_desc pd(d, scratchpad_attr(), cpu_engine(), hint);
    CachedPrimitive c{dnnl::convolution_backward_data(pd), pd.scratchpad_desc(), pd.impl_info_str()};
    c.extra = pd.weights_desc();
    return c;
  });
  dnnl::memory wei_mem(wei_user, cpu_engine(), w.data);
  Staged wei(wei_mem, prim.extra, true);
  execute(prim, {{DNNL_ARG_DIFF_SRC, dnnl::memory(diff_src_md, cpu_engine(), grad_in.data)},
                 {DNNL_ARG_WEIGHTS, wei.mem},
                 {DNNL_ARG_DIFF_DST, dnnl::memory(diff_dst_md, cpu_engine(), grad_out.data)}});
}

void k_conv2d_backward_weight(ArgReader& r) {
  TensorArg grad_w = r.tensor();
  bool has_bias = r.i32() != 0;
  TensorArg grad_b;
  if (has_bias) grad_b = r.tensor();
  TensorArg in = r.tensor(), grad_out = r.tensor();
  ConvParams p;
  p.read(r);
  check_conv_args(in, grad_w, grad_out, p);
  if (!grad_w.is_contiguous()) fail("conv2d backward: weight gradient must be contiguous");
  if (conv2d_backward_weight_gemm(grad_w, has_bias ? &grad_b : nullptr, in, grad_out, p)) return;
  auto src_md = strided_md(in), diff_dst_md = strided_md(grad_out);
  auto wei_user = dnnl::memory::desc(weight_dims(grad_w, p.groups), dnnl_type(grad_w.dtype), weight_tag(p.groups));
  auto wei_any = dnnl::memory::desc(weight_dims(grad_w, p.groups), dnnl_type(grad_w.dtype), tag::any);
  dnnl::memory::desc bias_md;
  if (has_bias) bias_md = dnnl::memory::desc({grad_b.shape[0]}, dnnl_type(grad_b.dtype), tag::a);
  std::string key = "conv_bwd_weight";
  append_key(key, in);
  append_key(key, grad_w);
  append_key(key, grad_out);
  key += has_bias ? "b" : "n";
  p.key(key);
  CachedPrimitive& prim = cached_primitive(key, [&] {
    auto hint_d = forward_desc(src_md, wei_any, has_bias ? &bias_md : nullptr, diff_dst_md, p,
                               dnnl::prop_kind::forward_training);
    dnnl::convolution_forward::primitive_desc hint(hint_d, cpu_engine());
    dims strides{p.sh, p.sw}, dil{p.dh - 1, p.dw - 1}, pad{p.ph, p.pw};
    auto d = has_bias ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src_md, wei_any,
                                                                 bias_md, diff_dst_md, strides, dil, pad, pad)
                      : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src_md, wei_any,
                                                                 diff_dst_md, strides, dil, pad, pad);
    dnnl::convolution_backward_weights::primitive_desc pd(d, scratchpad_attr(), cpu_engine(), hint);
    CachedPrimitive c{dnnl::convolution_backward_weights(pd), pd.scratchpad_desc(), pd.impl_info_str()};
    c.extra = pd.diff_weights_desc();
    return c;
  });
  dnnl::memory wei_mem(wei_user, cpu_engine(), grad_w.data);
  Staged dw(wei_mem, prim.extra, false);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, dnnl::memory(src_md, cpu_engine(), in.data)},
                                             {DNNL_ARG_DIFF_DST, dnnl::memory(diff_dst_md, cpu_engine(), grad_out.data)},
                                             {DNNL_ARG_DIFF_WEIGHTS, dw.mem}};
  if (has_bias) args.insert({DNNL_ARG_DIFF_BIAS, dnnl::memory(bias_md, cpu_engine(), grad_b.data)});
  execute(prim, args);
  if (dw.mem.get_data_handle() != wei_mem.get_data_handle()) reorder(dw.mem, wei_mem);
}

}  // namespace antorcha
