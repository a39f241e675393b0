// NVRTC's calls that jrnn makes: "compiling" checks the options and that the program is the
// source the emulator was built from (kernels.cpp holds it, compiled for the host), so that a
// stale build is refused.
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
int nvrtcCompileProgram(void* program, int count, const char* const* options) {
  Program* p = static_cast<Program*>(program);
  // The options jrnn passes, as NVRTC 13 takes them: an architecture it compiles for (sm_75 and
  // later) and the language standard; NVRTC refuses an option it does not know.
  for (int i = 0; i < count; i++) {
    std::string o = options[i];
    const std::string arch = "--gpu-architecture=sm_";
    bool known = o == "--std=c++17"
        || (o.compare(0, arch.size(), arch) == 0 && o.size() > arch.size() && std::atoi(o.c_str() + arch.size()) >= 75);
    if (!known) {
      p->log = "nvrtc: error: invalid or unsupported option: " + o;
      return 5;  // NVRTC_ERROR_INVALID_OPTION
    }
  }
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
