// Index kernels: indexSelect / indexAdd along one dim, gather / scatter / scatterAdd. Every index is checked
// before anything is written, so a bad index is an error and never a stray memory access.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "antorcha/kernels.h"
#include "antorcha/parallel.h"

namespace antorcha {
namespace {

void check_index_tensor(const TensorArg& index, const char* op) {
  if (index.dtype != DType::int64) fail(std::string(op) + ": index must be int64");
}

// Reads index element i of a (possibly strided) 1-D or N-D index tensor in row-major order.
inline int64_t index_at(const TensorArg& index, int64_t i) {
  int64_t off = 0;
  for (int d = index.ndim - 1; d >= 0; --d) {
    off += (i % index.shape[d]) * index.strides[d];
    i /= index.shape[d];
  }
  return index.ptr<int64_t>()[off];
}

// Validates indices against size and returns them normalised (negative counts from the end).
std::vector<int64_t> checked_indices(const TensorArg& index, int64_t size, int dim, const char* op) {
  std::vector<int64_t> out(index.numel);
  for (int64_t i = 0; i < index.numel; ++i) {
    int64_t v = index_at(index, i);
    if (v < -size || v >= size)
      fail(std::string(op) + ": index " + std::to_string(v) + " is out of bounds for dimension " +
           std::to_string(dim) + " with size " + std::to_string(size));
    out[i] = v < 0 ? v + size : v;
  }
  return out;
}

// Views t as [outer, t.shape[dim], inner] through its strides: offset of (o, j, i).
struct ThreeD {
  int64_t outer = 1, inner = 1;
  const TensorArg* t;
  int dim;
  ThreeD(const TensorArg& tensor, int d) : t(&tensor), dim(d) {
    for (int k = 0; k < d; ++k) outer *= tensor.shape[k];
    for (int k = d + 1; k < tensor.ndim; ++k) inner *= tensor.shape[k];
  }
  int64_t offset(int64_t o, int64_t j, int64_t i) const {
    int64_t off = j * t->strides[dim];
    for (int k = t->ndim - 1; k > dim; --k) {
      off += (i % t->shape[k]) * t->strides[k];
      i /= t->shape[k];
    }
    for (int k = dim - 1; k >= 0; --k) {
      off += (o % t->shape[k]) * t->strides[k];
      o /= t->shape[k];
    }
    return off;
  }
  // Whether the dims after `dim` form one dense row-major block (so a slice at fixed (o, j) is contiguous).
  bool inner_dense() const {
    int64_t expected = 1;
    for (int k = t->ndim - 1; k > dim; --k) {
      if (t->shape[k] == 1) continue;
      if (t->strides[k] != expected) return false;
      expected *= t->shape[k];
    }
    return true;
  }
};

// Offset in t of the multi-index of linear position `pos` in `like`, with dim's coordinate replaced by j.
inline int64_t offset_like(const TensorArg& t, const TensorArg& like, int64_t pos, int dim, int64_t j) {
  int64_t off = 0;
  for (int d = like.ndim - 1; d >= 0; --d) {
    int64_t c = pos % like.shape[d];
    pos /= like.shape[d];
    off += (d == dim ? j : c) * t.strides[d];
  }
  return off;
}

void check_dim(int dim, const TensorArg& t, const char* op) {
  if (dim < 0 || dim >= std::max(t.ndim, 1)) fail(std::string(op) + ": dim out of range");
}

}  // namespace

void k_index_select(ArgReader& r) {
  TensorArg out = r.tensor(), in = r.tensor(), index = r.tensor();
  int dim = r.i32();
  check_index_tensor(index, "indexSelect");
  check_dim(dim, in, "indexSelect");
  if (in.ndim == 0) fail("indexSelect: input must have at least one dimension");
  auto idx = checked_indices(index, in.shape[dim], dim, "indexSelect");
  ThreeD src(in, dim), dst(out, dim);
  if (dst.outer != src.outer || dst.inner != src.inner || out.shape[dim] != index.numel || out.dtype != in.dtype)
    fail("indexSelect: output shape mismatch");
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    const scalar_t* x = in.ptr<scalar_t>();
    scalar_t* y = out.ptr<scalar_t>();
    const int64_t J = index.numel, I = src.inner;
    // Rows of dense inner blocks (a batch of images picked from a dataset tensor) are plain copies.
    const bool rows = src.inner_dense() && dst.inner_dense();
    parallel_for(src.outer * J, std::max<int64_t>(1, 16384 / std::max<int64_t>(I, 1)), [&](int64_t b, int64_t e) {
      for (int64_t job = b; job < e; ++job) {
        int64_t o = job / J, j = job % J;
        if (rows) {
          std::memcpy(static_cast<void*>(y + dst.offset(o, j, 0)), x + src.offset(o, idx[j], 0), sizeof(scalar_t) * I);
          continue;
        }
        for (int64_t i = 0; i < I; ++i) y[dst.offset(o, j, i)] = x[src.offset(o, idx[j], i)];
      }
    });
  });
}

void k_index_add(ArgReader& r) {
  TensorArg out = r.tensor(), index = r.tensor(), src = r.tensor();
  int dim = r.i32();
  check_index_tensor(index, "indexAdd");
  check_dim(dim, out, "indexAdd");
  if (out.ndim == 0) fail("indexAdd: input must have at least one dimension");
  auto idx = checked_indices(index, out.shape[dim], dim, "indexAdd");
  ThreeD s(src, dim), d(out, dim);
  if (d.outer != s.outer || d.inner != s.inner || src.shape[dim] != index.numel || out.dtype != src.dtype)
    fail("indexAdd: source shape mismatch");
  ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
    using C = compute_t<scalar_t>;
    const scalar_t* x = src.ptr<scalar_t>();
    scalar_t* y = out.ptr<scalar_t>();
    if constexpr (!std::is_same_v<scalar_t, bool>) {
      if (s.inner_dense() && d.inner_dense()) {
        // Dense slices (an embedding's gradient rows): whole rows added in index order, so each destination
        // element sums in the same order as below; threads split the rows' columns, never a destination.
        constexpr int64_t kCols = 64;
        const int64_t chunks = (s.inner + kCols - 1) / kCols;
        parallel_for(s.outer * chunks, 1, [&](int64_t b, int64_t e) {
          for (int64_t job = b; job < e; ++job) {
            const int64_t o = job / chunks, i0 = (job % chunks) * kCols, n = std::min(kCols, s.inner - i0);
            for (int64_t j = 0; j < index.numel; ++j) {
              scalar_t* __restrict__ yr = y + d.offset(o, idx[j], 0) + i0;
              const scalar_t* __restrict__ xr = x + s.offset(o, j, 0) + i0;
              for (int64_t i = 0; i < n; ++i) store(yr + i, static_cast<C>(load(yr + i) + load(xr + i)));
            }
          }
        });
        return;
      }
    }
    // Parallel over (outer, inner) only: repeated indices write the same destination.
    parallel_for(s.outer * s.inner, 4096, [&](int64_t b, int64_t e) {
      for (int64_t job = b; job < e; ++job) {
        int64_t o = job / s.inner, i = job % s.inner;
        for (int64_t j = 0; j < index.numel; ++j) {
          scalar_t* p = y + d.offset(o, idx[j], i);
          if constexpr (std::is_same_v<scalar_t, bool>) *p = *p || x[s.offset(o, j, i)];
          else store(p, static_cast<C>(load(p) + load(x + s.offset(o, j, i))));
        }
      }
    });
  });
}

void k_gather(ArgReader& r) {
  TensorArg out = r.tensor(), in = r.tensor(), index = r.tensor();
  int dim = r.i32();
  check_index_tensor(index, "gather");
  check_dim(dim, in, "gather");
  if (out.dtype != in.dtype) fail("gather: output dtype mismatch");
  const int64_t size = in.ndim ? in.shape[dim] : 1;
  auto idx = checked_indices(index, size, dim, "gather");
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    const scalar_t* x = in.ptr<scalar_t>();
    scalar_t* y = out.ptr<scalar_t>();
    parallel_for(index.numel, 16384, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) y[offset_like(out, index, p, -1, 0)] = x[offset_like(in, index, p, dim, idx[p])];
    });
  });
}

namespace {
template <bool Add>
void scatter_common(ArgReader& r, const char* op) {
  TensorArg out = r.tensor(), index = r.tensor(), src = r.tensor();
  int dim = r.i32();
  check_index_tensor(index, op);
  check_dim(dim, out, op);
  if (out.dtype != src.dtype) fail(std::string(op) + ": source dtype mismatch");
  const int64_t size = out.ndim ? out.shape[dim] : 1;
  auto idx = checked_indices(index, size, dim, op);
  ANTORCHA_DISPATCH_ALL(out.dtype, [&] {
    using C = compute_t<scalar_t>;
    const scalar_t* x = src.ptr<scalar_t>();
    scalar_t* y = out.ptr<scalar_t>();
    // Serial: several positions may target one destination, and the last write must win as in PyTorch.
    for (int64_t p = 0; p < index.numel; ++p) {
      scalar_t* dst = y + offset_like(out, index, p, dim, idx[p]);
      const scalar_t* from = x + offset_like(src, index, p, -1, 0);
      if constexpr (Add && !std::is_same_v<scalar_t, bool>) store(dst, static_cast<C>(load(dst) + load(from)));
      else *dst = *from;
    }
  });
}
}  // namespace

void k_scatter(ArgReader& r) { scatter_common<false>(r, "scatter"); }
void k_scatter_add(ArgReader& r) { scatter_common<true>(r, "scatterAdd"); }

}  // namespace antorcha
