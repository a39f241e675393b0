#!/bin/bash
# Runs the gpu module's GPU tests on the CPU emulator of CUDA (built by build.sh): the backend
# found and opened, CudaOps' kernels launched through the bindings and run on the host, cuBLAS's
# sgemm, jrnn's own recurrent stacks (-Djrnn.gpu.stack=jrnn: the emulator has no cuDNN). Arguments:
# the test classes (default: those the device script runs that do not need cuDNN); set
# JRNN_EMULATOR_ORDER=reverse to run each block's threads in the other order.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
emu=$root/gpu/target/emulator
[ -f "$emu/libcudart.so.13" ] || { echo "no emulator in $emu: run gpu/emulator/build.sh first" >&2; exit 1; }
cd "$root/gpu"
mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/emulator/classpath -Dmdep.includeScope=test > /dev/null
console=${MAVEN_REPO:-$HOME/.m2/repository}/org/junit/platform/junit-platform-console-standalone/1.14.4/junit-platform-console-standalone-1.14.4.jar
[ -f "$console" ] || mvn -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4
classes=("$@")
[ ${#classes[@]} -gt 0 ] || classes=(jrnn.gpu.CudaOpsAgreeWithHostOpsTest jrnn.gpu.FusedCellStackTest jrnn.gpu.OpsTrainingTest
  jrnn.gpu.OpsTranslationTest jrnn.gpu.DevicePassesTest jrnn.gpu.KernelArgumentsTest)
select=()
for c in "${classes[@]}"; do select+=(--select-class="$c"); done
# Preloaded, so that they stand in for any CUDA libraries the bindings would otherwise find.
LD_PRELOAD=$(ls "$emu"/lib*.so.* | paste -sd:) LD_LIBRARY_PATH=$emu \
  java --add-modules=jdk.incubator.vector -Xmx3g -Djrnn.gpu.stack=jrnn \
  -cp "target/test-classes:target/classes:$(cat target/emulator/classpath):$console" \
  org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree --details-theme=ascii \
  --reports-dir=target/emulator/reports "${select[@]}"
