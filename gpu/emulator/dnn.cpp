// cuDNN's handle, version and messages (libcudnn_graph.so.9). The RNN API the stacks call is in
// dnn_ops.cpp (tensor and dropout descriptors) and dnn_rnn.cpp; cuDNN's other calls return
// "not supported" (the stubs). A refused call prints why on standard error first.
#include <cstddef>

extern "C" {
int cudnnCreate(void** handle) {
  *handle = reinterpret_cast<void*>(0x4000);
  return 0;
}
int cudnnDestroy(void*) { return 0; }
size_t cudnnGetVersion() { return 91400; }
const char* cudnnGetErrorString(int status) {
  if (status == 0) {
    return "CUDNN_STATUS_SUCCESS";
  }
  if (status >= 2000 && status < 3000) {
    return "CUDNN_STATUS_BAD_PARAM (the emulator printed why on standard error)";
  }
  if (status >= 3000 && status < 4000) {
    return "CUDNN_STATUS_NOT_SUPPORTED by the emulator (it printed why on standard error, or the call is one it lacks)";
  }
  return "an error of the emulated cuDNN";
}
}
