#!/bin/bash
# Runs the gpu module's GPU tests on the CPU emulator of CUDA (built by build.sh): the backend
# found and opened, CudaOps' kernels launched through the bindings and run on the host, cuBLAS's
# sgemm, cuDNN's RNN API, and the recurrent stacks JRNN_GPU_STACK picks (cudnn, the default:
# cuDNN's where it has the cell; jrnn: jrnn's own for every stack). Arguments: test classes or
# Class#method (default: every GPU test class); set JRNN_EMULATOR_ORDER=reverse to run each
# block's threads in the other order. Prints the device the tests saw, the failures and a
# summary; fails if a test failed or the device was not the emulator's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
emu=$root/gpu/target/emulator
[ -f "$emu/libcudart.so.13" ] || { echo "no emulator in $emu: run gpu/emulator/build.sh first" >&2; exit 1; }
cd "$root/gpu"
mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/emulator/classpath -Dmdep.includeScope=test > /dev/null
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(jrnn.gpu.CudaOpsAgreeWithHostOpsTest jrnn.gpu.KernelArgumentsTest jrnn.gpu.CudnnAgreesWithCpuTest
  jrnn.gpu.CudnnAgreesWithPyTorchTest jrnn.gpu.FusedCellStackTest jrnn.gpu.OpsTrainingTest jrnn.gpu.OpsTranslationTest
  jrnn.gpu.DevicePassesTest jrnn.gpu.DeviceMemoryTest jrnn.gpu.WithoutAGpuTest)
log=$(mktemp)
# Preloaded, so that they stand in for any CUDA libraries the bindings would otherwise find.
LD_PRELOAD=$(ls "$emu"/lib*.so.* | paste -sd:) LD_LIBRARY_PATH=$emu \
  java --add-modules=jdk.incubator.vector -Xmx3g -Djrnn.gpu.stack=${JRNN_GPU_STACK:-cudnn} -Djrnn.data="${JRNN_DATA:-$root/../shared/data}" \
  -cp "target/test-classes:target/classes:$(cat target/emulator/classpath)" jrnn.gpu.EmulatedGpuRun "${tests[@]}" \
  2>&1 | grep -v "^WARNING: Using incubator modules" | tee "$log" || true
grep -q "^device: jrnn's CPU emulator of a CUDA device" "$log" || { echo "test.sh: the tests did not see the emulator's device" >&2; exit 1; }
grep -q "^tests: [1-9][0-9]* succeeded, 0 failed" "$log"
