// Weights staged once in the layout a primitive wants, for weights the caller never changes.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <string>

#include "tensor_arg.h"

namespace antorcha {

// `user` (the memory of weight tensor w) in the layout `want`, reordered on the first call for this tensor and
// layout (`layout_key` names it) and kept until w's storage is freed. For weights the caller promises never to
// change while their storage lives (eval-mode Conv-BN weights, folded once).
const dnnl::memory& staged_weight(const TensorArg& w, const dnnl::memory& user, const dnnl::memory::desc& want,
                                  const std::string& layout_key);
// Bytes held by staged weights (reported with the memory statistics).
size_t staged_weight_bytes();

}  // namespace antorcha
