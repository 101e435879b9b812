// oneDNN engine, stream and a shape-keyed cache of built primitives (descriptor creation costs up to tens
// of milliseconds for some primitives, so a training loop must build each one once).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "tensor_arg.h"

namespace antorcha {

dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();

// A built primitive plus the bytes of scratch memory it asked for.
struct CachedPrimitive {
  dnnl::primitive primitive;
  dnnl::memory::desc scratchpad;
  std::string impl;  // implementation name, e.g. "brg:avx2" or "ref:any"; empty when oneDNN has none
  dnnl::memory::desc extra;  // a layout the caller must stage an operand in (e.g. the primitive's weights)

  // True when oneDNN offers a real (non-reference) implementation for this case.
  bool fast() const { return !impl.empty() && impl.rfind("ref", 0) != 0; }
};

// Builds with make(); a configuration oneDNN cannot implement becomes an entry with no implementation.
CachedPrimitive try_build(const std::function<CachedPrimitive()>& make);

// Returns the cached entry for key, building it with make() on a miss (least recently used entries go).
CachedPrimitive& cached_primitive(const std::string& key, const std::function<CachedPrimitive()>& make);
size_t primitive_cache_size();

// Describes t to oneDNN by its strides (a zero stride on a size-1 dim becomes the dense value; other strides
// of size-1 dims are kept, so a one-channel channels-last tensor still reads as NHWC).
dnnl::memory::desc strided_md(const TensorArg& t);
// Primitive attributes with a user-managed scratchpad (see execute()).
dnnl::primitive_attr scratchpad_attr();

// Key fragment describing dtype, shape and strides.
void append_key(std::string& key, const TensorArg& t);
dnnl::memory::data_type dnnl_type(DType d);

// Whether the library's own AVX2 kernels (Winograd, the unfolded-rows forward convolution) should run: they
// were measured against oneDNN's AVX2 kernels; where oneDNN has wider vectors (AVX-512, AMX) it runs instead.
bool own_avx2_kernels();

// Runs softmax (or log-softmax) through oneDNN; false when oneDNN has no fast implementation for it.
bool dnnl_softmax(const TensorArg& out, const TensorArg& in, int dim, bool log);

// Executes prim with args plus the shared scratchpad buffer (kernels run one at a time).
void execute(CachedPrimitive& p, std::unordered_map<int, dnnl::memory> args);

}  // namespace antorcha
