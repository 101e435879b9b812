#include "antorcha/dnnl_context.h"

#include <list>
#include <unordered_map>
#include <vector>

namespace antorcha {
namespace {

constexpr size_t kCacheCapacity = 1024;

struct Lru {
  std::list<std::pair<std::string, CachedPrimitive>> items;  // most recent first
  std::unordered_map<std::string, decltype(items)::iterator> index;
};
Lru& lru() {
  static Lru cache;
  return cache;
}

// One scratch buffer for every primitive: kernels run one at a time on the calling thread.
std::vector<char>& scratch() {
  static std::vector<char> buffer;
  return buffer;
}

}  // namespace

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpu_stream() {
  static dnnl::stream stream(cpu_engine());
  return stream;
}

CachedPrimitive& cached_primitive(const std::string& key, const std::function<CachedPrimitive()>& make) {
  Lru& c = lru();
  auto hit = c.index.find(key);
  if (hit != c.index.end()) {
    c.items.splice(c.items.begin(), c.items, hit->second);
    return hit->second->second;
  }
  c.items.emplace_front(key, make());
  c.index[key] = c.items.begin();
  if (c.items.size() > kCacheCapacity) {
    c.index.erase(c.items.back().first);
    c.items.pop_back();
  }
  return c.items.front().second;
}

CachedPrimitive try_build(const std::function<CachedPrimitive()>& make) {
  try {
    return make();
  } catch (const dnnl::error&) {
    return CachedPrimitive{dnnl::primitive(), dnnl::memory::desc(), std::string()};
  }
}

size_t primitive_cache_size() { return lru().items.size(); }

void append_key(std::string& key, const TensorArg& t) {
  key += '|';
  key += std::to_string(static_cast<int>(t.dtype));
  for (int d = 0; d < t.ndim; ++d) {
    key += ',';
    key += std::to_string(t.shape[d]);
    key += ':';
    key += std::to_string(t.strides[d]);
  }
}

dnnl::memory::desc strided_md(const TensorArg& t) {
  dnnl::memory::dims d(t.shape, t.shape + t.ndim), s(t.strides, t.strides + t.ndim);
  for (int i = t.ndim - 1; i >= 0; --i)
    if (d[i] == 1 && s[i] == 0) s[i] = (i == t.ndim - 1) ? 1 : s[i + 1] * d[i + 1];
  return dnnl::memory::desc(d, dnnl_type(t.dtype), s);
}

bool own_avx2_kernels() {
  static const bool avx2_widest = [] {
    const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
    return isa == dnnl::cpu_isa::avx2 || isa == dnnl::cpu_isa::avx2_vnni;
  }();
  return avx2_widest;
}

dnnl::primitive_attr scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory::data_type dnnl_type(DType d) {
  using dt = dnnl::memory::data_type;
  switch (d) {
    case DType::float32: return dt::f32;
    case DType::bfloat16: return dt::bf16;
    case DType::float16: return dt::f16;
    case DType::int32: return dt::s32;
    case DType::uint8: return dt::u8;
    default: return dt::undef;
  }
}

void execute(CachedPrimitive& p, std::unordered_map<int, dnnl::memory> args) {
  size_t need = p.scratchpad.get_size();
  if (need > 0) {
    auto& buf = scratch();
    if (buf.size() < need) buf.resize(need);
    args.insert({DNNL_ARG_SCRATCHPAD, dnnl::memory(p.scratchpad, cpu_engine(), buf.data())});
  }
  p.primitive.execute(cpu_stream(), args);
  cpu_stream().wait();
}

bool dnnl_softmax(const TensorArg& out, const TensorArg& in, int dim, bool log) {
  std::string key = log ? "logsoftmax" : "softmax";
  append_key(key, in);
  key += "@" + std::to_string(dim);
  dnnl::memory::dims dims(in.shape, in.shape + in.ndim);
  if (in.ndim == 0) dims = {1};
  auto md = [&] {
    dnnl::memory::dims strides(dims.size());
    int64_t s = 1;
    for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
      strides[d] = s;
      s *= dims[d];
    }
    return dnnl::memory::desc(dims, dnnl_type(in.dtype), strides);
  }();
  CachedPrimitive& p = cached_primitive(key, [&] { return try_build([&] {
    dnnl::primitive_attr attr = scratchpad_attr();
    dnnl::softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference,
                                        log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate,
                                        md, md, in.ndim == 0 ? 0 : dim);
    dnnl::softmax_v2_forward::primitive_desc pd(desc, attr, cpu_engine());
    return CachedPrimitive{dnnl::softmax_v2_forward(pd), pd.scratchpad_desc(), pd.impl_info_str()};
  }); });
  if (!p.fast()) return false;
  dnnl::memory src(md, cpu_engine(), in.data), dst(md, cpu_engine(), out.data);
  execute(p, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return true;
}

}  // namespace antorcha
