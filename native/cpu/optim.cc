// Optimizer updates that touch each element once: Adam and AdamW on a float32 parameter in one pass over
// parameter, gradient and moments, instead of about ten elementwise kernels (each a pass over memory and a
// call from JavaScript). The arithmetic follows PyTorch 1.13's single-tensor Adam op by op, each step rounded
// to float32 as its separate tensor ops round it; the scalars arrive already computed in double, as Python
// computes them, and are rounded to float32 as PyTorch rounds a Python scalar for a float32 tensor.
#include <algorithm>
#include <cmath>

#include "antorcha/kernels.h"
#include "antorcha/parallel.h"

// -march=native allows fused multiply-adds, which would round a PyTorch op pair (mul_ then add_) once.
#pragma GCC optimize("fp-contract=off")

namespace antorcha {
namespace {

void check_operand(const TensorArg& t, int64_t numel, const char* what) {
  if (t.dtype != DType::float32 || !t.is_contiguous() || t.numel != numel)
    fail(std::string("adamStep: ") + what + " must be a contiguous float32 tensor of the parameter's size");
}

}  // namespace

// param, grad, expAvg, expAvgSq, hasMax [, maxExpAvgSq], flags (1: decoupled decay, 2: maximize),
// decayFactor (AdamW: 1 - lr * wd), weightDecay (Adam), beta1, 1 - beta1, beta2, 1 - beta2,
// biasCorrection2Sqrt, eps, -stepSize
void k_adam_step(ArgReader& r) {
  TensorArg p = r.tensor(), g = r.tensor(), m = r.tensor(), v = r.tensor();
  const bool has_max = r.i32() != 0;
  TensorArg vmax;
  if (has_max) vmax = r.tensor();
  const int32_t flags = r.i32();
  const bool decoupled = (flags & 1) != 0, maximize = (flags & 2) != 0;
  const float decay_factor = static_cast<float>(r.f64()), weight_decay = static_cast<float>(r.f64());
  const float beta1 = static_cast<float>(r.f64()), one_minus_beta1 = static_cast<float>(r.f64());
  const float beta2 = static_cast<float>(r.f64()), one_minus_beta2 = static_cast<float>(r.f64());
  const float bc2_sqrt = static_cast<float>(r.f64()), eps = static_cast<float>(r.f64());
  const float neg_step_size = static_cast<float>(r.f64());
  const int64_t n = p.numel;
  check_operand(p, n, "the parameter");
  check_operand(g, n, "the gradient");
  check_operand(m, n, "exp_avg");
  check_operand(v, n, "exp_avg_sq");
  if (has_max) check_operand(vmax, n, "max_exp_avg_sq");
  float* pp = p.ptr<float>();
  const float* gp = g.ptr<const float>();
  float* mp = m.ptr<float>();
  float* vp = v.ptr<float>();
  float* xp = has_max ? vmax.ptr<float>() : nullptr;
  const bool coupled_decay = !decoupled && weight_decay != 0.f;
  parallel_for(n, 16384, [&](int64_t begin, int64_t end) {
    // Squared small gradients fall into float32's denormal range, where each operation costs ~100 cycles;
    // flushed on every thread of the team (MXCSR is per thread), as PyTorch with set_flush_denormal(True).
    FlushDenormals ftz;
    for (int64_t i = begin; i < end; ++i) {
      float grad = maximize ? -gp[i] : gp[i];
      float param = pp[i];
      if (decoupled) param = param * decay_factor;                      // param.mul_(1 - lr * wd)
      else if (coupled_decay) grad = grad + weight_decay * param;       // grad.add(param, alpha=wd)
      const float avg = mp[i] * beta1 + one_minus_beta1 * grad;         // mul_(beta1).add_(grad, alpha=1-beta1)
      const float sq = vp[i] * beta2 + one_minus_beta2 * grad * grad;   // mul_(beta2).addcmul_(grad, grad, 1-beta2)
      float second = sq;
      if (xp) second = xp[i] = std::max(xp[i], sq);                      // torch.maximum(max_exp_avg_sq, exp_avg_sq)
      const float denom = std::sqrt(second) / bc2_sqrt + eps;          // (sqrt / bias_correction2_sqrt).add_(eps)
      pp[i] = param + neg_step_size * (avg / denom);                    // addcdiv_(exp_avg, denom, value=-step_size)
      mp[i] = avg;
      vp[i] = sq;
    }
  });
}

}  // namespace antorcha
