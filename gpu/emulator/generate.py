#!/usr/bin/env python3
"""Writes the emulator's generated sources into a build folder.

Usage: generate.py CUDA_OPS_JAVA BINDINGS_JAR OUT_DIR

- kernels.cpp: CudaOps.SOURCE (the kernels jrnn compiles with NVRTC on a GPU) compiled as C++
  after prelude.h, and a table of launchers, one per kernel, that read the launch's argument
  slots as the kernel's parameters, as cuLaunchKernel passes them.
- stubs_<library>.c: for each library the bindings' JNI glue links against (CUDA's runtime and
  driver, cuBLAS, cuDNN, NVRTC), a definition of every function the glue names and the emulator
  does not implement, which returns the library's "not supported" status; with a version
  script giving the symbol version the glue asks for (libcudart.so.13 and so on).
"""
import os
import re
import subprocess
import sys
import zipfile

# The emulator's own definitions (runtime.cpp, blas.cpp, dnn*.cpp, nvrtc.cpp): not stubbed.
IMPLEMENTED = {
    "cudaMalloc", "cudaFree", "cudaMemcpy", "cudaMemset", "cudaGetDeviceCount", "cudaSetDevice",
    "cudaGetDeviceProperties", "cudaGetDeviceProperties_v2", "cudaDriverGetVersion", "cudaRuntimeGetVersion", "cudaDeviceSynchronize",
    "cudaGetErrorString", "cudaGetLastError", "cudaGetErrorName",
    "cuDevicePrimaryCtxRetain", "cuCtxSetCurrent", "cuModuleLoadData", "cuModuleGetFunction", "cuLaunchKernel",
    "cuGetErrorString", "cuGetErrorName", "cuInit",
    "cublasCreate_v2", "cublasDestroy_v2", "cublasSetMathMode", "cublasSgemm_v2", "cublasGetStatusString",
    "cudnnCreate", "cudnnDestroy", "cudnnGetVersion", "cudnnGetErrorString",
    "cudnnCreateTensorDescriptor", "cudnnDestroyTensorDescriptor", "cudnnSetTensorNdDescriptor", "cudnnGetTensorNdDescriptor",
    "cudnnCreateDropoutDescriptor", "cudnnDestroyDropoutDescriptor", "cudnnDropoutGetStatesSize", "cudnnSetDropoutDescriptor",
    "cudnnCreateRNNDescriptor", "cudnnDestroyRNNDescriptor", "cudnnCreateRNNDataDescriptor", "cudnnDestroyRNNDataDescriptor",
    "cudnnSetRNNDescriptor_v8", "cudnnSetRNNDataDescriptor", "cudnnGetRNNWeightSpaceSize", "cudnnGetRNNWeightParams",
    "cudnnGetRNNTempSpaceSizes", "cudnnRNNForward", "cudnnRNNBackwardData_v8", "cudnnRNNBackwardWeights_v8",
    "nvrtcVersion", "nvrtcCreateProgram", "nvrtcCompileProgram", "nvrtcDestroyProgram", "nvrtcGetCUBINSize",
    "nvrtcGetCUBIN", "nvrtcGetProgramLogSize", "nvrtcGetProgramLog", "nvrtcGetErrorString",
}

# What an unimplemented call returns: each library's "not supported" (NVRTC has none: its "invalid input").
NOT_SUPPORTED = {"cudart": 801, "cuda": 801, "cublas": 15, "cublasLt": 15, "cudnn": 3000, "nvrtc": 3}

# The functions among those stubbed that return text, not a status: their stubs return text. (The
# others named ...Name or ...String return a status and give their text through a pointer.)
RETURNS_TEXT = {"cublasGetStatusName", "cublasLtGetStatusName", "cublasLtGetStatusString"}

GLUE = ["libjnicudart.so", "libjnicublas.so", "libjnicudnn.so", "libjninvrtc.so"]


def java_text_block(java, name):
    """The string a Java text block {@code NAME = \"\"\"...\"\"\"} is (JLS 3.10.6): its incidental indentation
    and trailing spaces stripped, then its escapes read."""
    start = java.index(name + ' = """')
    begin = java.index("\n", start) + 1
    end = java.index('"""', begin)
    lines = java[begin:end].split("\n")
    # The closing delimiter's line counts for the indentation when it holds nothing else.
    significant = [l for l in lines[:-1] if l.strip()] + [lines[-1]]
    indent = min(len(l) - len(l.lstrip(" ")) for l in significant)
    text = "\n".join(l[indent:].rstrip(" ") for l in lines)
    if re.search(r"\\[^\\]", text.replace("\\\\", "")):
        raise SystemExit("CudaOps.SOURCE has an escape other than \\\\; teach generate.py to read it")
    return text.replace("\\\\", "\\")


def functions(source):
    """The source's top-level functions: name -> body (the text between its outermost braces)."""
    found = {}
    depth = 0
    start = 0
    header = ""
    for i, c in enumerate(source):
        if c == "{":
            if depth == 0:
                header = source[start:i]
                body_start = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                m = re.search(r"(\w+)\s*\([^()]*\)\s*$", header)
                if m:
                    found[m.group(1)] = source[body_start:i + 1]
                start = i + 1
        elif c == ";" and depth == 0:
            start = i + 1
    return found


def waiting_functions(source):
    """The functions that reach a __syncthreads, themselves or through a function they call."""
    bodies = functions(source)
    waits = {name for name, body in bodies.items() if "__syncthreads" in body}
    grown = True
    while grown:
        grown = False
        for name, body in bodies.items():
            if name not in waits and any(re.search(r"\b%s\s*\(" % w, body) for w in waits):
                waits.add(name)
                grown = True
    return waits


def kernels(source):
    found = re.findall(r'extern "C" __global__ void (\w+)\(([^)]*)\)', source)
    out = ['#include "prelude.h"', "", "// CudaOps.SOURCE, as NVRTC compiles it on a GPU.", source, "",
           "namespace jrnn_emulator {"]
    for name, params in found:
        types = []
        for p in params.split(","):
            p = " ".join(p.split())
            m = re.match(r"(.*?)(\w+)$", p)
            types.append(m.group(1).strip())
        reads = ", ".join("*(%s*) a[%d]" % (t, i) for i, t in enumerate(types))
        out.append("static void launch_%s(void** a) { ::%s(%s); }" % (name, name, reads))
        # Its pointer arguments: each null or in a live device allocation (not freed, not host memory).
        pointers = [i for i, t in enumerate(types) if t.endswith("*")]
        checks = "".join("  if (!device_or_null(*(const void**) a[%d])) return %d;\n" % (i, i) for i in pointers)
        out.append("static int bad_pointer_%s(void** a) {\n%s  return -1;\n}" % (name, checks))
    out.append("extern const Kernel KERNELS[] = {")
    waits = waiting_functions(source)
    bodies = functions(source)
    for name, _ in found:
        out.append('  {"%s", launch_%s, bad_pointer_%s, %s, %s},' % (
            name, name, name, "true" if name in waits else "false", "true" if "__shared__" in bodies[name] else "false"))
    out.append("  {nullptr, nullptr, nullptr, false, false}};")
    # The source it was built from: NVRTC's stand-in refuses another (a stale emulator).
    out.append('extern const char* const SOURCE = R"JRNN_SOURCE(%s)JRNN_SOURCE";' % source)
    out.append("}  // namespace jrnn_emulator")
    return "\n".join(out) + "\n", [n for n, _ in found]


def undefined_symbols(jar, work):
    with zipfile.ZipFile(jar) as z:
        for lib in GLUE:
            z.extract("org/bytedeco/cuda/linux-x86_64/" + lib, work)
    wanted = {}
    for lib in GLUE:
        path = os.path.join(work, "org/bytedeco/cuda/linux-x86_64", lib)
        nm = subprocess.run(["nm", "-D", "--undefined-only", path], check=True, capture_output=True, text=True).stdout
        for line in nm.splitlines():
            symbol = line.split()[-1]
            name, _, version = symbol.partition("@")
            if version.startswith(("GLIBC", "CXXABI", "GCC_", "GLIBCXX")) or not re.match(r"(cu|nvrtc)", name):
                continue
            # The driver's symbols carry no version; they are libcuda.so.1's.
            wanted[name] = version or "libcuda.so.1"
    return wanted


def main():
    cuda_ops, jar, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    source = java_text_block(open(cuda_ops).read(), "SOURCE")
    text, names = kernels(source)
    open(os.path.join(out, "kernels.cpp"), "w").write(text)
    by_library = {}
    for name, version in undefined_symbols(jar, os.path.join(out, "glue")).items():
        by_library.setdefault(version, []).append(name)
    for version, names_of in sorted(by_library.items()):
        library = re.match(r"lib(\w+?)(_\w+)?\.so", version).group(1)
        code = NOT_SUPPORTED["cublasLt" if version.startswith("libcublasLt") else library]
        stem = version.split(".so")[0]
        lines = ["/* Functions of %s the emulator does not implement: each returns %d (not supported). */" % (version, code)]
        for name in sorted(names_of):
            if name in IMPLEMENTED:
                continue
            if name in RETURNS_TEXT:
                lines.append('const char* %s(void) { return "not supported by the emulator"; }' % name)
            else:
                lines.append("int %s(void) { return %d; }" % (name, code))
        open(os.path.join(out, "stubs_%s.c" % stem), "w").write("\n".join(lines) + "\n")
        open(os.path.join(out, "%s.map" % stem), "w").write("%s { global: *; };\n" % version)
    print("generated %d kernels and stubs for %s" % (len(names), ", ".join(sorted(by_library))))


if __name__ == "__main__":
    main()
