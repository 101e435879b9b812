// The whole N-API surface: memory handles, copies in and out, one `run` that executes the kernel described
// on the shared argument tape, statistics and thread control. No math lives here.
#include <napi.h>
#include <xmmintrin.h>

#include <exception>

#include "antorcha/kernels.h"
#include "antorcha/parallel.h"
#include "antorcha/storage.h"
#include "antorcha/weight_cache.h"

namespace antorcha {
namespace {

const double* tape = nullptr;
size_t tape_length = 0;
Napi::Reference<Napi::Float64Array> tape_ref;

const KernelFn kernels[] = {
    k_fill,         k_copy,      k_unary,       k_binary,  k_binary_scalar, k_where,        k_clamp,
    k_reduce,       k_arg_reduce, k_softmax,    k_log_softmax, k_matmul,    k_index_select, k_index_add,
    k_gather,       k_scatter,   k_scatter_add, k_rand_uniform, k_rand_normal, k_rand_int,  k_manual_seed,
    k_conv2d,       k_conv2d_backward_data, k_conv2d_backward_weight, k_batch_norm, k_batch_norm_backward,
    k_pool2d,       k_pool2d_backward, k_rnn, k_rnn_backward, k_channel_stats, k_channel_affine,
    k_channel_norm_backward, k_adam_step, k_channel_affine_pool,
};
static_assert(sizeof(kernels) / sizeof(kernels[0]) == static_cast<size_t>(Kernel::count_),
              "kernel table out of step with kernel_spec.json");

[[noreturn]] void rethrow(Napi::Env env, const std::exception& e) {
  throw Napi::Error::New(env, e.what());
}

double to_handle(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }

void release_tape(void*) {
  tape_ref.Reset();
  tape = nullptr;
  tape_length = 0;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  auto array = info[0].As<Napi::Float64Array>();
  // NOTE: the reference must be released before Node tears the environment down; a static destructor running
  // at exit would write into memory Node already freed (heap corruption seen as crashes at exit).
  if (tape_ref.IsEmpty()) napi_add_env_cleanup_hook(info.Env(), release_tape, nullptr);
  tape_ref = Napi::Persistent(array);
  tape = array.Data();
  tape_length = array.ElementLength();
  return info.Env().Undefined();
}

// The hot calls (alloc, free, run) use the C API directly: node-addon-api's wrappers cost ~0.1 us a call,
// which is a measurable share of a small op.
double arg_double(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double value = -1;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_value_double(env, argv[0], &value) != napi_ok)
    return -1;
  return value;
}

napi_value AllocRaw(napi_env env, napi_callback_info info) {
  double n = arg_double(env, info);
  if (!(n >= 0) || n > 1e15) {
    napi_throw_range_error(env, nullptr, "invalid allocation size");
    return nullptr;
  }
  try {
    napi_value result;
    napi_create_double(env, storage_alloc(static_cast<size_t>(n)), &result);
    return result;
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, ("out of memory: could not allocate " + std::to_string(n) + " bytes").c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

napi_value FreeRaw(napi_env env, napi_callback_info info) {
  napi_value result;
  napi_get_boolean(env, storage_free(arg_double(env, info)), &result);
  return result;
}

napi_value RunRaw(napi_env env, napi_callback_info) {
  if (!tape) {
    napi_throw_error(env, nullptr, "native backend not initialised");
    return nullptr;
  }
  ArgReader reader(tape, tape_length);
  FlushDenormals ftz;
  try {
    int id = reader.i32();
    if (id < 0 || id >= static_cast<int>(Kernel::count_)) fail("unknown kernel id " + std::to_string(id));
    kernels[id](reader);
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "out of memory in a native kernel");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

Napi::Function raw_function(Napi::Env env, const char* name, napi_callback cb) {
  napi_value fn;
  NAPI_THROW_IF_FAILED(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn), Napi::Function());
  return Napi::Function(env, fn);
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


Napi::Value Stats(const Napi::CallbackInfo& info) {
  MemoryStats s = storage_stats();
  auto out = Napi::Float64Array::New(info.Env(), 5);
  out[0] = s.live_bytes;
  out[1] = s.live_blocks;
  out[2] = s.cached_bytes;
  out[3] = s.peak_bytes;
  out[4] = static_cast<double>(staged_weight_bytes());
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
  exports.Set("alloc", raw_function(env, "alloc", AllocRaw));
  exports.Set("free", raw_function(env, "free", FreeRaw));
  exports.Set("copyIn", Napi::Function::New(env, CopyIn));
  exports.Set("copyOut", Napi::Function::New(env, CopyOut));
  exports.Set("run", raw_function(env, "run", RunRaw));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("emptyCache", Napi::Function::New(env, EmptyCache));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  set_num_threads(num_threads());  // also sets flush-to-zero on the OpenMP workers
  return exports;
}

}  // namespace
}  // namespace antorcha

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return antorcha::Module(env, exports); }
NODE_API_MODULE(antorcha, InitModule)
