// cuDNN's tensor and dropout descriptors (libcudnn_ops.so.9), as cuDNN 9's API reference states
// their contracts: an Nd tensor of 3 to 8 positive dimensions with positive strides; a dropout
// rate in [0, 1) whose generator keeps its state in device memory the caller gives, of at least
// cudnnDropoutGetStatesSize bytes (an RNN that draws masks refuses to run without it).
#include "dnn.h"

using namespace jrnn_dnn;

namespace {
TensorDesc* tensor(void* d) {
  auto* t = static_cast<TensorDesc*>(d);
  return t != nullptr && t->tag == TENSOR ? t : nullptr;
}
DropoutDesc* dropout(void* d) {
  auto* t = static_cast<DropoutDesc*>(d);
  return t != nullptr && t->tag == DROPOUT ? t : nullptr;
}
}  // namespace

extern "C" {
int cudnnCreateTensorDescriptor(void** d) { return create<TensorDesc>("cudnnCreateTensorDescriptor", d); }

int cudnnDestroyTensorDescriptor(void* d) {
  return destroy<TensorDesc>("cudnnDestroyTensorDescriptor", d, TENSOR);
}

int cudnnSetTensorNdDescriptor(void* d, int data_type, int dims_count, const int* dims, const int* strides) {
  TensorDesc* t = tensor(d);
  if (t == nullptr) {
    return refuse(BAD_PARAM, "cudnnSetTensorNdDescriptor", "not a live tensor descriptor");
  }
  if (data_type != DATA_FLOAT) {
    return refuse(NOT_SUPPORTED, "cudnnSetTensorNdDescriptor", "data type %d (the emulator has float alone)", data_type);
  }
  if (dims_count < 3 || dims_count > 8 || dims == nullptr || strides == nullptr) {
    return refuse(BAD_PARAM, "cudnnSetTensorNdDescriptor", "%d dimensions (cuDNN takes 3 to 8, with their strides)",
                  dims_count);
  }
  for (int i = 0; i < dims_count; i++) {
    if (dims[i] < 1 || strides[i] < 1) {
      return refuse(BAD_PARAM, "cudnnSetTensorNdDescriptor", "dimension %d is %d with stride %d", i, dims[i],
                    strides[i]);
    }
  }
  t->data_type = data_type;
  t->dims_count = dims_count;
  for (int i = 0; i < dims_count; i++) {
    t->dims[i] = dims[i];
    t->strides[i] = strides[i];
  }
  return SUCCESS;
}

int cudnnGetTensorNdDescriptor(void* d, int wanted, int* data_type, int* dims_count, int* dims, int* strides) {
  TensorDesc* t = tensor(d);
  if (t == nullptr || data_type == nullptr || dims_count == nullptr || (wanted > 0 && (dims == nullptr
      || strides == nullptr))) {
    return refuse(BAD_PARAM, "cudnnGetTensorNdDescriptor", "not a live tensor descriptor, or a null output");
  }
  *data_type = t->data_type;
  *dims_count = t->dims_count;
  for (int i = 0; i < wanted && i < t->dims_count; i++) {
    dims[i] = t->dims[i];
    strides[i] = t->strides[i];
  }
  return SUCCESS;
}

int cudnnCreateDropoutDescriptor(void** d) { return create<DropoutDesc>("cudnnCreateDropoutDescriptor", d); }

int cudnnDestroyDropoutDescriptor(void* d) {
  return destroy<DropoutDesc>("cudnnDestroyDropoutDescriptor", d, DROPOUT);
}

int cudnnDropoutGetStatesSize(void* handle, size_t* bytes) {
  if (handle == nullptr || bytes == nullptr) {
    return refuse(BAD_PARAM, "cudnnDropoutGetStatesSize", "a null handle or size");
  }
  *bytes = DROPOUT_STATE_BYTES;
  return SUCCESS;
}

/**
 * Sets the rate and, where states are given, initialises the generator in them from the seed (its
 * draws restart). Without states, the reference says, only the rate is set: the states the
 * descriptor had stay, uninitialised again by nothing.
 */
int cudnnSetDropoutDescriptor(void* d, void* handle, float rate, void* states, size_t state_bytes,
                              unsigned long long seed) {
  const char* call = "cudnnSetDropoutDescriptor";
  DropoutDesc* t = dropout(d);
  if (t == nullptr || handle == nullptr) {
    return refuse(BAD_PARAM, call, "not a live dropout descriptor, or a null handle");
  }
  if (!(rate >= 0 && rate < 1)) {
    return refuse(BAD_PARAM, call, "a rate of %g (it is in [0, 1))", rate);
  }
  if (states != nullptr) {
    if (state_bytes < DROPOUT_STATE_BYTES) {
      return refuse(BAD_PARAM, call, "states of %zu bytes; cudnnDropoutGetStatesSize says %zu", state_bytes,
                    DROPOUT_STATE_BYTES);
    }
    int status = device(call, "the states", states, state_bytes);
    if (status != SUCCESS) {
      return status;
    }
    t->states = states;
    t->state_bytes = state_bytes;
    *static_cast<DropoutState*>(states) = {DROPOUT_STATE, seed, 0};
  }
  t->set = true;
  t->rate = rate;
  return SUCCESS;
}
}
