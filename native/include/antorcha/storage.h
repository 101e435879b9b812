// Native memory: a caching allocator and a table of handles, so JavaScript only ever holds numbers.
#pragma once
#include <cstddef>
#include <cstdint>

namespace antorcha {

struct MemoryStats {
  double live_bytes;      // bytes held by live handles
  double live_blocks;     // number of live handles
  double cached_bytes;    // freed bytes kept for reuse
  double peak_bytes;      // highest live_bytes seen
};

// Allocates nbytes (zero allowed) and returns a handle; throws std::bad_alloc when out of memory.
double storage_alloc(size_t nbytes);
// Frees a handle; returns false when it was not live (double free or garbage).
bool storage_free(double handle);
// Looks a handle up; throws std::invalid_argument when it is not live.
void* storage_ptr(double handle, size_t* nbytes);
MemoryStats storage_stats();
// Returns every cached block to the system.
void storage_empty_cache();
// Registers fn to be called with each handle storage_free releases (caches of data derived from a storage
// drop their entries then).
void storage_on_free(void (*fn)(double handle));

}  // namespace antorcha
