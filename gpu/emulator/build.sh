#!/bin/bash
# Builds the CPU emulator of the CUDA libraries jrnn's GPU backend calls (docs/gpu.md, "The
# emulator") into gpu/target/emulator: libcudart.so.13 and libcuda.so.1 (memory, copies, kernel
# launches running CudaOps' kernels on the host), libcublas.so.13 (sgemm), libnvrtc.so.13, and
# cuDNN's and cuBLASLt's libraries, whose other calls say "not supported". Needs g++ and the
# bindings' jar in the local Maven repository (mvn has fetched it for the gpu module).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/gpu/target/emulator
m2=${MAVEN_REPO:-$HOME/.m2/repository}
# The bindings' JNI glue, whose calls the emulator answers: BINDINGS_JAR, else the local Maven repository's.
jar=${BINDINGS_JAR:-$(ls "$m2"/org/bytedeco/cuda/*/cuda-*-linux-x86_64.jar | head -1)}
gen=$out/generated
rm -rf "$out" && mkdir -p "$gen"
python3 "$here/generate.py" "$root/gpu/src/main/java/jrnn/gpu/CudaOps.java" "$jar" "$gen"
flags=(-O2 -g -fPIC -shared -I"$here")
lib() { # soname: version script, sources...
  local name=$1 stem=${1%%.so*}
  shift
  local map=$gen/$stem.map
  [ -f "$map" ] || echo "$name { global: *; };" > "$map"
  local stubs=()
  [ -f "$gen/stubs_$stem.c" ] && stubs=(-x c "$gen/stubs_$stem.c" -x none)
  g++ "${flags[@]}" -Wl,-soname,"$name" -Wl,--version-script="$map" -o "$out/$name" "$@" "${stubs[@]}"
}
lib libcudart.so.13 "$here/runtime.cpp" "$gen/kernels.cpp"
lib libcuda.so.1
lib libcublas.so.13 "$here/blas.cpp"
lib libcublasLt.so.13
lib libcudnn_graph.so.9 "$here/dnn.cpp"
# cuDNN's RNN calls check their pointers against the runtime's record of device allocations.
lib libcudnn_ops.so.9 "$here/dnn_ops.cpp" "$out/libcudart.so.13"
lib libcudnn_cnn.so.9
lib libcudnn_adv.so.9 "$here/dnn_rnn.cpp" "$out/libcudart.so.13"
lib libnvrtc.so.13 "$here/nvrtc.cpp" "$out/libcudart.so.13"
echo "emulator in $out: put it on LD_LIBRARY_PATH (gpu/emulator/test.sh runs the GPU tests on it)"
