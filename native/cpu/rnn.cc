// Recurrent layers (Elman RNN with tanh or ReLU, LSTM, GRU): forward and backward of one layer, one or both
// directions, over a whole sequence, on oneDNN's fused RNN primitives. Parameters arrive in PyTorch's layout
// and gate order ([G*H, in] per direction, two biases); they are packed here into oneDNN's ldgoi / ldgo
// layouts, and gradients unpacked the same way. PyTorch's GRU is oneDNN's linear-before-reset GRU with the
// gates r, z, n renamed and reordered to u (= z), r, o (= n); its fourth bias is PyTorch's b_hn.
// The bfloat16 configuration (autocast on CPUs whose oneDNN has bfloat16 kernels) takes bfloat16 sequences and
// hidden states with float32 cell states, parameters and biases (the weights are converted in the reorder
// into the primitive's layout); its backward takes and gives float32 gradients, as oneDNN's bfloat16 RNN does.
// bfloat16 LSTMs run on the library's own loop instead (cpu/lstm_loop.cc), behind the same kernels.
#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "antorcha/dnnl_context.h"
#include "antorcha/kernels.h"
#include "antorcha/rnn_layer.h"

namespace antorcha {
namespace {

using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;
using dt = dnnl::memory::data_type;
constexpr auto f32 = dt::f32;

using Mode = RnnMode;
using Config = RnnConfig;
using Params = RnnParams;

std::string config_key(const Config& c) {
  std::string k = "rnn" + std::to_string(static_cast<int>(c.mode));
  for (int64_t v : {c.D, c.T, c.N, c.I, c.H}) k += "," + std::to_string(v);
  return k + (c.reverse ? ",r" : "") + (c.bf16 ? ",bf16" : "");
}

// PyTorch's gate feeding oneDNN's gate g (GRU: u <- z, r <- r, o <- n).
int source_gate(const Config& c, int g) { return c.mode == Mode::gru && g < 2 ? 1 - g : g; }

// Memory descriptors of one configuration with sequences, hidden states and weights in `data`; the cell
// state (`iter_c`), the biases and the user's weights are float32 whatever `data` is.
struct Descs {
  dnnl::memory::desc src_layer, src_iter, iter_c, w_layer, w_iter, w_layer_user, w_iter_user, bias, dst_layer, dst_iter;
};

Descs descs_of(const Config& c, dt data) {
  const int64_t G = c.gates();
  Descs d;
  d.src_layer = dnnl::memory::desc({c.T, c.N, c.I}, data, tag::tnc);
  d.src_iter = dnnl::memory::desc({1, c.D, c.N, c.H}, data, tag::ldnc);
  d.iter_c = dnnl::memory::desc({1, c.D, c.N, c.H}, f32, tag::ldnc);
  d.w_layer = dnnl::memory::desc({1, c.D, c.I, G, c.H}, data, tag::any);
  d.w_iter = dnnl::memory::desc({1, c.D, c.H, G, c.H}, data, tag::any);
  d.w_layer_user = dnnl::memory::desc({1, c.D, c.I, G, c.H}, f32, tag::ldgoi);
  d.w_iter_user = dnnl::memory::desc({1, c.D, c.H, G, c.H}, f32, tag::ldgoi);
  d.bias = dnnl::memory::desc({1, c.D, c.bias_gates(), c.H}, f32, tag::ldgo);
  d.dst_layer = dnnl::memory::desc({c.T, c.N, c.D * c.H}, data, tag::tnc);
  d.dst_iter = dnnl::memory::desc({1, c.D, c.N, c.H}, data, tag::ldnc);
  return d;
}

// The descriptors of the configuration's forward data, and of every gradient (float32 for both dtypes).
Descs data_descs(const Config& c) { return descs_of(c, c.bf16 ? dt::bf16 : f32); }
Descs grad_descs(const Config& c) { return descs_of(c, f32); }

dnnl::rnn_direction direction(const Config& c) {
  if (c.D == 2) return dnnl::rnn_direction::bidirectional_concat;
  return c.reverse ? dnnl::rnn_direction::unidirectional_right2left : dnnl::rnn_direction::unidirectional_left2right;
}

// Forward and backward primitive descriptors of one configuration, built once (an LSTM's cost tens of ms).
struct RnnEntry {
  dnnl::primitive_desc fwd_train, fwd_infer, bwd;
  dnnl::primitive fwd_train_prim, fwd_infer_prim, bwd_prim;
  bool has_train = false, has_infer = false, has_bwd = false;
};

// What a call needs from an entry (the backward also needs the training forward, its hint).
enum class Pass { train, infer, backward };

dnnl::primitive_desc forward_pd(const Config& c, const Descs& d, dnnl::prop_kind kind) {
  const dnnl::memory::desc none;
  const auto dir = direction(c);
  auto attr = scratchpad_attr();
  switch (c.mode) {
    case Mode::lstm: {
      dnnl::lstm_forward::desc desc(kind, dir, d.src_layer, d.src_iter, d.iter_c, d.w_layer, d.w_iter, d.bias,
                                    d.dst_layer, d.dst_iter, d.iter_c);
      return dnnl::primitive_desc(&desc.data, &attr, cpu_engine(), nullptr);
    }
    case Mode::gru: {
      dnnl::lbr_gru_forward::desc desc(kind, dir, d.src_layer, d.src_iter, d.w_layer, d.w_iter, d.bias, d.dst_layer,
                                       d.dst_iter);
      return dnnl::primitive_desc(&desc.data, &attr, cpu_engine(), nullptr);
    }
    default: {
      auto act = c.mode == Mode::rnn_relu ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_tanh;
      dnnl::vanilla_rnn_forward::desc desc(kind, act, dir, d.src_layer, d.src_iter, d.w_layer, d.w_iter, d.bias,
                                           d.dst_layer, d.dst_iter);
      return dnnl::primitive_desc(&desc.data, &attr, cpu_engine(), nullptr);
    }
  }
}

dnnl::primitive_desc backward_pd(const Config& c, const dnnl::primitive_desc& hint) {
  const auto dir = direction(c);
  const Descs d = data_descs(c), g = grad_descs(c);
  auto attr = scratchpad_attr();
  // Gradients take the data layouts of their forward counterparts; weights' gradients any layout.
  switch (c.mode) {
    case Mode::lstm: {
      dnnl::lstm_backward::desc desc(dnnl::prop_kind::backward, dir, d.src_layer, d.src_iter, d.iter_c, d.w_layer,
                                     d.w_iter, d.bias, d.dst_layer, d.dst_iter, d.iter_c, g.src_layer, g.src_iter,
                                     g.iter_c, g.w_layer, g.w_iter, g.bias, g.dst_layer, g.dst_iter, g.iter_c);
      return dnnl::primitive_desc(&desc.data, &attr, cpu_engine(), hint.get());
    }
    case Mode::gru: {
      dnnl::lbr_gru_backward::desc desc(dnnl::prop_kind::backward, dir, d.src_layer, d.src_iter, d.w_layer, d.w_iter,
                                        d.bias, d.dst_layer, d.dst_iter, g.src_layer, g.src_iter, g.w_layer, g.w_iter,
                                        g.bias, g.dst_layer, g.dst_iter);
      return dnnl::primitive_desc(&desc.data, &attr, cpu_engine(), hint.get());
    }
    default: {
      auto act = c.mode == Mode::rnn_relu ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_tanh;
      dnnl::vanilla_rnn_backward::desc desc(dnnl::prop_kind::backward, act, dir, d.src_layer, d.src_iter, d.w_layer,
                                            d.w_iter, d.bias, d.dst_layer, d.dst_iter, g.src_layer, g.src_iter,
                                            g.w_layer, g.w_iter, g.bias, g.dst_layer, g.dst_iter);
      return dnnl::primitive_desc(&desc.data, &attr, cpu_engine(), hint.get());
    }
  }
}

// Entries by configuration, each primitive built on first use: a training run never builds the inference
// forward (building one costs milliseconds, and a packed sequence meets new segment shapes with every batch).
// A program uses a handful of sequence shapes; the map is cleared if it grows past kMaxEntries (a stream of
// ever-new lengths would otherwise keep every descriptor).
constexpr size_t kMaxEntries = 256;
RnnEntry& entry_for(const Config& c, Pass pass) {
  static std::unordered_map<std::string, RnnEntry> entries;
  const std::string key = config_key(c);
  auto it = entries.find(key);
  if (it == entries.end()) {
    if (entries.size() >= kMaxEntries) entries.clear();
    it = entries.emplace(key, RnnEntry{}).first;
  }
  RnnEntry& e = it->second;
  if (pass != Pass::infer && !e.has_train) {
    e.fwd_train = forward_pd(c, data_descs(c), dnnl::prop_kind::forward_training);
    e.fwd_train_prim = dnnl::primitive(e.fwd_train);
    e.has_train = true;
  }
  if (pass == Pass::infer && !e.has_infer) {
    e.fwd_infer = forward_pd(c, data_descs(c), dnnl::prop_kind::forward_inference);
    e.fwd_infer_prim = dnnl::primitive(e.fwd_infer);
    e.has_infer = true;
  }
  if (pass == Pass::backward && !e.has_bwd) {
    e.bwd = backward_pd(c, e.fwd_train);
    e.bwd_prim = dnnl::primitive(e.bwd);
    e.has_bwd = true;
  }
  return e;
}

dnnl::memory::desc arg_md(const dnnl::primitive_desc& pd, int arg) {
  return pd.query_md(dnnl::query::exec_arg_md, arg);
}

// Runs a primitive with the shared scratchpad.
void run(const dnnl::primitive& prim, const dnnl::primitive_desc& pd, std::unordered_map<int, dnnl::memory> args) {
  CachedPrimitive p{prim, pd.scratchpad_desc(), std::string("rnn"), dnnl::memory::desc()};
  execute(p, std::move(args));
}

// Copies between two layouts of the same tensor with a one-off reorder.
void reorder(dnnl::memory from, dnnl::memory to) {
  dnnl::reorder(from, to).execute(cpu_stream(), from, to);
  cpu_stream().wait();
}

// Staging buffers kept across calls (rnn_layer.h kept_buffer): a packed sequence runs a layer as many short
// primitive calls, and fresh megabyte vectors per call cost more in page faults than the recurrence itself.
enum Slot { kWeightsLayer, kWeightsIter, kWeightsLayerPrim, kWeightsIterPrim, kBias, kGradLayer, kGradIter,
            kGradBias, kUnpack };
struct PrimitiveBuffers;
template <typename T>
T* scratch(Slot slot, size_t count) { return kept_buffer<PrimitiveBuffers, T>(slot, count); }

// Packs PyTorch's [G*H, in] matrices of every direction into oneDNN's ldgoi block [1, D, G, H, in] in `slot`.
float* pack_weights(const Config& c, const std::vector<TensorArg>& w, int64_t in, Slot slot) {
  const int G = c.gates();
  float* out = scratch<float>(slot, static_cast<size_t>(c.D * G * c.H * in));
  for (int64_t d = 0; d < c.D; ++d)
    for (int g = 0; g < G; ++g)
      std::memcpy(out + (d * G + g) * c.H * in, w[d].ptr<float>() + source_gate(c, g) * c.H * in,
                  sizeof(float) * c.H * in);
  return out;
}

// oneDNN's biases [1, D, G', H]: b_ih + b_hh per gate; the GRU's fourth is b_hn and its third b_in alone.
float* pack_bias(const Config& c, const Params& p) {
  const int G = c.gates(), BG = c.bias_gates();
  const int64_t H = c.H;
  float* out = scratch<float>(kBias, static_cast<size_t>(c.D * BG * H));
  std::fill(out, out + c.D * BG * H, 0.0f);
  if (!p.bias) return out;
  for (int64_t d = 0; d < c.D; ++d) {
    const float* bi = p.b_ih[d].ptr<float>();
    const float* bh = p.b_hh[d].ptr<float>();
    float* o = out + d * BG * H;
    for (int g = 0; g < G; ++g) {
      const int s = source_gate(c, g);
      const bool input_only = c.mode == Mode::gru && g == 2;  // n's hidden bias sits inside r * (...)
      for (int64_t h = 0; h < H; ++h) o[g * H + h] = bi[s * H + h] + (input_only ? 0.0f : bh[s * H + h]);
    }
    if (c.mode == Mode::gru) std::memcpy(o + 3 * H, bh + 2 * H, sizeof(float) * H);
  }
  return out;
}

// A packed user-layout weight block, reordered into the layout a primitive wants when that differs.
dnnl::memory staged(float* packed, const dnnl::memory::desc& user_md, const dnnl::memory::desc& want, Slot slot) {
  dnnl::memory u(user_md, cpu_engine(), packed);
  if (user_md == want) return u;
  dnnl::memory m(want, cpu_engine(), scratch<char>(slot, want.get_size()));
  reorder(u, m);
  return m;
}

dnnl::memory mem_of(const dnnl::memory::desc& md, const TensorArg& t) { return dnnl::memory(md, cpu_engine(), t.data); }

}  // namespace

// query (0 run, 1 workspace size), config, then
//  query: out float64 [1] <- workspace bytes of the training forward
//  run:   y [T,N,D*H], hn [D,N,H], (cn), (workspace uint8, training), x [T,N,I], h0 [D,N,H], (c0), hasBias, params
void k_rnn(ArgReader& r) {
  const bool query = r.i32() != 0;
  Config c;
  c.read(r);
  if (query) {
    TensorArg out = r.tensor();
    if (out.dtype != DType::float64 || out.numel != 1) fail("rnn: workspace query needs a float64 scalar");
    const size_t bytes = lstm_runs_loop(c) ? lstm_loop_workspace_bytes(c)
                                           : entry_for(c, Pass::train).fwd_train.workspace_desc().get_size();
    *out.ptr<double>() = static_cast<double>(bytes);
    return;
  }
  TensorArg y = r.tensor(), hn = r.tensor(), cn, ws;
  if (c.lstm()) cn = r.tensor();
  if (c.training) ws = r.tensor();
  TensorArg x = r.tensor(), h0 = r.tensor(), c0;
  if (c.lstm()) c0 = r.tensor();
  const bool with_bias = r.i32() != 0;
  Params p;
  p.read(r, c, with_bias);
  check_rnn_arg(x, {c.T, c.N, c.I}, "input", c.data());
  check_rnn_arg(y, {c.T, c.N, c.D * c.H}, "output", c.data());
  for (const TensorArg* t : {&hn, &h0}) check_rnn_arg(*t, {c.D, c.N, c.H}, "hidden state", c.data());
  if (c.lstm())
    for (const TensorArg* t : {&cn, &c0}) check_rnn_arg(*t, {c.D, c.N, c.H}, "cell state");
  if (lstm_runs_loop(c)) {
    if (c.training && (ws.dtype != DType::uint8 || !ws.is_contiguous() ||
                       static_cast<size_t>(ws.numel) < lstm_loop_workspace_bytes(c)))
      fail("rnn: workspace too small");
    lstm_loop_forward(c, p, RnnIo{x, y, h0, hn, c0, cn}, c.training ? &ws : nullptr);
    return;
  }
  RnnEntry& e = entry_for(c, c.training ? Pass::train : Pass::infer);
  const dnnl::primitive_desc& pd = c.training ? e.fwd_train : e.fwd_infer;
  if (c.training) {
    const size_t need = pd.workspace_desc().get_size();
    if (ws.dtype != DType::uint8 || !ws.is_contiguous() || static_cast<size_t>(ws.numel) < need)
      fail("rnn: workspace too small");
  }
  const Descs d = data_descs(c);
  const dnnl::memory wl = staged(pack_weights(c, p.w_ih, c.I, kWeightsLayer), d.w_layer_user,
                                 arg_md(pd, DNNL_ARG_WEIGHTS_LAYER), kWeightsLayerPrim);
  const dnnl::memory wi = staged(pack_weights(c, p.w_hh, c.H, kWeightsIter), d.w_iter_user,
                                 arg_md(pd, DNNL_ARG_WEIGHTS_ITER), kWeightsIterPrim);
  float* bias = pack_bias(c, p);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC_LAYER, mem_of(d.src_layer, x)}, {DNNL_ARG_SRC_ITER, mem_of(d.src_iter, h0)},
      {DNNL_ARG_WEIGHTS_LAYER, wl},           {DNNL_ARG_WEIGHTS_ITER, wi},
      {DNNL_ARG_BIAS, dnnl::memory(d.bias, cpu_engine(), bias)},
      {DNNL_ARG_DST_LAYER, mem_of(d.dst_layer, y)}, {DNNL_ARG_DST_ITER, mem_of(d.dst_iter, hn)}};
  if (c.lstm()) {
    args.insert({DNNL_ARG_SRC_ITER_C, mem_of(d.iter_c, c0)});
    args.insert({DNNL_ARG_DST_ITER_C, mem_of(d.iter_c, cn)});
  }
  if (c.training) args.insert({DNNL_ARG_WORKSPACE, dnnl::memory(pd.workspace_desc(), cpu_engine(), ws.data)});
  run(c.training ? e.fwd_train_prim : e.fwd_infer_prim, pd, args);
}

// config (training), then outputs dx [T,N,I], dh0 [D,N,H], (dc0), hasBias, per direction dw_ih, dw_hh,
// (db_ih, db_hh); inputs x, h0, (c0), params, y, hn, (cn), workspace, dy, dhn, (dcn).
void k_rnn_backward(ArgReader& r) {
  Config c;
  c.read(r);
  TensorArg dx = r.tensor(), dh0 = r.tensor(), dc0;
  if (c.lstm()) dc0 = r.tensor();
  const bool with_bias = r.i32() != 0;
  std::vector<TensorArg> dw_ih, dw_hh, db_ih, db_hh;
  const int64_t GH = c.gates() * c.H;
  for (int64_t d = 0; d < c.D; ++d) {
    dw_ih.push_back(r.tensor());
    check_rnn_arg(dw_ih.back(), {GH, c.I}, "weight_ih gradient");
    dw_hh.push_back(r.tensor());
    check_rnn_arg(dw_hh.back(), {GH, c.H}, "weight_hh gradient");
    if (with_bias) {
      db_ih.push_back(r.tensor());
      check_rnn_arg(db_ih.back(), {GH}, "bias_ih gradient");
      db_hh.push_back(r.tensor());
      check_rnn_arg(db_hh.back(), {GH}, "bias_hh gradient");
    }
  }
  TensorArg x = r.tensor(), h0 = r.tensor(), c0;
  if (c.lstm()) c0 = r.tensor();
  Params p;
  p.read(r, c, with_bias);
  TensorArg y = r.tensor(), hn = r.tensor(), cn;
  if (c.lstm()) cn = r.tensor();
  TensorArg ws = r.tensor(), dy = r.tensor(), dhn = r.tensor(), dcn;
  if (c.lstm()) dcn = r.tensor();
  check_rnn_arg(x, {c.T, c.N, c.I}, "input", c.data());
  check_rnn_arg(dx, {c.T, c.N, c.I}, "input gradient");
  check_rnn_arg(y, {c.T, c.N, c.D * c.H}, "output", c.data());
  check_rnn_arg(dy, {c.T, c.N, c.D * c.H}, "output gradient");
  for (const TensorArg* t : {&h0, &hn}) check_rnn_arg(*t, {c.D, c.N, c.H}, "hidden state", c.data());
  for (const TensorArg* t : {&dh0, &dhn}) check_rnn_arg(*t, {c.D, c.N, c.H}, "hidden state gradient");
  if (c.lstm())
    for (const TensorArg* t : {&c0, &dc0, &cn, &dcn}) check_rnn_arg(*t, {c.D, c.N, c.H}, "cell state");
  if (lstm_runs_loop(c)) {
    if (ws.dtype != DType::uint8 || !ws.is_contiguous() || static_cast<size_t>(ws.numel) < lstm_loop_workspace_bytes(c))
      fail("rnn backward: workspace too small");
    lstm_loop_backward(c, p, RnnIo{x, y, h0, hn, c0, cn}, ws, dy, dhn, dcn, RnnGrads{dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh});
    return;
  }
  RnnEntry& e = entry_for(c, Pass::backward);
  const dnnl::primitive_desc& pd = e.bwd;
  if (ws.dtype != DType::uint8 || !ws.is_contiguous() || static_cast<size_t>(ws.numel) < pd.workspace_desc().get_size())
    fail("rnn backward: workspace too small");
  const Descs d = data_descs(c), g = grad_descs(c);
  const dnnl::memory wl = staged(pack_weights(c, p.w_ih, c.I, kWeightsLayer), d.w_layer_user,
                                 arg_md(pd, DNNL_ARG_WEIGHTS_LAYER), kWeightsLayerPrim);
  const dnnl::memory wi = staged(pack_weights(c, p.w_hh, c.H, kWeightsIter), d.w_iter_user,
                                 arg_md(pd, DNNL_ARG_WEIGHTS_ITER), kWeightsIterPrim);
  float* bias = pack_bias(c, p);
  // oneDNN accumulates into the weight gradients: they start at zero.
  const auto dwl_md = arg_md(pd, DNNL_ARG_DIFF_WEIGHTS_LAYER), dwi_md = arg_md(pd, DNNL_ARG_DIFF_WEIGHTS_ITER);
  char* dwl_buf = scratch<char>(kGradLayer, dwl_md.get_size());
  char* dwi_buf = scratch<char>(kGradIter, dwi_md.get_size());
  std::fill(dwl_buf, dwl_buf + dwl_md.get_size(), 0);
  std::fill(dwi_buf, dwi_buf + dwi_md.get_size(), 0);
  const int64_t bias_count = c.D * c.bias_gates() * c.H;
  float* dbias = scratch<float>(kGradBias, static_cast<size_t>(bias_count));
  std::fill(dbias, dbias + bias_count, 0.0f);
  dnnl::memory dwl(dwl_md, cpu_engine(), dwl_buf), dwi(dwi_md, cpu_engine(), dwi_buf);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC_LAYER, mem_of(d.src_layer, x)},
      {DNNL_ARG_SRC_ITER, mem_of(d.src_iter, h0)},
      {DNNL_ARG_WEIGHTS_LAYER, wl},
      {DNNL_ARG_WEIGHTS_ITER, wi},
      {DNNL_ARG_BIAS, dnnl::memory(d.bias, cpu_engine(), bias)},
      {DNNL_ARG_DST_LAYER, mem_of(d.dst_layer, y)},
      {DNNL_ARG_DST_ITER, mem_of(d.dst_iter, hn)},
      {DNNL_ARG_WORKSPACE, dnnl::memory(pd.workspace_desc(), cpu_engine(), ws.data)},
      {DNNL_ARG_DIFF_SRC_LAYER, mem_of(g.src_layer, dx)},
      {DNNL_ARG_DIFF_SRC_ITER, mem_of(g.src_iter, dh0)},
      {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl},
      {DNNL_ARG_DIFF_WEIGHTS_ITER, dwi},
      {DNNL_ARG_DIFF_BIAS, dnnl::memory(g.bias, cpu_engine(), dbias)},
      {DNNL_ARG_DIFF_DST_LAYER, mem_of(g.dst_layer, dy)},
      {DNNL_ARG_DIFF_DST_ITER, mem_of(g.dst_iter, dhn)}};
  if (c.lstm()) {
    args.insert({DNNL_ARG_SRC_ITER_C, mem_of(d.iter_c, c0)});
    args.insert({DNNL_ARG_DST_ITER_C, mem_of(d.iter_c, cn)});
    args.insert({DNNL_ARG_DIFF_SRC_ITER_C, mem_of(g.iter_c, dc0)});
    args.insert({DNNL_ARG_DIFF_DST_ITER_C, mem_of(g.iter_c, dcn)});
  }
  run(e.bwd_prim, pd, args);

  // Unpack: weight gradients back to ldgoi, then into PyTorch's per-direction [G*H, in] with its gate order.
  const int G = c.gates();
  const int64_t H = c.H;
  auto unpack = [&](const dnnl::memory& from, const dnnl::memory::desc& user_md, std::vector<TensorArg>& to, int64_t in) {
    float* user = scratch<float>(kUnpack, static_cast<size_t>(c.D * G * H * in));
    dnnl::memory u(user_md, cpu_engine(), user);
    reorder(from, u);
    for (int64_t dd = 0; dd < c.D; ++dd)
      for (int g = 0; g < G; ++g)
        std::memcpy(to[dd].ptr<float>() + source_gate(c, g) * H * in, user + (dd * G + g) * H * in,
                    sizeof(float) * H * in);
  };
  unpack(dwl, d.w_layer_user, dw_ih, c.I);
  unpack(dwi, d.w_iter_user, dw_hh, c.H);
  if (!with_bias) return;
  const int BG = c.bias_gates();
  for (int64_t dd = 0; dd < c.D; ++dd) {
    const float* db = dbias + dd * BG * H;
    float* bi = db_ih[dd].ptr<float>();
    float* bh = db_hh[dd].ptr<float>();
    for (int g = 0; g < G; ++g) {
      const int s = source_gate(c, g);
      std::memcpy(bi + s * H, db + g * H, sizeof(float) * H);
      if (!(c.mode == Mode::gru && g == 2)) std::memcpy(bh + s * H, db + g * H, sizeof(float) * H);
    }
    if (c.mode == Mode::gru) std::memcpy(bh + 2 * H, db + 3 * H, sizeof(float) * H);
  }
}

}  // namespace antorcha
