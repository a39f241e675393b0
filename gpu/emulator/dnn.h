// cuDNN's descriptors as the emulator keeps them (dnn_ops.cpp makes the tensor and dropout ones,
// dnn_rnn.cpp the RNN ones and runs the RNN API on them). A descriptor is a heap object behind
// cuDNN's opaque handle, its first word a tag, so that one passed where another kind is wanted,
// one never made, or one destroyed is refused (CUDNN_STATUS_BAD_PARAM) instead of read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <new>

namespace jrnn_dnn {
constexpr int SUCCESS = 0;
constexpr int BAD_PARAM = 2000;
constexpr int BAD_PARAM_NULL_POINTER = 2002;
constexpr int NOT_SUPPORTED = 3000;
constexpr int EXECUTION_FAILED = 5000;

constexpr uint32_t TENSOR = 0x54454e53;   // "TENS"
constexpr uint32_t DROPOUT = 0x44524f50;  // "DROP"
constexpr uint32_t RNN = 0x524e4e44;      // "RNND"
constexpr uint32_t RNN_DATA = 0x524e4441; // "RNDA"
constexpr uint32_t DEAD = 0xdeadbeef;     // a destroyed descriptor's tag

constexpr int DATA_FLOAT = 0;

/** A status other than success, with why on standard error: cuDNN's own messages say only the status. */
template <typename... A>
int refuse(int status, const char* call, const char* why, A... args) {
  std::fprintf(stderr, "jrnn emulator: %s: ", call);
  std::fprintf(stderr, why, args...);
  std::fprintf(stderr, "\n");
  return status;
}

}  // namespace jrnn_dnn

/** Bytes of device memory from p to its allocation's end, 0 where p is not device memory (runtime.cpp). */
extern "C" size_t jrnn_emulator_device_bytes(const void* p);

namespace jrnn_dnn {
/** p, named what, is live device memory of at least bytes bytes (cudaMalloc's), or the call is refused. */
inline int device(const char* call, const char* what, const void* p, size_t bytes) {
  if (p == nullptr) {
    return refuse(BAD_PARAM, call, "%s is null", what);
  }
  size_t have = jrnn_emulator_device_bytes(p);
  if (have == 0) {
    return refuse(BAD_PARAM, call, "%s (%p) is not device memory (none of cudaMalloc's live allocations)", what, p);
  }
  if (have < bytes) {
    return refuse(BAD_PARAM, call, "%s has %zu bytes to its allocation's end; the call takes %zu", what, have, bytes);
  }
  return SUCCESS;
}

/** cudnnCreate...Descriptor: a new descriptor D behind *d. */
template <typename D>
int create(const char* call, void** d) {
  if (d == nullptr) {
    return refuse(BAD_PARAM_NULL_POINTER, call, "a null pointer for the descriptor");
  }
  *d = new (std::nothrow) D();
  return *d == nullptr ? 4003 : SUCCESS;  // CUDNN_STATUS_ALLOC_FAILED
}

/**
 * cudnnDestroy...Descriptor: a live descriptor D (its tag {@code tag}) marked dead, and kept, so
 * that a later use of it is refused rather than read from freed memory; null does nothing.
 */
template <typename D>
int destroy(const char* call, void* d, uint32_t tag) {
  auto* t = static_cast<D*>(d);
  if (t == nullptr) {
    return SUCCESS;
  }
  if (t->tag != tag) {
    return refuse(BAD_PARAM, call, "not a live descriptor of its kind (destroyed twice?)");
  }
  t->tag = DEAD;
  return SUCCESS;
}

struct TensorDesc {
  uint32_t tag = TENSOR;
  int data_type = -1;
  int dims_count = 0;  // 0 until set
  int dims[8] = {};
  int strides[8] = {};
};

/**
 * A dropout descriptor: the rate and the generator's states, device memory the caller gives.
 * The generator's own state (its seed and how many numbers it has drawn) lives in that memory,
 * as cuDNN's does: setting the descriptor again on the same memory restarts it, and an RNN
 * descriptor made with it draws from wherever it is now.
 */
struct DropoutDesc {
  uint32_t tag = DROPOUT;
  bool set = false;
  float rate = 0;
  void* states = nullptr;
  size_t state_bytes = 0;
};

/** What the emulator keeps in the dropout states' memory. */
struct DropoutState {
  uint64_t tag;
  uint64_t seed;
  uint64_t drawn;
};
constexpr uint64_t DROPOUT_STATE = 0x4a524e4e44524f50ULL;
/** The states' size cudnnDropoutGetStatesSize gives: more than the emulator keeps, as cuDNN's is. */
constexpr size_t DROPOUT_STATE_BYTES = 4096;

/** The generator: a counter-based hash (SplitMix64's finaliser) of the seed and the draw's index, in [0, 1). */
inline float uniform(uint64_t seed, uint64_t index) {
  uint64_t z = seed * 0x9e3779b97f4a7c15ULL + index + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}
}  // namespace jrnn_dnn
