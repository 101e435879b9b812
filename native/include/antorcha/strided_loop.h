// Walks the index space shared by several same-shaped strided operands (inputs are broadcast to the output
// shape beforehand, with stride 0). Dimensions are coalesced first, and the body receives whole inner rows,
// so contiguous operands reach a plain loop the compiler vectorises.
#pragma once
#include <algorithm>
#include <cstdint>

#include "parallel.h"
#include "tensor_arg.h"

namespace antorcha {

constexpr int kMaxOperands = 4;

struct StridedLoop {
  int ndim = 0;
  int nops = 0;
  // Left uninitialised on purpose: only the first ndim / nops entries are ever written or read.
  int64_t shape[kMaxDims];
  int64_t strides[kMaxOperands][kMaxDims];  // bytes
  char* base[kMaxOperands];
  int64_t numel = 1;

  // Operand 0 is the output; every operand must have the output's shape.
  StridedLoop(const TensorArg* const* ops, int count) : nops(count) {
    const TensorArg& out = *ops[0];
    for (int i = 0; i < count; ++i) {
      if (ops[i]->ndim != out.ndim) fail("internal: operand rank mismatch in elementwise kernel");
      for (int d = 0; d < out.ndim; ++d)
        if (ops[i]->shape[d] != out.shape[d]) fail("internal: operand shape mismatch in elementwise kernel");
      base[i] = ops[i]->data;
    }
    numel = out.numel;
    // Visit dims from the output's largest stride to its smallest, so a channels-last (or any permuted
    // dense) output gets a unit-stride inner loop; then keep non-trivial dims, merging each into the previous
    // one when every operand allows it.
    int order[kMaxDims];
    for (int d = 0; d < out.ndim; ++d) order[d] = d;
    std::stable_sort(order, order + out.ndim, [&](int a, int b) { return out.strides[a] > out.strides[b]; });
    for (int k = 0; k < out.ndim; ++k) {
      const int d = order[k];
      if (out.shape[d] == 1) continue;
      if (ndim > 0) {
        bool mergeable = true;
        for (int i = 0; i < count; ++i)
          if (strides[i][ndim - 1] != ops[i]->strides[d] * static_cast<int64_t>(ops[i]->itemsize()) * out.shape[d])
            mergeable = false;
        if (mergeable) {
          shape[ndim - 1] *= out.shape[d];
          for (int i = 0; i < count; ++i) strides[i][ndim - 1] = ops[i]->strides[d] * ops[i]->itemsize();
          continue;
        }
      }
      shape[ndim] = out.shape[d];
      for (int i = 0; i < count; ++i) strides[i][ndim] = ops[i]->strides[d] * ops[i]->itemsize();
      ndim++;
    }
    if (ndim == 0) {  // a single element
      shape[0] = 1;
      for (int i = 0; i < count; ++i) strides[i][0] = 0;
      ndim = 1;
    }
  }

  // body(char** ptrs, const int64_t* inner_strides, int64_t n) for every inner row piece.
  template <typename F>
  void run(const F& body, int64_t grain = 32768) const {
    if (numel == 0) return;
    parallel_for(numel, grain, [&](int64_t begin, int64_t end) { run_range(begin, end, body); });
  }

  template <typename F>
  void run_range(int64_t begin, int64_t end, const F& body) const {
    const int last = ndim - 1;
    int64_t idx[kMaxDims];
    int64_t rest = begin;
    for (int d = last; d >= 0; --d) {
      idx[d] = rest % shape[d];
      rest /= shape[d];
    }
    int64_t inner[kMaxOperands];
    for (int i = 0; i < nops; ++i) inner[i] = strides[i][last];
    char* ptrs[kMaxOperands];
    int64_t pos = begin;
    while (pos < end) {
      for (int i = 0; i < nops; ++i) {
        char* p = base[i];
        for (int d = 0; d < ndim; ++d) p += idx[d] * strides[i][d];
        ptrs[i] = p;
      }
      int64_t n = std::min(shape[last] - idx[last], end - pos);
      body(ptrs, inner, n);
      pos += n;
      idx[last] += n;
      for (int d = last; d > 0 && idx[d] >= shape[d]; --d) {
        idx[d] = 0;
        idx[d - 1]++;
      }
    }
  }
};

}  // namespace antorcha
