// 2-D max / average pooling (regular windows with padding, dilation and ceil mode, or adaptive windows) and
// their backward passes. Plain loops with channels innermost, so channels-last activations vectorise;
// windows follow PyTorch's formulas exactly (including which padded cells average pooling counts).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "antorcha/kernels.h"
#include "antorcha/parallel.h"

namespace antorcha {
namespace {

struct PoolSpec {
  bool max = true, adaptive = false, count_include_pad = true;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, divisor = 0;
  void read(ArgReader& r) {
    max = r.i32() == 0;
    adaptive = r.i32() != 0;
    kh = r.i64(); kw = r.i64(); sh = r.i64(); sw = r.i64(); ph = r.i64(); pw = r.i64(); dh = r.i64(); dw = r.i64();
    count_include_pad = r.i32() != 0;
    divisor = r.i64();
  }
};

// Input rows [start, end) (dilated taps for max pooling) and the average's divisor for one output index.
struct Window {
  int64_t start, end, step, pool_size;
};

Window window(const PoolSpec& s, int64_t o, int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad,
              int64_t dil) {
  if (s.adaptive) {
    int64_t a = (o * in) / out, b = ((o + 1) * in + out - 1) / out;
    return {a, b, 1, b - a};
  }
  int64_t a = o * stride - pad;
  if (s.max) {
    int64_t b = std::min(a + (k - 1) * dil + 1, in);
    while (a < 0) a += dil;
    return {a, b, dil, 0};
  }
  int64_t b = std::min(a + k, in + pad);
  int64_t pool = b - a;
  return {std::max<int64_t>(a, 0), std::min(b, in), 1, pool};
}

void check(const TensorArg& t, const char* what) {
  if (t.ndim != 4) fail(std::string("pool2d: ") + what + " must be 4-D [N, C, H, W]");
}

}  // namespace

// out, hasIndices [, indices], in, spec
void k_pool2d(ArgReader& r) {
  TensorArg out = r.tensor();
  bool has_indices = r.i32() != 0;
  TensorArg indices;
  if (has_indices) indices = r.tensor();
  TensorArg in = r.tensor();
  PoolSpec s;
  s.read(r);
  check(in, "input");
  check(out, "output");
  if (out.dtype != in.dtype) fail("pool2d: output dtype must match the input");
  if (has_indices && ((indices.dtype != DType::int64 && indices.dtype != DType::int32) || indices.ndim != 4))
    fail("pool2d: indices must be int64 or int32 [N, C, OH, OW]");
  const int64_t N = in.shape[0], C = in.shape[1], H = in.shape[2], W = in.shape[3], OH = out.shape[2], OW = out.shape[3];
  if (out.shape[0] != N || out.shape[1] != C) fail("pool2d: output batch and channels must match the input");
  if (out.numel == 0) return;
  const int64_t* is = in.strides;
  const int64_t* os = out.strides;
  ANTORCHA_DISPATCH_ALL(in.dtype, [&] {
    using C_t = compute_t<scalar_t>;
    if constexpr (!std::is_floating_point_v<C_t>) {
      fail("pool2d: expected a floating point tensor");
    } else {
      const scalar_t* x = in.ptr<scalar_t>();
      scalar_t* y = out.ptr<scalar_t>();
      const int64_t cs = is[1], ocs = os[1];
      parallel_for(N * OH, 1, [&](int64_t b, int64_t e) {
        std::vector<C_t> acc(C);
        std::vector<int32_t> arg(C);  // 32-bit (H * W < 2^31) so the select vectorises with the floats
        for (int64_t job = b; job < e; ++job) {
          const int64_t n = job / OH, oh = job % OH;
          const Window wh = window(s, oh, H, OH, s.kh, s.sh, s.ph, s.dh);
          for (int64_t ow = 0; ow < OW; ++ow) {
            const Window ww = window(s, ow, W, OW, s.kw, s.sw, s.pw, s.dw);
            bool first = true;
            if (!s.max) std::fill(acc.begin(), acc.end(), C_t(0));
            for (int64_t h = wh.start; h < wh.end; h += wh.step) {
              for (int64_t w = ww.start; w < ww.end; w += ww.step) {
                const scalar_t* p = x + n * is[0] + h * is[2] + w * is[3];
                const int32_t at = static_cast<int32_t>(h * W + w);
                C_t* a = acc.data();
                int32_t* g = arg.data();
                if (s.max && first) {
                  _Pragma("GCC ivdep")
                  for (int64_t c = 0; c < C; ++c) {
                    a[c] = load(p + c * cs);
                    g[c] = at;
                  }
                } else if (s.max) {
                  // PyTorch's rule: the first maximum wins, and a NaN always takes over.
                  if (cs == 1) {
                    _Pragma("GCC ivdep")
                    for (int64_t c = 0; c < C; ++c) {
                      const C_t v = load(p + c);
                      const bool take = v > a[c] || v != v;
                      a[c] = take ? v : a[c];
                      g[c] = take ? at : g[c];
                    }
                  } else {
                    _Pragma("GCC ivdep")
                    for (int64_t c = 0; c < C; ++c) {
                      const C_t v = load(p + c * cs);
                      const bool take = v > a[c] || v != v;
                      a[c] = take ? v : a[c];
                      g[c] = take ? at : g[c];
                    }
                  }
                } else if (cs == 1) {
                  _Pragma("GCC ivdep")
                  for (int64_t c = 0; c < C; ++c) a[c] += load(p + c);
                } else {
                  for (int64_t c = 0; c < C; ++c) a[c] += load(p + c * cs);
                }
                first = false;
              }
            }
            scalar_t* q = y + n * os[0] + oh * os[2] + ow * os[3];
            if (s.max) {
              _Pragma("GCC ivdep")
              for (int64_t c = 0; c < C; ++c) store(q + c * ocs, acc[c]);
              if (has_indices) {
                const int64_t at = n * indices.strides[0] + oh * indices.strides[2] + ow * indices.strides[3];
                const int64_t ics = indices.strides[1];
                if (indices.dtype == DType::int32) {
                  int32_t* ip = indices.ptr<int32_t>() + at;
                  for (int64_t c = 0; c < C; ++c) ip[c * ics] = arg[c];
                } else {
                  int64_t* ip = indices.ptr<int64_t>() + at;
                  for (int64_t c = 0; c < C; ++c) ip[c * ics] = arg[c];
                }
              }
            } else {
              int64_t div;
              if (s.divisor > 0) div = s.divisor;
              else if (s.adaptive) div = wh.pool_size * ww.pool_size;
              else if (s.count_include_pad) div = wh.pool_size * ww.pool_size;
              else div = (wh.end - wh.start) * (ww.end - ww.start);
              const C_t scale = C_t(1) / static_cast<C_t>(div);
              _Pragma("GCC ivdep")
              for (int64_t c = 0; c < C; ++c) store(q + c * ocs, acc[c] * scale);
            }
          }
        }
      });
    }
  });
}

namespace {

// Zeroes image n of a 4-D tensor (any strides), a row of W * C elements at a time.
template <typename T>
void zero_image(const TensorArg& t, int64_t n) {
  const int64_t C = t.shape[1], H = t.shape[2], W = t.shape[3];
  const int64_t* st = t.strides;
  T* base = t.ptr<T>() + n * st[0];
  const bool cl_rows = st[1] == 1 && st[3] == C;  // channels-last: a row of the image is W * C dense
  for (int64_t h = 0; h < H; ++h) {
    if (cl_rows) {
      std::memset(static_cast<void*>(base + h * st[2]), 0, sizeof(T) * W * C);
      continue;
    }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t w = 0; w < W; ++w) store(base + c * st[1] + h * st[2] + w * st[3], compute_t<T>(0));
  }
}

// Whether max pooling's windows tile the input without overlapping (kernel == stride, no padding or
// dilation): then every input cell belongs to at most one window, and the backward can write each cell once.
bool tiles(const PoolSpec& s) {
  return s.max && !s.adaptive && s.kh == s.sh && s.kw == s.sw && s.ph == 0 && s.pw == 0 && s.dh == 1 && s.dw == 1;
}

}  // namespace

// gradIn (written whole: no need to zero it), gradOut, hasIndices [, indices], spec
void k_pool2d_backward(ArgReader& r) {
  TensorArg grad_in = r.tensor(), grad_out = r.tensor();
  bool has_indices = r.i32() != 0;
  TensorArg indices;
  if (has_indices) indices = r.tensor();
  PoolSpec s;
  s.read(r);
  check(grad_in, "input gradient");
  check(grad_out, "output gradient");
  if (s.max && !has_indices) fail("pool2d backward: max pooling needs its indices");
  if (has_indices && ((indices.dtype != DType::int64 && indices.dtype != DType::int32) || indices.ndim != 4))
    fail("pool2d backward: indices must be int64 or int32 [N, C, OH, OW]");
  if (grad_in.dtype != grad_out.dtype) fail("pool2d backward: dtypes differ");
  const int64_t N = grad_in.shape[0], C = grad_in.shape[1], H = grad_in.shape[2], W = grad_in.shape[3];
  const int64_t OH = grad_out.shape[2], OW = grad_out.shape[3];
  if (grad_out.shape[0] != N || grad_out.shape[1] != C) fail("pool2d backward: batch and channels of the gradients differ");
  if (has_indices) {
    for (int d = 0; d < 4; ++d)
      if (indices.shape[d] != grad_out.shape[d]) fail("pool2d backward: indices must have the output gradient's shape");
  }
  const int64_t* gs = grad_in.strides;
  const int64_t* os = grad_out.strides;
  const bool tiled = tiles(s);
  ANTORCHA_DISPATCH_ALL(grad_in.dtype, [&] {
    using C_t = compute_t<scalar_t>;
    if constexpr (!std::is_floating_point_v<C_t>) {
      fail("pool2d backward: expected a floating point tensor");
    } else {
      scalar_t* gx = grad_in.ptr<scalar_t>();
      const scalar_t* gy = grad_out.ptr<scalar_t>();
      // Offset of each plane position h * W + w, so max pooling's scatter needs no division per element.
      std::vector<int64_t> plane_offset(s.max && !tiled ? H * W : 0);
      for (int64_t i = 0; i < static_cast<int64_t>(plane_offset.size()); ++i) plane_offset[i] = (i / W) * gs[2] + (i % W) * gs[3];
      const int64_t is1 = has_indices ? indices.strides[1] : 0;
      // Max pooling's indices are int64 (returned to the user) or int32 (kept for backward alone: half the
      // memory traffic, and compares as wide as float32's lanes).
      auto run = [&](auto* index_base) {
        using I = std::remove_const_t<std::remove_pointer_t<decltype(index_base)>>;
        // Windows overlap within an image, so images are the unit of parallel work; each image's gradient is
        // zeroed just before it is written, while it is in cache.
        parallel_for(N, 1, [&](int64_t b, int64_t e) {
          for (int64_t n = b; n < e; ++n) {
            if (tiled) {
              // Cells outside every window (the last rows or columns when the size is not a multiple of the
              // stride) get zero; every other cell is written exactly once below.
              if (OH * s.sh < H || OW * s.sw < W) zero_image<scalar_t>(grad_in, n);
              for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t h0 = oh * s.sh, h1 = std::min(h0 + s.kh, H);
                for (int64_t ow = 0; ow < OW; ++ow) {
                  const int64_t w0 = ow * s.sw, w1 = std::min(w0 + s.kw, W);
                  const scalar_t* g = gy + n * os[0] + oh * os[2] + ow * os[3];
                  const I* ip = index_base + n * indices.strides[0] + oh * indices.strides[2] + ow * indices.strides[3];
                  for (int64_t h = h0; h < h1; ++h)
                    for (int64_t w = w0; w < w1; ++w) {
                      const I at = static_cast<I>(h * W + w);
                      scalar_t* dst = gx + n * gs[0] + h * gs[2] + w * gs[3];
                      // Each cell gets its window's gradient unchanged or zero: copied as stored (all-zero bits are +0
                      // in every float type), no round trip through float.
                      if (gs[1] == 1 && os[1] == 1 && is1 == 1) {
                        // On the raw bit patterns with a mask instead of a select between floats: GCC vectorises
                        // this for 16-bit floats too (a float select next to 64-bit index compares it did not).
                        using Raw = std::conditional_t<sizeof(scalar_t) == 2, uint16_t,
                                                       std::conditional_t<sizeof(scalar_t) == 4, uint32_t, uint64_t>>;
                        Raw* draw = reinterpret_cast<Raw*>(dst);
                        const Raw* graw = reinterpret_cast<const Raw*>(g);
                        _Pragma("GCC ivdep")
                        for (int64_t c = 0; c < C; ++c) draw[c] = graw[c] & (Raw(0) - static_cast<Raw>(ip[c] == at));
                      } else {
                        for (int64_t c = 0; c < C; ++c) dst[c * gs[1]] = ip[c * is1] == at ? g[c * os[1]] : scalar_t{};
                      }
                    }
                }
              }
              continue;
            }
            zero_image<scalar_t>(grad_in, n);
            for (int64_t oh = 0; oh < OH; ++oh) {
              const Window wh = window(s, oh, H, OH, s.kh, s.sh, s.ph, s.dh);
              for (int64_t ow = 0; ow < OW; ++ow) {
                const scalar_t* g = gy + n * os[0] + oh * os[2] + ow * os[3];
                if (s.max) {
                  const I* ip = index_base + n * indices.strides[0] + oh * indices.strides[2] + ow * indices.strides[3];
                  for (int64_t c = 0; c < C; ++c) {
                    const int64_t at = ip[c * is1];
                    if (at < 0 || at >= H * W) continue;
                    scalar_t* dst = gx + n * gs[0] + c * gs[1] + plane_offset[at];
                    store(dst, static_cast<C_t>(load(dst) + load(g + c * os[1])));
                  }
                  continue;
                }
                const Window ww = window(s, ow, W, OW, s.kw, s.sw, s.pw, s.dw);
                int64_t div;
                if (s.divisor > 0) div = s.divisor;
                else if (s.adaptive || s.count_include_pad) div = wh.pool_size * ww.pool_size;
                else div = (wh.end - wh.start) * (ww.end - ww.start);
                const C_t scale = C_t(1) / static_cast<C_t>(div);
                for (int64_t h = wh.start; h < wh.end; ++h)
                  for (int64_t w = ww.start; w < ww.end; ++w) {
                    scalar_t* dst = gx + n * gs[0] + h * gs[2] + w * gs[3];
                    for (int64_t c = 0; c < C; ++c)
                      store(dst + c * gs[1], static_cast<C_t>(load(dst + c * gs[1]) + load(g + c * os[1]) * scale));
                  }
              }
            }
          }
        });
      };
      if (has_indices && indices.dtype == DType::int32) run(indices.ptr<const int32_t>());
      else run(has_indices ? indices.ptr<const int64_t>() : static_cast<const int64_t*>(nullptr));
    }
  });
}

}  // namespace antorcha
