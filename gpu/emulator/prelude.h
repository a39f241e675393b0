// CUDA's built-ins for the kernels of CudaOps.SOURCE compiled as C++ on the host: a block's
// threads are fibers that the emulator runs one at a time up to each __syncthreads (runtime.cpp).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <math.h>

struct uint3 {
  unsigned int x, y, z;
};

namespace jrnn_emulator {
/**
 * A kernel: its name, how to launch it from cuLaunchKernel's argument slots, which of its pointer
 * arguments is neither null nor device memory (-1: none), whether it waits at barriers and
 * whether it declares shared memory.
 */
struct Kernel {
  const char* name;
  void (*launch)(void** args);
  int (*bad_pointer)(void** args);
  bool barriers;
  /** Whether it declares shared memory, which then starts each block as NaN. */
  bool shared;
};
extern uint3 thread_index, block_index, block_size, grid_size;
/** Whether p is null or in a live device allocation (runtime.cpp's record of cudaMalloc's). */
bool device_or_null(const void* p);
/** Waits at the barrier {@code barrier} names (its source line): the block's threads must all wait at the same one. */
void sync_threads(void* barrier);
}  // namespace jrnn_emulator

#define threadIdx jrnn_emulator::thread_index
#define blockIdx jrnn_emulator::block_index
#define blockDim jrnn_emulator::block_size
#define gridDim jrnn_emulator::grid_size
#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__
// Shared memory: one copy for the block's fibers (the blocks run one after another), in a
// section of its own that the runtime fills before each block (0xff bytes, or 0x7f with the
// threads in reverse order), as a block's shared memory on a GPU starts out as whatever was
// there: a read of what the block never wrote shows.
#define __shared__ static __attribute__((section("jrnn_shared")))

#define __syncthreads() jrnn_emulator::sync_threads(reinterpret_cast<void*>(static_cast<uintptr_t>(__LINE__)))
inline float __int_as_float(int i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}
inline int __float_as_int(float f) {
  int i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}
inline double __longlong_as_double(long long i) {
  double d;
  std::memcpy(&d, &i, sizeof d);
  return d;
}
// One fiber runs at a time and blocks run in turn: a read-modify-write is whole.
inline float atomicAdd(float* p, float v) {
  float old = *p;
  *p = old + v;
  return old;
}
inline double atomicAdd(double* p, double v) {
  double old = *p;
  *p = old + v;
  return old;
}
