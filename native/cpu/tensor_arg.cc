#include "antorcha/tensor_arg.h"

#include "antorcha/storage.h"

namespace antorcha {

const char* dtype_name(DType d) {
  static const char* names[] = {"float32", "float64", "bfloat16", "float16", "int64", "int32", "uint8", "bool"};
  int i = static_cast<int>(d);
  return i >= 0 && i < static_cast<int>(DType::count_) ? names[i] : "unknown";
}

TensorArg ArgReader::tensor() {
  TensorArg t;
  double handle = f64();
  int dtype = i32();
  if (dtype < 0 || dtype >= static_cast<int>(DType::count_)) fail("invalid dtype code " + std::to_string(dtype));
  t.dtype = static_cast<DType>(dtype);
  t.ndim = i32();
  if (t.ndim < 0 || t.ndim > kMaxDims) fail("tensors may have at most " + std::to_string(kMaxDims) + " dimensions");
  int64_t offset = i64();
  for (int d = 0; d < t.ndim; ++d) t.shape[d] = i64();
  for (int d = 0; d < t.ndim; ++d) t.strides[d] = i64();
  size_t nbytes = 0;
  char* base = static_cast<char*>(storage_ptr(handle, &nbytes));
  // Every addressable element must lie inside the block: this is what keeps bad layouts from crashing.
  int64_t last = offset;
  t.numel = 1;
  for (int d = 0; d < t.ndim; ++d) {
    if (t.shape[d] < 0 || t.strides[d] < 0) fail("negative size or stride");
    t.numel *= t.shape[d];
    if (t.shape[d] > 0) last += (t.shape[d] - 1) * t.strides[d];
  }
  if (offset < 0) fail("negative storage offset");
  size_t item = t.itemsize();
  if (t.numel > 0 && static_cast<size_t>(last + 1) * item > nbytes)
    fail("tensor view reaches past the end of its storage");
  t.data = base + offset * item;
  t.handle = handle;
  return t;
}

}  // namespace antorcha
