// The whole N-API surface: memory handles, copies in and out, one `run` that executes the kernel described
// on the shared argument tape, statistics and thread control. No math lives here.
#include <napi.h>
#include <xmmintrin.h>

#include <exception>

#include "antorcha/kernels.h"
#include "antorcha/parallel.h"
#include "antorcha/storage.h"

namespace antorcha {
namespace {

const double* tape = nullptr;
size_t tape_length = 0;
Napi::Reference<Napi::Float64Array> tape_ref;

const KernelFn kernels[] = {
    k_fill,         k_copy,      k_unary,       k_binary,  k_binary_scalar, k_where,        k_clamp,
    k_reduce,       k_arg_reduce, k_softmax,    k_log_softmax, k_matmul,    k_index_select, k_index_add,
    k_gather,       k_scatter,   k_scatter_add, k_rand_uniform, k_rand_normal, k_rand_int,  k_manual_seed,
};
static_assert(sizeof(kernels) / sizeof(kernels[0]) == static_cast<size_t>(Kernel::count_),
              "kernel table out of step with kernel_spec.json");

[[noreturn]] void rethrow(Napi::Env env, const std::exception& e) {
  throw Napi::Error::New(env, e.what());
}

double to_handle(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }

Napi::Value Init(const Napi::CallbackInfo& info) {
  auto array = info[0].As<Napi::Float64Array>();
  tape_ref = Napi::Persistent(array);
  tape = array.Data();
  tape_length = array.ElementLength();
  return info.Env().Undefined();
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 0) || n > 1e15) throw Napi::RangeError::New(info.Env(), "invalid allocation size");
  try {
    return Napi::Number::New(info.Env(), storage_alloc(static_cast<size_t>(n)));
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "out of memory: could not allocate " + std::to_string(n) + " bytes");
  } catch (const std::exception& e) {
    rethrow(info.Env(), e);
  }
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), storage_free(to_handle(info[0])));
}

// Byte range [offset, offset + view.byteLength) of the block, checked.
char* checked_range(Napi::Env env, double handle, double offset, size_t length) {
  size_t nbytes = 0;
  char* base;
  try {
    base = static_cast<char*>(storage_ptr(handle, &nbytes));
  } catch (const std::exception& e) {
    rethrow(env, e);
  }
  if (!(offset >= 0) || offset + static_cast<double>(length) > static_cast<double>(nbytes))
    throw Napi::RangeError::New(env, "copy outside the storage block");
  return base + static_cast<size_t>(offset);
}

Napi::Value CopyIn(const Napi::CallbackInfo& info) {
  auto view = info[2].As<Napi::TypedArray>();
  auto buffer = view.ArrayBuffer();
  size_t length = view.ByteLength();
  char* dst = checked_range(info.Env(), to_handle(info[0]), info[1].As<Napi::Number>().DoubleValue(), length);
  std::memcpy(dst, static_cast<char*>(buffer.Data()) + view.ByteOffset(), length);
  return info.Env().Undefined();
}

Napi::Value CopyOut(const Napi::CallbackInfo& info) {
  auto view = info[2].As<Napi::TypedArray>();
  auto buffer = view.ArrayBuffer();
  size_t length = view.ByteLength();
  char* src = checked_range(info.Env(), to_handle(info[0]), info[1].As<Napi::Number>().DoubleValue(), length);
  std::memcpy(static_cast<char*>(buffer.Data()) + view.ByteOffset(), src, length);
  return info.Env().Undefined();
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  if (!tape) throw Napi::Error::New(info.Env(), "native backend not initialised");
  ArgReader reader(tape, tape_length);
  try {
    int id = reader.i32();
    if (id < 0 || id >= static_cast<int>(Kernel::count_)) fail("unknown kernel id " + std::to_string(id));
    kernels[id](reader);
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "out of memory in a native kernel");
  } catch (const std::exception& e) {
    rethrow(info.Env(), e);
  }
  return info.Env().Undefined();
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  MemoryStats s = storage_stats();
  auto out = Napi::Float64Array::New(info.Env(), 4);
  out[0] = s.live_bytes;
  out[1] = s.live_blocks;
  out[2] = s.cached_bytes;
  out[3] = s.peak_bytes;
  return out;
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  storage_empty_cache();
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads expects a positive integer");
  set_num_threads(n);
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), num_threads());
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("copyIn", Napi::Function::New(env, CopyIn));
  exports.Set("copyOut", Napi::Function::New(env, CopyOut));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("emptyCache", Napi::Function::New(env, EmptyCache));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  set_num_threads(num_threads());  // also sets flush-to-zero on every OpenMP thread
  return exports;
}

}  // namespace
}  // namespace antorcha

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return antorcha::Module(env, exports); }
NODE_API_MODULE(antorcha, InitModule)
