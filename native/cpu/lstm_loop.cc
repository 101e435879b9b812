// The library's own LSTM layer, forward and backward, for bfloat16 sequences (and float32 on request).
//
// oneDNN 2.6's fused LSTM computes the weight gradients step by step, each a product whose inner dimension is
// the batch (64 in the lesson's text models): small products that keep AMX tiles mostly empty. This loop does
// the work as a framework on matrix products would: the input projection of many steps at once, one small
// product (hidden state x recurrent weight) and one fused pass over the cells per step, then the weight
// gradients and the input gradient as products over chunks of many steps (inner dimension steps x batch).
// Every product goes to oneDNN's matmul, with the weights staged once per call in its preferred layout.
//
// Numbers: products accumulate in float32; the cell state, the gate sums and every gradient are float32;
// the output sequence and hidden states are in the data dtype (rounded once per step, as oneDNN's bfloat16
// RNN does), and so are the saved gates and the per-step gate gradients that feed the products.
// Gates follow PyTorch's order (i, f, g, o), so PyTorch's weights are used as they are.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "antorcha/dnnl_context.h"
#include "antorcha/parallel.h"
#include "antorcha/rnn_layer.h"

namespace antorcha {
namespace {

using dt = dnnl::memory::data_type;

// ---- Activations written so that GCC vectorises them (no libm calls in the cell loops). ----

// e^x by range reduction to [-ln2/2, ln2/2] and a degree-6 polynomial (Cephes' coefficients). Measured over
// [-80, 80] against double precision: exp within 7.8e-8 relative, sigmoid 1.4e-7, tanh 2.6e-7 (about two
// float32 ulps). Large arguments give inf (harmless in the uses below), NaN stays NaN.
inline float exp_approx(float x) {
  x = x > 88.5f ? 88.5f : x;
  x = x < -87.3f ? -87.3f : x;
  // Round to the nearest integer by adding and removing 1.5 * 2^23 (std::floor would be a libm call here).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid_approx(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

// tanh: the odd Taylor series near zero (where 1 - 2 / (1 + e^2x) would cancel), else that form.
inline float tanh_approx(float x) {
  const float a = std::fabs(x);
  const float wide = std::copysign(1.0f - 2.0f / (1.0f + exp_approx(2.0f * a)), x);
  const float x2 = x * x;
  const float near = x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f + x2 * (-0.0539682540f + x2 * 0.0218694885f))));
  return a < 0.25f ? near : wide;
}

// Rounds to the storage type without branches (bfloat16: to nearest even; NaN stays a quiet NaN).
template <typename T>
inline void put(T* p, float v) {
  if constexpr (std::is_same_v<T, bf16>) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    p->bits = static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? 0x7fc0u : rounded);
  } else {
    *p = v;
  }
}

// ---- Buffers ----

// This file's buffers kept across calls (rnn_layer.h kept_buffer).
enum Slot { kProjection, kStepProduct, kBias, kHidden, kCell, kGateGrad, kHiddenGrad, kCellGrad, kBiasGrad,
            kStagedInput, kStagedRecurrent, kWidenedA, kWidenedB, kRoundedWeight };
struct LoopBuffers;
template <typename T>
T* scratch(Slot slot, size_t count) { return kept_buffer<LoopBuffers, T>(slot, count); }

// Rows of the chunked products (steps x batch): large enough for full-speed products, small enough that a
// chunk's projections or gate gradients stay in cache.
constexpr int64_t kChunkRows = 1024;
int64_t chunk_steps(const RnnConfig& c) { return std::max<int64_t>(1, std::min<int64_t>(c.T, kChunkRows / c.N)); }

size_t round64(size_t n) { return (n + 63) / 64 * 64; }

// The training forward's record for the backward, per direction and step: the activated gates [N, 4H] and
// the hidden state entering the step [N, H] (data dtype), and the cell state after it [N, H] (float32).
struct Workspace {
  size_t gates_bytes, cells_bytes, hidden_bytes;
  char* base = nullptr;
  int64_t T, N, H;
  size_t es;
  explicit Workspace(const RnnConfig& c, char* data = nullptr) : base(data), T(c.T), N(c.N), H(c.H) {
    es = c.bf16 ? 2 : 4;
    const size_t steps = static_cast<size_t>(c.D * c.T * c.N);
    gates_bytes = round64(steps * 4 * c.H * es);
    cells_bytes = round64(steps * c.H * 4);
    hidden_bytes = round64(steps * c.H * es);
  }
  size_t bytes() const { return gates_bytes + cells_bytes + hidden_bytes; }
  template <typename T_> T_* gates(int64_t d, int64_t t) const {
    return reinterpret_cast<T_*>(base) + (d * T + t) * N * 4 * H;
  }
  float* cells(int64_t d, int64_t t) const { return reinterpret_cast<float*>(base + gates_bytes) + (d * T + t) * N * H; }
  template <typename T_> T_* hidden(int64_t d, int64_t t) const {
    return reinterpret_cast<T_*>(base + gates_bytes + cells_bytes) + (d * T + t) * N * H;
  }
};

// ---- Matrix products on oneDNN ----

// A 2-D operand: rows x cols with element strides, in `type`.
struct Mat {
  int64_t rows, cols, row_stride, col_stride;
  dt type;
  dnnl::memory::desc md() const { return dnnl::memory::desc({rows, cols}, type, {row_stride, col_stride}); }
  void key(std::string& k) const {
    for (int64_t v : {rows, cols, row_stride, col_stride, static_cast<int64_t>(type)}) k += "," + std::to_string(v);
    k += "|";
  }
};

Mat dense(int64_t rows, int64_t cols, dt type) { return Mat{rows, cols, cols, 1, type}; }
Mat transposed(int64_t rows, int64_t cols, dt type) { return Mat{rows, cols, 1, rows, type}; }  // of a dense cols x rows

// The number of elements a strided operand spans (it is a view of a dense block).
int64_t span(const Mat& m) { return (m.rows - 1) * m.row_stride + (m.cols - 1) * m.col_stride + 1; }

// bfloat16 values widened to float32 in a slot (exact), for CPUs whose oneDNN has no bfloat16 product.
const float* widened(const bf16* from, int64_t count, Slot slot) {
  float* to = scratch<float>(slot, static_cast<size_t>(count));
  parallel_for(count, 65536, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) to[i] = load(from + i);
  });
  return to;
}

// c (float32) = a x b (+ bias [1, cols]) (+ c when accumulating). A weight operand (`b_is_weight`) is taken in
// the layout the primitive prefers (see Staged); other operands are read where they lie. Where oneDNN has no
// bfloat16 product (CPUs without AVX-512) bfloat16 operands are widened to float32 first: exact, so the
// results are a bfloat16 product's up to the order of the float32 sums.
struct Product {
  CachedPrimitive prim;
  Mat a, b, c;
  bool bias, widen = false;

  Product(const Mat& a_, const Mat& b_, const Mat& c_, bool with_bias, bool accumulate, bool b_is_weight)
      : a(a_), b(b_), c(c_), bias(with_bias) {
    std::string key = "lstm_mm";
    for (const Mat* m : {&a, &b, &c}) m->key(key);
    key += with_bias ? "b" : "-";
    key += accumulate ? "s" : "-";
    key += b_is_weight ? "w" : "-";
    auto build = [&](dt a_type, dt b_type) {
      dnnl::primitive_attr attr = scratchpad_attr();
      if (accumulate) {
        dnnl::post_ops ops;
        ops.append_sum(1.0f);
        attr.set_post_ops(ops);
      }
      Mat am = a, bm = b;
      am.type = a_type;
      bm.type = b_type;
      const auto bmd = b_is_weight ? dnnl::memory::desc({b.rows, b.cols}, b_type, dnnl::memory::format_tag::any) : bm.md();
      const auto bias_md = dnnl::memory::desc({1, c.cols}, dt::f32, {c.cols, 1});
      const auto desc = with_bias ? dnnl::matmul::desc(am.md(), bmd, bias_md, c.md()) : dnnl::matmul::desc(am.md(), bmd, c.md());
      dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
      CachedPrimitive p{dnnl::matmul(pd), pd.scratchpad_desc(), pd.impl_info_str()};
      p.extra = pd.weights_desc();
      return p;
    };
    prim = cached_primitive(key, [&] {
      CachedPrimitive p = try_build([&] { return build(a.type, b.type); });
      if (p.impl.empty()) {
        p = build(dt::f32, dt::f32);
        p.impl = "widened:" + p.impl;
      }
      return p;
    });
    widen = prim.impl.rfind("widened:", 0) == 0;
  }

  void run(const void* a_ptr, const dnnl::memory& b_mem, void* c_ptr, const float* bias_ptr = nullptr) {
    if (widen && a.type == dt::bf16) a_ptr = widened(static_cast<const bf16*>(a_ptr), span(a), kWidenedA);
    point(a_mem_, operand_md(a), a_ptr);
    point(c_mem_, c.md(), c_ptr);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, a_mem_}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem_}};
    if (bias) {
      point(bias_mem_, dnnl::memory::desc({1, c.cols}, dt::f32, {c.cols, 1}), bias_ptr);
      args.insert({DNNL_ARG_BIAS, bias_mem_});
    }
    execute(prim, std::move(args));
  }
  void run(const void* a_ptr, const void* b_ptr, void* c_ptr) {
    if (widen && b.type == dt::bf16) b_ptr = widened(static_cast<const bf16*>(b_ptr), span(b), kWidenedB);
    point(b_mem_, operand_md(b), b_ptr);
    run(a_ptr, b_mem_, c_ptr);
  }

 private:
  // Memory objects made on a product's first run and re-pointed after: making one allocates inside oneDNN,
  // and a layer runs its step product hundreds of times.
  dnnl::memory a_mem_, b_mem_, c_mem_, bias_mem_;
  dnnl::memory::desc operand_md(const Mat& m) const {
    Mat as = m;
    if (widen) as.type = dt::f32;
    return as.md();
  }
  static void point(dnnl::memory& mem, const dnnl::memory::desc& md, const void* ptr) {
    if (mem.get(true) == nullptr) mem = dnnl::memory(md, cpu_engine(), const_cast<void*>(ptr));
    else mem.set_data_handle(const_cast<void*>(ptr));
  }
};

// A float32 weight (described by `user`) converted once per call into the dtype and layout a product wants;
// kept while later products (a chunk of other length) want the same layout. A widened bfloat16 product gets
// the weight rounded to bfloat16 values, as a real one would.
class Staged {
 public:
  Staged(const Mat& user, const float* data, Slot slot) : user_(user), data_(data), slot_(slot) {}
  const dnnl::memory& for_product(const Product& p) {
    if (ready_ && mem_.get_desc() == p.prim.extra) return mem_;
    const float* source = data_;
    if (p.widen && p.b.type == dt::bf16) {
      const int64_t n = span(user_);
      float* rounded = scratch<float>(kRoundedWeight, static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) rounded[i] = bf16_to_float(float_to_bf16(data_[i]));
      source = rounded;
    }
    dnnl::memory from(user_.md(), cpu_engine(), const_cast<float*>(source));
    mem_ = dnnl::memory(p.prim.extra, cpu_engine(), scratch<char>(slot_, p.prim.extra.get_size()));
    dnnl::reorder(from, mem_).execute(cpu_stream(), from, mem_);
    cpu_stream().wait();
    ready_ = true;
    return mem_;
  }

 private:
  Mat user_;
  const float* data_;
  Slot slot_;
  dnnl::memory mem_;
  bool ready_ = false;
};

// ---- The cell passes ----

// One step of every cell: gates from the step's input projection (bias included) plus its recurrent
// product, then the new cell and hidden states. Parallel over hidden units, so a thread's columns are its own.
template <typename T, bool kRecord, bool kNext>
void cell_forward(int64_t N, int64_t H, const float* projected, const float* recurrent, const float* c_prev,
                  float* c_out, T* gates, T* y, int64_t ldy, T* h_next) {
  const int64_t G = 4 * H;
  parallel_for(H, 32, [&](int64_t j0, int64_t j1) {
    for (int64_t n = 0; n < N; ++n) {
      const float* p = projected + n * G;
      const float* r = recurrent + n * G;
      const float* cp = c_prev + n * H;
      float* co = c_out + n * H;
      T* gt = gates ? gates + n * G : nullptr;
      T* yo = y + n * ldy;
      T* hn = h_next ? h_next + n * H : nullptr;
#pragma omp simd
      for (int64_t j = j0; j < j1; ++j) {
        const float i = sigmoid_approx(p[j] + r[j]);
        const float f = sigmoid_approx(p[H + j] + r[H + j]);
        const float g = tanh_approx(p[2 * H + j] + r[2 * H + j]);
        const float o = sigmoid_approx(p[3 * H + j] + r[3 * H + j]);
        const float cell = f * cp[j] + i * g;
        const float h = o * tanh_approx(cell);
        co[j] = cell;
        put(yo + j, h);
        if constexpr (kNext) put(hn + j, h);
        if constexpr (kRecord) {
          put(gt + j, i);
          put(gt + H + j, f);
          put(gt + 2 * H + j, g);
          put(gt + 3 * H + j, o);
        }
      }
    }
  });
}

// One step back through every cell: from the output gradient dy, the hidden state's gradient from the later
// step (dh, in) and the cell state's (dc, in and out), the gate gradients (dgates) and the bias gradient (db).
template <typename T>
void cell_backward(int64_t N, int64_t H, const T* gates, const float* cell, const float* c_prev, const float* dy,
                   int64_t ldy, const float* dh, float* dc, T* dgates, float* db) {
  const int64_t G = 4 * H;
  parallel_for(H, 32, [&](int64_t j0, int64_t j1) {
    for (int64_t n = 0; n < N; ++n) {
      const T* gt = gates + n * G;
      const float* ct = cell + n * H;
      const float* cp = c_prev + n * H;
      const float* dyn = dy + n * ldy;
      const float* dhn = dh + n * H;
      float* dcn = dc + n * H;
      T* dg = dgates + n * G;
#pragma omp simd
      for (int64_t j = j0; j < j1; ++j) {
        const float i = load(gt + j), f = load(gt + H + j), g = load(gt + 2 * H + j), o = load(gt + 3 * H + j);
        const float tc = tanh_approx(ct[j]);
        const float dhv = dyn[j] + dhn[j];
        const float dcv = dcn[j] + dhv * o * (1.0f - tc * tc);
        const float di = dcv * g * i * (1.0f - i);
        const float df = dcv * cp[j] * f * (1.0f - f);
        const float dgg = dcv * i * (1.0f - g * g);
        const float d_o = dhv * tc * o * (1.0f - o);
        dcn[j] = dcv * f;
        put(dg + j, di);
        put(dg + H + j, df);
        put(dg + 2 * H + j, dgg);
        put(dg + 3 * H + j, d_o);
        db[j] += di;
        db[H + j] += df;
        db[2 * H + j] += dgg;
        db[3 * H + j] += d_o;
      }
    }
  });
}

template <typename T>
void copy_rows(T* dst, const T* src, int64_t rows, int64_t cols, int64_t ld_dst, int64_t ld_src) {
  for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * ld_dst, src + r * ld_src, sizeof(T) * cols);
}

// ---- Forward and backward over the sequence ----

template <typename T>
void forward(const RnnConfig& c, const RnnParams& p, const RnnIo& io, const TensorArg* ws_arg) {
  const int64_t D = c.D, S = c.T, N = c.N, I = c.I, H = c.H, G = 4 * H;
  const dt type = c.bf16 ? dt::bf16 : dt::f32;
  const bool training = ws_arg != nullptr;
  const Workspace ws(c, training ? ws_arg->data : nullptr);
  const int64_t chunk = chunk_steps(c);
  float* projected = scratch<float>(kProjection, static_cast<size_t>(chunk * N * G));
  float* recurrent = scratch<float>(kStepProduct, static_cast<size_t>(N * G));
  float* bias = scratch<float>(kBias, static_cast<size_t>(G));
  T* h_run = scratch<T>(kHidden, static_cast<size_t>(N * H));
  float* c_run = scratch<float>(kCell, static_cast<size_t>(N * H));
  const T* x = io.x.ptr<T>();
  T* y = io.y.ptr<T>();
  Product step(dense(N, H, type), Mat{H, G, G, 1, type}, dense(N, G, dt::f32), false, false, true);
  for (int64_t d = 0; d < D; ++d) {
    const bool back = c.backwards(d);
    for (int64_t j = 0; j < G; ++j) bias[j] = p.bias ? p.b_ih[d].ptr<float>()[j] + p.b_hh[d].ptr<float>()[j] : 0.0f;
    Staged w_input(transposed(I, G, dt::f32), p.w_ih[d].ptr<float>(), kStagedInput);
    Staged w_recurrent(transposed(H, G, dt::f32), p.w_hh[d].ptr<float>(), kStagedRecurrent);
    const dnnl::memory& w_hh = w_recurrent.for_product(step);
    const int64_t t_first = back ? S - 1 : 0;
    T* h = training ? ws.hidden<T>(d, t_first) : h_run;
    std::memcpy(h, io.h0.ptr<T>() + d * N * H, sizeof(T) * N * H);
    const float* c_prev = io.c0.ptr<float>() + d * N * H;
    if (!training) {
      std::memcpy(c_run, c_prev, sizeof(float) * N * H);
      c_prev = c_run;
    }
    for (int64_t s0 = 0; s0 < S; s0 += chunk) {
      const int64_t s1 = std::min(S, s0 + chunk), rows = (s1 - s0) * N;
      const int64_t t_lo = back ? S - s1 : s0;
      Product projection(dense(rows, I, type), Mat{I, G, G, 1, type}, dense(rows, G, dt::f32), true, false, true);
      projection.run(x + t_lo * N * I, w_input.for_product(projection), projected, bias);
      for (int64_t s = s0; s < s1; ++s) {
        const int64_t t = back ? S - 1 - s : s, t_next = back ? t - 1 : t + 1;
        step.run(h, w_hh, recurrent);
        float* c_out = training ? ws.cells(d, t) : c_run;  // in place without a record: each cell reads, then writes
        T* h_next = s + 1 == S ? nullptr : training ? ws.hidden<T>(d, t_next) : h_run;
        const auto cell = training ? (h_next ? cell_forward<T, true, true> : cell_forward<T, true, false>)
                                   : (h_next ? cell_forward<T, false, true> : cell_forward<T, false, false>);
        cell(N, H, projected + (t - t_lo) * N * G, recurrent, c_prev, c_out, training ? ws.gates<T>(d, t) : nullptr,
             y + t * N * D * H + d * H, D * H, h_next);
        c_prev = c_out;
        if (h_next) h = h_next;
      }
    }
    const int64_t t_last = back ? 0 : S - 1;
    copy_rows(io.hn.ptr<T>() + d * N * H, y + t_last * N * D * H + d * H, N, H, H, D * H);
    std::memcpy(io.cn.ptr<float>() + d * N * H, c_prev, sizeof(float) * N * H);
  }
}

template <typename T>
void backward(const RnnConfig& c, const RnnParams& p, const RnnIo& io, const Workspace& ws, const TensorArg& dy_arg,
              const TensorArg& dhn, const TensorArg& dcn, const RnnGrads& g) {
  const int64_t D = c.D, S = c.T, N = c.N, I = c.I, H = c.H, G = 4 * H;
  const dt type = c.bf16 ? dt::bf16 : dt::f32;
  const int64_t chunk = chunk_steps(c);
  T* dgates = scratch<T>(kGateGrad, static_cast<size_t>(chunk * N * G));
  float* dh = scratch<float>(kHiddenGrad, static_cast<size_t>(N * H));
  float* dc = scratch<float>(kCellGrad, static_cast<size_t>(N * H));
  float* db = scratch<float>(kBiasGrad, static_cast<size_t>(G));
  const T* x = io.x.ptr<T>();
  const float* dy = dy_arg.ptr<float>();
  float* dx = g.dx.ptr<float>();
  std::fill(dx, dx + S * N * I, 0.0f);
  Product step(dense(N, G, type), dense(G, H, type), dense(N, H, dt::f32), false, false, true);
  for (int64_t d = 0; d < D; ++d) {
    const bool back = c.backwards(d);
    float* dw_ih = g.w_ih[d].ptr<float>();
    float* dw_hh = g.w_hh[d].ptr<float>();
    std::fill(dw_ih, dw_ih + G * I, 0.0f);
    std::fill(dw_hh, dw_hh + G * H, 0.0f);
    std::fill(db, db + G, 0.0f);
    std::memcpy(dh, dhn.ptr<float>() + d * N * H, sizeof(float) * N * H);
    std::memcpy(dc, dcn.ptr<float>() + d * N * H, sizeof(float) * N * H);
    Staged w_recurrent(dense(G, H, dt::f32), p.w_hh[d].ptr<float>(), kStagedRecurrent);
    Staged w_input(dense(G, I, dt::f32), p.w_ih[d].ptr<float>(), kStagedInput);
    const dnnl::memory& w_hh = w_recurrent.for_product(step);
    // Steps from the last to the first, in chunks; a chunk's gate gradients are rows of its times.
    for (int64_t s1 = S; s1 > 0;) {
      const int64_t s0 = std::max<int64_t>(0, s1 - chunk), rows = (s1 - s0) * N;
      const int64_t t_lo = back ? S - s1 : s0;
      for (int64_t s = s1 - 1; s >= s0; --s) {
        const int64_t t = back ? S - 1 - s : s, t_before = back ? t + 1 : t - 1;
        const float* c_prev = s == 0 ? io.c0.ptr<float>() + d * N * H : ws.cells(d, t_before);
        T* dg = dgates + (t - t_lo) * N * G;
        cell_backward<T>(N, H, ws.gates<T>(d, t), ws.cells(d, t), c_prev, dy + t * N * D * H + d * H, D * H, dh, dc, dg, db);
        step.run(dg, w_hh, dh);  // the gradient of the hidden state entering step s
      }
      // The chunk's share of the weight gradients and of the input gradient.
      const Mat dg_t = transposed(G, rows, type);
      Product grad_ih(dg_t, dense(rows, I, type), dense(G, I, dt::f32), false, true, false);
      grad_ih.run(dgates, x + t_lo * N * I, dw_ih);
      Product grad_hh(dg_t, dense(rows, H, type), dense(G, H, dt::f32), false, true, false);
      grad_hh.run(dgates, ws.hidden<T>(d, t_lo), dw_hh);
      Product grad_x(dense(rows, G, type), dense(G, I, type), dense(rows, I, dt::f32), false, true, true);
      grad_x.run(dgates, w_input.for_product(grad_x), dx + t_lo * N * I);
      s1 = s0;
    }
    std::memcpy(g.dh0.ptr<float>() + d * N * H, dh, sizeof(float) * N * H);
    std::memcpy(g.dc0.ptr<float>() + d * N * H, dc, sizeof(float) * N * H);
    if (p.bias) {
      std::memcpy(g.b_ih[d].ptr<float>(), db, sizeof(float) * G);
      std::memcpy(g.b_hh[d].ptr<float>(), db, sizeof(float) * G);
    }
  }
}

}  // namespace

// bfloat16 LSTMs run here; ANTORCHA_LSTM=loop sends float32 ones too (tests, measurements), =onednn none.
// Read once: a layer's forward and backward must take the same path (the workspace layouts differ).
bool lstm_runs_loop(const RnnConfig& c) {
  static const std::string choice = [] {
    const char* v = std::getenv("ANTORCHA_LSTM");
    return std::string(v ? v : "");
  }();
  if (!c.lstm() || choice == "onednn") return false;
  return c.bf16 || choice == "loop";
}

size_t lstm_loop_workspace_bytes(const RnnConfig& c) { return Workspace(c).bytes(); }

void lstm_loop_forward(const RnnConfig& c, const RnnParams& p, const RnnIo& io, const TensorArg* workspace) {
  if (c.bf16) forward<bf16>(c, p, io, workspace);
  else forward<float>(c, p, io, workspace);
}

void lstm_loop_backward(const RnnConfig& c, const RnnParams& p, const RnnIo& io, const TensorArg& workspace,
                        const TensorArg& dy, const TensorArg& dhn, const TensorArg& dcn, const RnnGrads& g) {
  const Workspace ws(c, workspace.data);
  if (c.bf16) backward<bf16>(c, p, io, ws, dy, dhn, dcn, g);
  else backward<float>(c, p, io, ws, dy, dhn, dcn, g);
}

}  // namespace antorcha
