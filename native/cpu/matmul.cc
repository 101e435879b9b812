// Batched matrix product out[..., M, N] = a[..., M, K] @ b[..., K, N] (+ bias[N]). Batch dims have equal
// rank and broadcast where one side is 1 (oneDNN's semantics). The bias is added before the one rounding to
// the output dtype, as PyTorch's addmm does: rounding a 16-bit product first and adding a 16-bit bias after
// would round twice, which cancellation near zero makes visible. float32 runs on oneDNN; 16-bit floats use oneDNN
// when it has a real kernel for them here, else they are widened to float32 around the float32 kernel;
// float64 and integers use a plain loop (reference and gradcheck paths).
#include <vector>

#include "antorcha/dnnl_context.h"
#include "antorcha/kernels.h"
#include "antorcha/parallel.h"
#include "antorcha/storage.h"

namespace antorcha {
namespace {

dnnl::memory::desc md_of(const TensorArg& t, DType as) {
  dnnl::memory::dims dims(t.shape, t.shape + t.ndim), strides(t.strides, t.strides + t.ndim);
  // Size-1 dims may carry any stride; give them the dense one so oneDNN sees a plain layout.
  for (int d = t.ndim - 1; d >= 0; --d) {
    if (dims[d] != 1) continue;
    strides[d] = d == t.ndim - 1 ? 1 : strides[d + 1] * dims[d + 1];
    if (strides[d] == 0) strides[d] = 1;
  }
  return dnnl::memory::desc(dims, dnnl_type(as), strides);
}

// The bias [N] as oneDNN wants it: the output's rank, every dim 1 but the last.
dnnl::memory::desc bias_md(const TensorArg& bias, int rank) {
  dnnl::memory::dims dims(rank, 1), strides(rank, bias.shape[0]);
  dims[rank - 1] = bias.shape[0];
  strides[rank - 1] = 1;
  return dnnl::memory::desc(dims, dnnl_type(bias.dtype), strides);
}

// Returns false when oneDNN only offers its reference implementation for this case.
bool dnnl_matmul(const TensorArg& out, const TensorArg& a, const TensorArg& b, const TensorArg* bias) {
  std::string key = "matmul";
  append_key(key, a);
  append_key(key, b);
  append_key(key, out);
  if (bias) append_key(key, *bias);
  auto amd = md_of(a, a.dtype), bmd = md_of(b, b.dtype), omd = md_of(out, out.dtype);
  dnnl::memory::desc cmd = bias ? bias_md(*bias, out.ndim) : dnnl::memory::desc();
  CachedPrimitive& p = cached_primitive(key, [&] { return try_build([&] {
    dnnl::primitive_attr attr = scratchpad_attr();
    dnnl::matmul::desc desc = bias ? dnnl::matmul::desc(amd, bmd, cmd, omd) : dnnl::matmul::desc(amd, bmd, omd);
    dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
    return CachedPrimitive{dnnl::matmul(pd), pd.scratchpad_desc(), pd.impl_info_str()};
  }); });
  if (!p.fast()) return false;
  dnnl::memory am(amd, cpu_engine(), a.data), bm(bmd, cpu_engine(), b.data), om(omd, cpu_engine(), out.data);
  if (!bias) {
    execute(p, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, om}});
    return true;
  }
  dnnl::memory cm(cmd, cpu_engine(), bias->data);
  execute(p, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_BIAS, cm}, {DNNL_ARG_DST, om}});
  return true;
}

// Index of batch element `batch` of t (t's batch dims broadcast against out's).
int64_t batch_offset(const TensorArg& t, const TensorArg& out, int64_t batch) {
  int64_t off = 0;
  for (int d = out.ndim - 3; d >= 0; --d) {
    int64_t i = batch % out.shape[d];
    batch /= out.shape[d];
    if (t.shape[d] != 1) off += i * t.strides[d];
  }
  return off;
}

template <typename T>
void loop_matmul(const TensorArg& out, const TensorArg& a, const TensorArg& b, const TensorArg* bias) {
  using C = compute_t<T>;
  using Acc = std::conditional_t<std::is_floating_point_v<C>, C, int64_t>;
  const int n = out.ndim;
  const int64_t M = out.shape[n - 2], N = out.shape[n - 1], K = a.shape[n - 1];
  const int64_t batches = out.numel / std::max<int64_t>(1, M * N);
  const int64_t as0 = a.strides[n - 2], as1 = a.strides[n - 1], bs0 = b.strides[n - 2], bs1 = b.strides[n - 1];
  parallel_for(batches * M, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, N * K)), [&](int64_t s, int64_t e) {
    std::vector<Acc> row(N);
    for (int64_t job = s; job < e; ++job) {
      int64_t bt = job / M, i = job % M;
      const T* ap = a.ptr<T>() + batch_offset(a, out, bt) + i * as0;
      const T* bp = b.ptr<T>() + batch_offset(b, out, bt);
      if (bias) {
        for (int64_t j = 0; j < N; ++j) row[j] = static_cast<Acc>(load(bias->ptr<T>() + j));
      } else {
        std::fill(row.begin(), row.end(), Acc(0));
      }
      for (int64_t k = 0; k < K; ++k) {
        Acc av = static_cast<Acc>(load(ap + k * as1));
        const T* brow = bp + k * bs0;
        for (int64_t j = 0; j < N; ++j) row[j] += av * static_cast<Acc>(load(brow + j * bs1));
      }
      T* op = out.ptr<T>() + job * N;
      for (int64_t j = 0; j < N; ++j) store(op + j, row[j]);
    }
  });
}

// Copies t into a dense float32 block of the same shape.
struct Widened {
  double handle = -1;
  TensorArg view;
  ~Widened() { storage_free(handle); }
};
void widen(const TensorArg& t, Widened& w) {
  w.handle = storage_alloc(t.numel * 4);
  w.view = t;
  w.view.dtype = DType::float32;
  w.view.data = static_cast<char*>(storage_ptr(w.handle, nullptr));
  int64_t s = 1;
  for (int d = t.ndim - 1; d >= 0; --d) {
    w.view.strides[d] = s;
    s *= t.shape[d];
  }
  float* dst = w.view.ptr<float>();
  ANTORCHA_DISPATCH_ALL(t.dtype, [&] {
    const scalar_t* src = t.ptr<scalar_t>();
    if (t.is_contiguous()) {
      parallel_for(t.numel, 65536, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dst[i] = static_cast<float>(load(src + i));
      });
      return;
    }
    parallel_for(t.numel, 65536, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        int64_t off = 0, rest = i;
        for (int d = t.ndim - 1; d >= 0; --d) {
          off += (rest % t.shape[d]) * t.strides[d];
          rest /= t.shape[d];
        }
        dst[i] = static_cast<float>(load(src + off));
      }
    });
  });
}

}  // namespace

void k_matmul(ArgReader& r) {
  TensorArg out = r.tensor(), a = r.tensor(), b = r.tensor();
  const bool has_bias = r.i32() != 0;
  TensorArg bias_arg;
  if (has_bias) bias_arg = r.tensor();
  const TensorArg* bias = has_bias ? &bias_arg : nullptr;
  const int n = out.ndim;
  if (n < 2 || a.ndim != n || b.ndim != n) fail("matmul: operands must have the output's rank (>= 2)");
  if (a.dtype != b.dtype || out.dtype != a.dtype) fail("matmul: operand dtypes must match");
  if (bias && (bias->ndim != 1 || bias->shape[0] != out.shape[n - 1] || bias->dtype != out.dtype || !bias->is_contiguous()))
    fail("matmul: the bias must be a contiguous 1-D tensor of the output's dtype and last size");
  if (!out.is_contiguous()) fail("matmul: output must be contiguous");
  if (a.shape[n - 1] != b.shape[n - 2] || a.shape[n - 2] != out.shape[n - 2] || b.shape[n - 1] != out.shape[n - 1])
    fail("matmul: inner dimensions do not match");
  for (int d = 0; d < n - 2; ++d) {
    if ((a.shape[d] != out.shape[d] && a.shape[d] != 1) || (b.shape[d] != out.shape[d] && b.shape[d] != 1))
      fail("matmul: batch dimensions do not broadcast");
  }
  if (out.numel == 0) return;
  if (a.shape[n - 1] == 0) {  // empty inner dimension: the product is all zeros (plus the bias)
    const int64_t N = out.shape[n - 1];
    ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
      for (int64_t i = 0; i < out.numel; ++i)
        store(out.ptr<scalar_t>() + i, bias ? load(bias->ptr<scalar_t>() + i % N) : compute_t<scalar_t>(0));
    });
    return;
  }
  switch (a.dtype) {
    case DType::float32:
      if (dnnl_matmul(out, a, b, bias)) return;
      return loop_matmul<float>(out, a, b, bias);
    case DType::bfloat16:
    case DType::float16: {
      if (dnnl_matmul(out, a, b, bias)) return;
      Widened wa, wb, wc, wo;
      widen(a, wa);
      widen(b, wb);
      if (bias) widen(*bias, wc);
      wo.handle = storage_alloc(out.numel * 4);
      wo.view = out;
      wo.view.dtype = DType::float32;
      wo.view.data = static_cast<char*>(storage_ptr(wo.handle, nullptr));
      const TensorArg* wide_bias = bias ? &wc.view : nullptr;
      if (!dnnl_matmul(wo.view, wa.view, wb.view, wide_bias)) loop_matmul<float>(wo.view, wa.view, wb.view, wide_bias);
      const float* src = wo.view.ptr<float>();
      ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
        parallel_for(out.numel, 65536, [&](int64_t s, int64_t e) {
          for (int64_t i = s; i < e; ++i) store(out.ptr<scalar_t>() + i, src[i]);
        });
      });
      return;
    }
    case DType::float64: return loop_matmul<double>(out, a, b, bias);
    case DType::int64: return loop_matmul<int64_t>(out, a, b, bias);
    case DType::int32: return loop_matmul<int32_t>(out, a, b, bias);
    case DType::uint8: return loop_matmul<uint8_t>(out, a, b, bias);
    default: fail("matmul: unsupported dtype");
  }
}

}  // namespace antorcha
