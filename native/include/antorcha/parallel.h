// Splits a range over the OpenMP team (the same runtime oneDNN uses, so the two never compete).
#pragma once
#include <omp.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cstdint>

namespace antorcha {

int num_threads();

// Sets flush-to-zero / denormals-are-zero on the calling thread for the scope's lifetime.
class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned int saved_;
};

void set_num_threads(int n);

// Calls fn(begin, end) on disjoint chunks of [0, n); runs inline when n is below grain or one thread is set.
template <typename F>
void parallel_for(int64_t n, int64_t grain, const F& fn) {
  if (n <= 0) return;
  int threads = num_threads();
  if (threads <= 1 || n <= grain) {
    fn(int64_t(0), n);
    return;
  }
  int64_t max_chunks = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  int team = static_cast<int>(std::min<int64_t>(threads, max_chunks));
#pragma omp parallel num_threads(team)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t chunk = (n + nt - 1) / nt;
    int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin < end) fn(begin, end);
  }
}

// Calls fn(i) for every i in [0, n), the team taking items one at a time from a shared counter: on a machine
// whose cores run at uneven speeds (a shared host), a fast thread takes more items instead of waiting for a
// slow one at the end of an even split. For items of at least tens of microseconds each.
template <typename F>
void parallel_items(int64_t n, const F& fn) {
  if (n <= 0) return;
  int threads = static_cast<int>(std::min<int64_t>(num_threads(), n));
  if (threads <= 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  int64_t next = 0;
#pragma omp parallel num_threads(threads)
  for (;;) {
    int64_t i;
#pragma omp atomic capture
    i = next++;
    if (i >= n) break;
    fn(i);
  }
}

}  // namespace antorcha
