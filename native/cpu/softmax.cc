// softmax / logSoftmax along one dimension of a contiguous tensor, viewed as [outer, R, inner].
// float32 and bfloat16 go through oneDNN's softmax primitive (JIT-vectorised exp); other types loop here.
#include <cmath>
#include <vector>

#include "antorcha/dnnl_context.h"
#include "antorcha/kernels.h"
#include "antorcha/parallel.h"

namespace antorcha {
namespace {

template <typename T>
void softmax_loop(const TensorArg& out, const TensorArg& in, int dim, bool log) {
  using C = compute_t<T>;
  using Acc = std::conditional_t<std::is_same_v<C, double>, double, float>;
  int64_t outer = 1, R = in.shape[dim], inner = 1;
  for (int d = 0; d < dim; ++d) outer *= in.shape[d];
  for (int d = dim + 1; d < in.ndim; ++d) inner *= in.shape[d];
  const T* x = in.ptr<T>();
  T* y = out.ptr<T>();
  parallel_for(outer * inner, std::max<int64_t>(1, 8192 / std::max<int64_t>(R, 1)), [&](int64_t b, int64_t e) {
    std::vector<Acc> buf(R);
    for (int64_t job = b; job < e; ++job) {
      int64_t o = job / inner, i = job % inner;
      const T* row = x + o * R * inner + i;
      T* dst = y + o * R * inner + i;
      Acc m = -INFINITY;
      for (int64_t r = 0; r < R; ++r) m = std::max<Acc>(m, load(row + r * inner));
      Acc sum = 0;
      for (int64_t r = 0; r < R; ++r) {
        buf[r] = static_cast<Acc>(load(row + r * inner)) - m;
        sum += std::exp(buf[r]);
      }
      if (log) {
        Acc ls = std::log(sum);
        for (int64_t r = 0; r < R; ++r) store(dst + r * inner, buf[r] - ls);
      } else {
        for (int64_t r = 0; r < R; ++r) store(dst + r * inner, std::exp(buf[r]) / sum);
      }
    }
  });
}

void softmax_common(ArgReader& r, bool log) {
  TensorArg out = r.tensor(), in = r.tensor();
  int dim = r.i32();
  if (dim < 0 || dim >= in.ndim) fail("softmax: dim out of range");
  if (!in.is_contiguous() || !out.is_contiguous()) fail("softmax: operands must be contiguous");
  if (out.dtype != in.dtype) fail("softmax: output dtype must match input");
  if (in.numel == 0) return;
  if ((in.dtype == DType::float32 || in.dtype == DType::bfloat16) && dnnl_softmax(out, in, dim, log)) return;
  switch (in.dtype) {
    case DType::float32: return softmax_loop<float>(out, in, dim, log);
    case DType::float64: return softmax_loop<double>(out, in, dim, log);
    case DType::bfloat16: return softmax_loop<bf16>(out, in, dim, log);
    case DType::float16: return softmax_loop<f16>(out, in, dim, log);
    default: fail("softmax: expected a floating point tensor");
  }
}

}  // namespace

void k_softmax(ArgReader& r) { softmax_common(r, false); }
void k_log_softmax(ArgReader& r) { softmax_common(r, true); }

}  // namespace antorcha
