// How a kernel sees its arguments: a strided view over a storage block, read from the argument tape
// that TypeScript fills (see src/backend/kernels.ts; both sides must read and write in the same order).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "dtype.h"

namespace antorcha {

constexpr int kMaxDims = 16;

struct TensorArg {
  char* data = nullptr;  // address of element 0 of the view (storage base + offset)
  double handle = -1;    // the storage's handle (never reused; identifies derived data such as staged weights)
  DType dtype = DType::float32;
  int ndim = 0;
  int64_t shape[kMaxDims];    // only the first ndim entries are set
  int64_t strides[kMaxDims];  // in elements
  int64_t numel = 1;

  size_t itemsize() const { return dtype_size(dtype); }
  bool is_contiguous() const {
    int64_t expected = 1;
    for (int d = ndim - 1; d >= 0; --d) {
      if (shape[d] == 1) continue;
      if (strides[d] != expected) return false;
      expected *= shape[d];
    }
    return true;
  }
  template <typename T> T* ptr() const { return reinterpret_cast<T*>(data); }
};

class ArgReader {
 public:
  ArgReader(const double* tape, size_t length) : tape_(tape), length_(length) {}
  double f64() {
    if (pos_ >= length_) throw std::invalid_argument("argument tape overrun");
    return tape_[pos_++];
  }
  int64_t i64() { return static_cast<int64_t>(f64()); }
  int i32() { return static_cast<int>(f64()); }
  // Reads a tensor and checks that every element it can address lies inside its storage block.
  TensorArg tensor();

 private:
  const double* tape_;
  size_t length_;
  size_t pos_ = 0;
};

[[noreturn]] inline void fail(const std::string& message) { throw std::invalid_argument(message); }

}  // namespace antorcha
