// CUDA's runtime and driver calls that jrnn makes, on the host: device memory is host memory,
// and a kernel launch runs the kernel (kernels.cpp) block after block, a block's threads as
// fibers that each run up to the next __syncthreads before the next one starts. The order in
// which a block's threads take their turns is JRNN_EMULATOR_ORDER: "forward" (the default) or
// "reverse"; a kernel whose threads read what another writes without a barrier between them
// gives different results in the two orders.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "prelude.h"

// A switch between fibers on x86-64: the callee-saved registers pushed on the stack being left,
// its stack pointer stored in *from, to's stack taken and its registers popped. No signal mask
// is saved (swapcontext's system calls made most of the emulator's time).
asm(R"(
.text
.globl jrnn_emulator_switch
.type jrnn_emulator_switch,@function
jrnn_emulator_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size jrnn_emulator_switch, .-jrnn_emulator_switch
)");
extern "C" void jrnn_emulator_switch(void** from, void* to);

namespace jrnn_emulator {
uint3 thread_index, block_index, block_size, grid_size;
/** The live device allocations: start -> bytes. */
std::map<uintptr_t, size_t> allocations;
/** Freed allocations not yet given back to the host allocator, oldest first. */
std::deque<void*> quarantine;
std::mutex allocating;
extern const Kernel KERNELS[];

namespace {
constexpr size_t STACK = 64 * 1024;
constexpr size_t GUARD = 4096;
void* scheduler;
std::vector<void*> fibers;
std::vector<char*> stacks;
std::vector<char> finished;
/** Which __syncthreads each thread of the block waits at (its source line), in the scheduler's round. */
std::vector<void*> waiting_at;
int running = -1;
/** One launch at a time: CUDA takes launches from many threads, the emulator's state is one block's. */
std::mutex launching;
const Kernel* kernel;
void** arguments;

/** A fiber's stack, STACK bytes above a page that faults: an overflow stops the process, not another stack. */
char* new_stack() {
  void* p = mmap(nullptr, GUARD + STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || mprotect(p, GUARD, PROT_NONE) != 0) {
    std::fprintf(stderr, "jrnn emulator: no memory for a fiber's stack\n");
    std::abort();
  }
  return static_cast<char*>(p) + GUARD;
}

/** A fiber's body: its thread of the kernel, then back to the scheduler for good. */
[[noreturn]] void fiber() {
  int t = running;
  kernel->launch(arguments);
  finished[t] = 1;
  void* unused;
  jrnn_emulator_switch(&unused, scheduler);
  std::abort();
}

bool reverse_order() {
  const char* order = std::getenv("JRNN_EMULATOR_ORDER");
  return order != nullptr && std::strcmp(order, "reverse") == 0;
}

/** Thread t's stack, made so that the first switch to it enters fiber() as if called. */
void start(unsigned t) {
  uintptr_t top = (reinterpret_cast<uintptr_t>(stacks[t]) + STACK) & ~static_cast<uintptr_t>(15);
  void** sp = reinterpret_cast<void**>(top);
  *--sp = nullptr;                                    // fiber()'s own return address: it never returns
  *--sp = reinterpret_cast<void*>(&fiber);            // where the switch's ret goes
  for (int r = 0; r < 6; r++) {
    *--sp = nullptr;                                  // r15..r12, rbx, rbp, as the switch pops them
  }
  fibers[t] = sp;
  finished[t] = 0;
}

/** Runs one block of {@code threads} threads, each as a fiber, a turn each between barriers. */
void run_block(unsigned threads) {
  while (fibers.size() < threads) {
    fibers.push_back(nullptr);
    stacks.push_back(new_stack());
    finished.push_back(0);
    waiting_at.push_back(nullptr);
  }
  for (unsigned t = 0; t < threads; t++) {
    start(t);
  }
  bool reverse = reverse_order();
  unsigned live = threads;
  while (live > 0) {
    for (unsigned k = 0; k < threads; k++) {
      unsigned t = reverse ? threads - 1 - k : k;
      if (finished[t]) {
        continue;
      }
      running = static_cast<int>(t);
      thread_index = {t, 0, 0};
      jrnn_emulator_switch(&scheduler, fibers[t]);
      if (finished[t]) {
        live--;
      }
    }
    // A barrier is the whole block's: threads waiting at different ones, or some returned while
    // others wait, is undefined on a GPU (a hang, or a barrier passed early).
    for (unsigned t = 0; live > 0 && t < threads; t++) {
      if (finished[t] || waiting_at[t] != waiting_at[reverse ? threads - 1 : 0]) {
        std::fprintf(stderr, "jrnn emulator: kernel %s, block %u: thread %u %s (a divergent barrier)\n", kernel->name,
                     block_index.x, t, finished[t] ? "has returned while others wait at a __syncthreads"
                     : "waits at another __syncthreads than the block's first thread");
        std::abort();
      }
    }
  }
  running = -1;
}
}  // namespace

void sync_threads(void* barrier) {
  if (running < 0) {
    std::fprintf(stderr, "jrnn emulator: __syncthreads in kernel %s, which was marked as having no barrier\n",
                 kernel->name);
    std::abort();
  }
  waiting_at[running] = barrier;
  jrnn_emulator_switch(&fibers[running], scheduler);
}

// The kernels' shared memory (prelude.h's __shared__), from the linker's bounds of its section
// (weak: null where no kernel declares any).
extern "C" char __start_jrnn_shared[] __attribute__((weak)), __stop_jrnn_shared[] __attribute__((weak));

int launch(const Kernel* k, unsigned grid, unsigned threads, void** args) {
  int bad = k->bad_pointer(args);
  if (bad >= 0) {
    std::fprintf(stderr, "jrnn emulator: kernel %s, argument %d: %p is neither null nor live device memory (freed, or"
                 " host memory)\n", k->name, bad, *static_cast<void**>(args[bad]));
    return 1;  // CUDA_ERROR_INVALID_VALUE; a GPU would read or write whatever is there
  }
  std::lock_guard<std::mutex> one_at_a_time(launching);
  kernel = k;
  arguments = args;
  grid_size = {grid, 1, 1};
  block_size = {threads, 1, 1};
  bool reverse = reverse_order();
  for (unsigned b = 0; b < grid; b++) {
    block_index = {b, 0, 0};
    if (k->shared && __start_jrnn_shared != nullptr) {
      // 0xff bytes: NaN as floats, -1 as ints; in the other order 0x7f: 3.4e38 and 2139062143.
      std::memset(__start_jrnn_shared, reverse ? 0x7f : 0xff,
                  static_cast<size_t>(__stop_jrnn_shared - __start_jrnn_shared));
    }
    if (k->barriers) {
      run_block(threads);
    } else {
      for (unsigned i = 0; i < threads; i++) {
        thread_index = {reverse ? threads - 1 - i : i, 0, 0};
        k->launch(args);
      }
    }
  }
  return 0;
}
}  // namespace jrnn_emulator

using jrnn_emulator::KERNELS;

extern "C" {
// ---- the runtime ----
int cudaGetDeviceCount(int* count) {
  *count = 1;
  return 0;
}
int cudaSetDevice(int device) { return device == 0 ? 0 : 101; }
int cudaGetDeviceProperties(void* prop, int device) {
  // The members jrnn reads, at their offsets in CUDA 13's cudaDeviceProp (offsetof from its
  // cuda_runtime_api.h, and Loader.offsetof of the bindings' cudaDeviceProp: the same): the name,
  // the memory (the host's), and compute capability 9.0, the architecture NvccCompilesTheKernelsTest
  // compiles the kernels for. The rest stays zero.
  char* p = static_cast<char*>(prop);
  std::memset(p, 0, 1008);
  std::snprintf(p, 256, "jrnn's CPU emulator of a CUDA device");
  size_t memory = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::memcpy(p + 288, &memory, sizeof memory);
  int major = 9, minor = 0;
  std::memcpy(p + 360, &major, sizeof major);
  std::memcpy(p + 364, &minor, sizeof minor);
  return device == 0 ? 0 : 101;
}
int cudaGetDeviceProperties_v2(void* prop, int device) { return cudaGetDeviceProperties(prop, device); }
int cudaDriverGetVersion(int* v) {
  *v = 13000;
  return 0;
}
int cudaRuntimeGetVersion(int* v) {
  *v = 13000;
  return 0;
}
int cudaMalloc(void** p, size_t bytes) {
  // Not zeroed, as a device's memory is not: uninitialised reads show up as garbage.
  if (posix_memalign(p, 256, bytes == 0 ? 1 : bytes) != 0) {
    return 2;  // cudaErrorMemoryAllocation
  }
  std::memset(*p, 0xff, bytes);  // NaN as floats
  std::lock_guard<std::mutex> lock(jrnn_emulator::allocating);
  jrnn_emulator::allocations[reinterpret_cast<uintptr_t>(*p)] = bytes;
  return 0;
}
int cudaFree(void* p) {
  if (p == nullptr) {
    return 0;
  }
  std::lock_guard<std::mutex> lock(jrnn_emulator::allocating);
  auto live = jrnn_emulator::allocations.find(reinterpret_cast<uintptr_t>(p));
  if (live == jrnn_emulator::allocations.end()) {
    // Said here too: callers that free on their way out seldom read the status.
    std::fprintf(stderr, "jrnn emulator: cudaFree(%p): not the start of a live allocation (freed twice, or host memory)\n", p);
    return 1;  // cudaErrorInvalidValue
  }
  // Freed memory is filled with NaN and held back a while before the host allocator may hand it
  // out again, so that a stale pointer to it is refused (not live) rather than reading a new buffer.
  std::memset(p, 0xff, live->second);
  jrnn_emulator::allocations.erase(live);
  jrnn_emulator::quarantine.push_back(p);
  if (jrnn_emulator::quarantine.size() > 256) {
    std::free(jrnn_emulator::quarantine.front());
    jrnn_emulator::quarantine.pop_front();
  }
  return 0;
}
/**
 * How many bytes of device memory lie from p to the end of its allocation: 0 where p is not in a
 * live allocation (host memory, or memory freed). The emulated cuDNN checks its pointers with it.
 */
size_t jrnn_emulator_device_bytes(const void* p) {
  uintptr_t at = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(jrnn_emulator::allocating);
  auto next = jrnn_emulator::allocations.upper_bound(at);
  if (next == jrnn_emulator::allocations.begin()) {
    return 0;
  }
  --next;
  return at < next->first + next->second ? next->first + next->second - at : 0;
}
}  // extern "C"

bool jrnn_emulator::device_or_null(const void* p) { return p == nullptr || jrnn_emulator_device_bytes(p) > 0; }

extern "C" {
int cudaMemcpy(void* to, const void* from, size_t bytes, int kind) {
  // cudaMemcpyHostToDevice 1, DeviceToHost 2, DeviceToDevice 3 (and 4, Default: either side).
  bool device_to = jrnn_emulator_device_bytes(to) > 0, device_from = jrnn_emulator_device_bytes(from) > 0;
  bool to_wanted = kind == 1 || kind == 3, from_wanted = kind == 2 || kind == 3;
  if (kind < 1 || kind > 4 || (kind != 4 && (device_to != to_wanted || device_from != from_wanted))) {
    std::fprintf(stderr, "jrnn emulator: cudaMemcpy of kind %d from %s to %s memory\n", kind,
                 device_from ? "device" : "host (or freed)", device_to ? "device" : "host (or freed)");
    return 1;  // cudaErrorInvalidValue
  }
  if ((device_to && jrnn_emulator_device_bytes(to) < bytes) || (device_from && jrnn_emulator_device_bytes(from) < bytes)) {
    std::fprintf(stderr, "jrnn emulator: cudaMemcpy of %zu bytes past the end of a device allocation (%zu to its end"
                 " at the destination, %zu at the source)\n", bytes, jrnn_emulator_device_bytes(to),
                 jrnn_emulator_device_bytes(from));
    return 1;
  }
  std::memmove(to, from, bytes);
  return 0;
}
int cudaMemset(void* p, int value, size_t bytes) {
  if (jrnn_emulator_device_bytes(p) < bytes || (bytes > 0 && jrnn_emulator_device_bytes(p) == 0)) {
    std::fprintf(stderr, "jrnn emulator: cudaMemset of %zu bytes at %p: %zu bytes of device memory there\n", bytes, p,
                 jrnn_emulator_device_bytes(p));
    return 1;
  }
  std::memset(p, value, bytes);
  return 0;
}
int cudaDeviceSynchronize() { return 0; }
int cudaGetLastError() { return 0; }
const char* cudaGetErrorString(int code) {
  switch (code) {
    case 2:
      return "out of memory (the emulator's host memory)";
    case 101:
      return "invalid device ordinal (the emulator has device 0 alone)";
    default:
      return "operation not supported (a call the emulator does not implement)";
  }
}
const char* cudaGetErrorName(int) { return "cudaErrorNotSupported"; }

// ---- the driver ----
int cuInit(unsigned) { return 0; }
int cuDevicePrimaryCtxRetain(void** context, int device) {
  *context = reinterpret_cast<void*>(0x1000);
  return device == 0 ? 0 : 101;
}
int cuCtxSetCurrent(void*) { return 0; }
int cuModuleLoadData(void** module, const void*) {
  *module = reinterpret_cast<void*>(0x2000);
  return 0;
}
int cuModuleGetFunction(void** function, void*, const char* name) {
  for (const jrnn_emulator::Kernel* k = KERNELS; k->name != nullptr; k++) {
    if (std::strcmp(k->name, name) == 0) {
      *function = const_cast<jrnn_emulator::Kernel*>(k);
      return 0;
    }
  }
  return 500;  // CUDA_ERROR_NOT_FOUND
}
int cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned, void*, void** params, void**) {
  if (gy != 1 || gz != 1 || by != 1 || bz != 1 || bx == 0 || bx > 1024) {
    std::fprintf(stderr, "jrnn emulator: cuLaunchKernel of a grid %ux%ux%u of blocks %ux%ux%u: the emulator launches"
                 " one-dimensional grids of 1 to 1024 threads a block\n", gx, gy, gz, bx, by, bz);
    return 1;  // CUDA_ERROR_INVALID_VALUE
  }
  return jrnn_emulator::launch(static_cast<jrnn_emulator::Kernel*>(function), gx, bx, params);
}
int cuGetErrorString(int code, const char** text) {
  *text = code == 1 ? "invalid argument (the emulator printed which on standard error)"
        : code == 500 ? "named symbol not found" : "an error of the emulated CUDA driver";
  return 0;
}
int cuGetErrorName(int code, const char** text) {
  *text = code == 1 ? "CUDA_ERROR_INVALID_VALUE" : code == 500 ? "CUDA_ERROR_NOT_FOUND" : "CUDA_ERROR_NOT_SUPPORTED";
  return 0;
}
}
