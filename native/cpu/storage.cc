// Caching allocator and handle table. Training loops allocate the same sizes every step, so freed blocks
// are kept by exact (rounded) size and handed out again: this skips malloc and, for large blocks, the page
// faults of fresh mmap'ed memory that otherwise dominate big elementwise ops.
#include "antorcha/storage.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace antorcha {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxCached = size_t(2) << 30;  // keep at most 2 GiB of freed blocks
constexpr double kSlotRange = 16777216.0;       // handle = generation * 2^24 + slot

struct Slot {
  void* ptr = nullptr;
  size_t nbytes = 0;    // requested size
  size_t capacity = 0;  // rounded size, the cache key
  uint32_t generation = 0;
  bool live = false;
};

std::vector<Slot> slots;
std::vector<uint32_t> free_slots;
// A freed block and the allocation count when it was freed. Blocks a loop does not ask for again within
// kIdleAllocations allocations (one-off temporaries such as a dataset's conversion steps) go back to the
// system, so the cache holds what the loop reuses and resident memory follows the loop's real needs.
struct CachedBlock {
  void* ptr;
  uint64_t freed_at;
};
constexpr uint64_t kIdleAllocations = 1 << 13;
constexpr uint64_t kSweepEvery = 1 << 10;
std::unordered_map<size_t, std::vector<CachedBlock>> cache;
uint64_t allocations = 0;
size_t cached_bytes = 0, live_bytes = 0, live_blocks = 0, peak_bytes = 0;

constexpr size_t kHugePage = size_t(2) << 20;

size_t round_up(size_t n) {
  if (n <= 4096) return (n + kAlign - 1) / kAlign * kAlign;
  if (n >= 2 * kHugePage) return (n + kHugePage - 1) / kHugePage * kHugePage;
  return (n + 4095) / 4096 * 4096;
}

// glibc raises its mmap threshold after each large free, up to 32 MiB, and then serves blocks below it from
// the heap, where freed memory stays resident when fragmented. A fixed threshold keeps every block of 1 MiB
// or more an mmap of its own, so what the cache gives back really leaves the process.
void fix_mmap_threshold() {
  static const bool done = mallopt(M_MMAP_THRESHOLD, 1 << 20) != 0;
  (void)done;
}

void* raw_alloc(size_t capacity) {
  fix_mmap_threshold();
  auto& bucket = cache[capacity];
  if (!bucket.empty()) {
    void* p = bucket.back().ptr;  // the most recently freed block: likeliest to be in cache
    bucket.pop_back();
    cached_bytes -= capacity;
    return p;
  }
  // Large blocks are 2 MiB aligned and asked to be backed by transparent huge pages: streaming kernels
  // over tens of megabytes then take 512x fewer TLB misses and page faults.
  const bool huge = capacity >= 2 * kHugePage;
  const size_t align = huge ? kHugePage : kAlign;
  void* p = nullptr;
  if (posix_memalign(&p, align, capacity == 0 ? kAlign : capacity) != 0) {
    storage_empty_cache();  // retry once with the cache returned to the system
    if (posix_memalign(&p, align, capacity == 0 ? kAlign : capacity) != 0) throw std::bad_alloc();
  }
  if (huge) madvise(p, capacity, MADV_HUGEPAGE);
  return p;
}

void raw_release(void* p, size_t capacity) {
  if (cached_bytes + capacity > kMaxCached) {
    std::free(p);
    return;
  }
  cache[capacity].push_back({p, allocations});
  cached_bytes += capacity;
}

// Returns blocks idle for kIdleAllocations to the system (each bucket is ordered by freeing time).
void sweep_idle() {
  for (auto& [capacity, bucket] : cache) {
    size_t stale = 0;
    while (stale < bucket.size() && allocations - bucket[stale].freed_at > kIdleAllocations) std::free(bucket[stale++].ptr);
    if (stale == 0) continue;
    bucket.erase(bucket.begin(), bucket.begin() + static_cast<std::ptrdiff_t>(stale));
    cached_bytes -= stale * capacity;
  }
}

Slot* lookup(double handle) {
  if (!(handle >= 0) || handle > 9007199254740991.0) return nullptr;
  double gen = static_cast<double>(static_cast<uint64_t>(handle / kSlotRange));
  uint64_t index = static_cast<uint64_t>(handle - gen * kSlotRange);
  if (index >= slots.size()) return nullptr;
  Slot& s = slots[index];
  if (!s.live || s.generation != static_cast<uint32_t>(gen)) return nullptr;
  return &s;
}

}  // namespace

double storage_alloc(size_t nbytes) {
  if (++allocations % kSweepEvery == 0) sweep_idle();
  size_t capacity = round_up(nbytes);
  void* p = raw_alloc(capacity);
  uint32_t index;
  if (!free_slots.empty()) {
    index = free_slots.back();
    free_slots.pop_back();
  } else {
    if (slots.size() >= static_cast<size_t>(kSlotRange)) {
      raw_release(p, capacity);
      throw std::runtime_error("too many live tensors (16M storage handles)");
    }
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  }
  Slot& s = slots[index];
  s.ptr = p;
  s.nbytes = nbytes;
  s.capacity = capacity;
  s.generation = (s.generation + 1) & 0x1fffffffu;
  s.live = true;
  live_bytes += nbytes;
  live_blocks++;
  if (live_bytes > peak_bytes) peak_bytes = live_bytes;
  return static_cast<double>(s.generation) * kSlotRange + index;
}

static std::vector<void (*)(double)>& free_listeners() {
  static std::vector<void (*)(double)> listeners;
  return listeners;
}

void storage_on_free(void (*fn)(double handle)) { free_listeners().push_back(fn); }

bool storage_free(double handle) {
  Slot* s = lookup(handle);
  if (!s) return false;
  for (auto fn : free_listeners()) fn(handle);
  raw_release(s->ptr, s->capacity);
  live_bytes -= s->nbytes;
  live_blocks--;
  s->ptr = nullptr;
  s->live = false;
  free_slots.push_back(static_cast<uint32_t>(s - slots.data()));
  return true;
}

void* storage_ptr(double handle, size_t* nbytes) {
  Slot* s = lookup(handle);
  if (!s) throw std::invalid_argument("invalid or freed storage handle");
  if (nbytes) *nbytes = s->nbytes;
  return s->ptr;
}

MemoryStats storage_stats() {
  return {static_cast<double>(live_bytes), static_cast<double>(live_blocks), static_cast<double>(cached_bytes),
          static_cast<double>(peak_bytes)};
}

void storage_empty_cache() {
  for (auto& [capacity, bucket] : cache) {
    for (const CachedBlock& b : bucket) std::free(b.ptr);
    bucket.clear();
  }
  cache.clear();
  cached_bytes = 0;
}

}  // namespace antorcha
