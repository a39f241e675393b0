#!/bin/bash
# Prepares, on a machine with a JDK 17 and Maven, what the GPU machine runs: jrnn and its GPU
# backend built and packed with a small Java runtime (the GPU machine has none) into one archive,
# gpu/target/device.tar.xz, under the device tool's 64 MiB for carried files. Then, on the GPU
# machine, from the repository root (see docs/gpu.md):
#   bash gpu/device/run.sh        # tests, benchmarks; results in $OUT/gpu-results.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mvn -q -DskipTests -Dinvoker.skip=true install
(cd gpu && mvn -q -DskipTests package && mvn -q -DskipTests test-compile jar:test-jar)
stage=gpu/target/device
rm -rf "$stage" gpu/target/device.tar.xz
mkdir -p "$stage/lib" "$stage/reference"
# jrnn, its libraries, the GPU backend and the tests.
cp target/jrnn.jar target/jrnn-tests.jar gpu/target/jrnn-gpu.jar gpu/target/jrnn-gpu-tests.jar target/lib/*.jar \
  gpu/target/lib/*.jar "$stage/lib/"
m2=${MAVEN_REPO:-$HOME/.m2/repository}
console=$m2/org/junit/platform/junit-platform-console-standalone/1.14.4/junit-platform-console-standalone-1.14.4.jar
[ -f "$console" ] || mvn -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4
cp "$console" "$stage/lib/"
# Only the JNI glue of the four libraries jrnn calls (the bindings' jar holds 13 more).
glue=$(ls "$stage"/lib/cuda-*-linux-x86_64.jar)
mkdir -p "$stage/glue" && (cd "$stage/glue" && unzip -q "$root/$glue" && \
  find org/bytedeco/cuda/linux-x86_64 -name '*.so*' ! -name 'libjnicudart.so' ! -name 'libjnicudnn.so' ! -name 'libjnicublas.so' \
    ! -name 'libjninvrtc.so' -delete && \
  rm "$root/$glue" && zip -q -r -9 "$root/$glue" .) && rm -rf "$stage/glue"
# OpenBLAS without LAPACK is what jrnn loads (openblas_nolapack): the LAPACK builds' glue and the headers go.
blas=$(ls "$stage"/lib/openblas-*-linux-x86_64.jar)
mkdir -p "$stage/blas" && (cd "$stage/blas" && unzip -q "$root/$blas" && \
  rm -rf org/bytedeco/openblas/linux-x86_64/libjniopenblas.so org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so \
    org/bytedeco/openblas/linux-x86_64/include && \
  rm "$root/$blas" && zip -q -r -9 "$root/$blas" .) && rm -rf "$stage/blas"
# The PyTorch reference cases, PTB and Multi30k, for the tests and the end-to-end runs there.
if [ -f ../shared/data/reference/torch_rnn_reference.json ]; then
  cp ../shared/data/reference/torch_rnn_reference.json "$stage/reference/"
fi
if [ -f ../shared/data/ptb/ptb.train.txt.gz ]; then
  mkdir -p "$stage/ptb" && cp ../shared/data/ptb/ptb.train.txt.gz ../shared/data/ptb/ptb.valid.txt.gz "$stage/ptb/"
fi
if [ -f ../shared/data/multi30k/raw/train.de.gz ]; then
  mkdir -p "$stage/multi30k" && cp ../shared/data/multi30k/raw/{train,val}.{de,en}.gz "$stage/multi30k/"
fi
# The modules jdeps finds in jrnn (java.desktop: the learning curves' PNGs), JUnit's, and jdk.unsupported for JavaCPP.
jlink --add-modules java.base,jdk.unsupported,jdk.incubator.vector,java.management,java.logging,java.xml,java.desktop,java.sql \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$stage/jre" 2> /dev/null
strip --strip-unneeded "$stage/jre/lib/server/libjvm.so"
XZ_OPT=-9e tar -C gpu/target -cJf gpu/target/device.tar.xz device
size=$(stat -c %s gpu/target/device.tar.xz)
echo "gpu/target/device.tar.xz: $((size / 1048576)) MiB (carry it: the device tool takes 64 MiB)"
[ "$size" -lt $((60 * 1048576)) ] || { echo "too large to carry" >&2; exit 1; }
