// NVRTC's calls that jrnn makes: "compiling" checks that the program is the source the emulator
// was built from (kernels.cpp holds it, compiled for the host), so that a stale build is refused.
#include <cstdlib>
#include <cstring>
#include <string>

namespace jrnn_emulator {
extern const char* const SOURCE;
}

namespace {
struct Program {
  std::string source;
  std::string log;
};
}  // namespace

extern "C" {
int nvrtcVersion(int* major, int* minor) {
  *major = 13;
  *minor = 0;
  return 0;
}
int nvrtcCreateProgram(void** program, const char* source, const char*, int, const char* const*,
                       const char* const*) {
  *program = new Program{source, ""};
  return 0;
}
int nvrtcCompileProgram(void* program, int, const char* const*) {
  Program* p = static_cast<Program*>(program);
  if (p->source != jrnn_emulator::SOURCE) {
    p->log = "the emulator was built from another CudaOps.SOURCE: build it again (gpu/emulator/build.sh)";
    return 6;  // NVRTC_ERROR_COMPILATION
  }
  return 0;
}
int nvrtcGetProgramLogSize(void* program, size_t* size) {
  *size = static_cast<Program*>(program)->log.size() + 1;
  return 0;
}
int nvrtcGetProgramLog(void* program, char* log) {
  std::strcpy(log, static_cast<Program*>(program)->log.c_str());
  return 0;
}
int nvrtcGetCUBINSize(void*, size_t* size) {
  *size = 8;
  return 0;
}
int nvrtcGetCUBIN(void*, char* cubin) {
  std::memcpy(cubin, "jrnnemu", 8);
  return 0;
}
int nvrtcDestroyProgram(void** program) {
  delete static_cast<Program*>(*program);
  *program = nullptr;
  return 0;
}
const char* nvrtcGetErrorString(int) { return "an error of the emulated NVRTC"; }
}
