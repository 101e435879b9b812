#include <omp.h>
#include <xmmintrin.h>

#include "antorcha/parallel.h"

namespace antorcha {
namespace {
int threads = 0;
}

int num_threads() {
  if (threads == 0) threads = omp_get_max_threads();
  return threads;
}

// Denormals slow float math by an order of magnitude (RNN states decay into them), so the OpenMP workers
// flush them to zero, as torch.set_flush_denormal(True) does. The calling thread is JavaScript's own: it
// keeps its setting and gets flush-to-zero only while a kernel runs (see FlushDenormals).
void set_num_threads(int n) {
  threads = n;
  omp_set_num_threads(n);
  unsigned int caller = _mm_getcsr();
#pragma omp parallel num_threads(n)
  { _mm_setcsr(_mm_getcsr() | 0x8040); }
  _mm_setcsr(caller);
}

}  // namespace antorcha
