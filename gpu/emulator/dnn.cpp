// cuDNN's calls the emulator answers: a handle and the version. Everything else of cuDNN returns
// "not supported" (the stubs): the emulator runs jrnn's own stacks (-Djrnn.gpu.stack=jrnn).
#include <cstddef>

extern "C" {
int cudnnCreate(void** handle) {
  *handle = reinterpret_cast<void*>(0x4000);
  return 0;
}
int cudnnDestroy(void*) { return 0; }
size_t cudnnGetVersion() { return 91400; }
const char* cudnnGetErrorString(int) {
  return "not supported by the emulator, which has no cuDNN: run jrnn's own stacks (-Djrnn.gpu.stack=jrnn)";
}
}
