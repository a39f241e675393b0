#!/bin/bash
# Rehearses the GPU machine's script (gpu/device/run.sh) on the CPU emulator of CUDA, from the
# archive gpu/device/prepare.sh made, as the GPU machine will run it: the packed Java runtime
# and jars, the GPU tests (cuDNN's stacks on the emulator's cuDNN), every bench case in cuDNN's
# and jrnn's own stacks, PTB small and the Multi30k translator trained with --device gpu. Only the
# sizes differ (JRNN_DEVICE_REHEARSAL: small cases and models), and PyTorch's bench is absent.
# Fails unless every part ran: the tests passed, each bench case gave a time, both models trained.
# With --without-cudnn, the emulator's cuDNN refuses every RNN (JRNN_EMULATOR_CUDNN=none), as a
# cuDNN that reads its API otherwise might: then it fails unless cuDNN's tests failed and the rest
# ran on jrnn's own stacks (their benches, and both models trained again with them).
# Results in gpu/target/rehearsal/gpu-results.txt.
set -euo pipefail
mode=${1:-}
case "$mode" in
  "") ;;
  --without-cudnn) export JRNN_EMULATOR_CUDNN=none ;;
  *) echo "usage: rehearse.sh [--without-cudnn]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
emu=$root/gpu/target/emulator
archive=$root/gpu/target/device.tar.xz
[ -f "$archive" ] || { echo "no gpu/target/device.tar.xz: run gpu/device/prepare.sh first" >&2; exit 1; }
newer=$(cd "$root" && find pom.xml gpu/pom.xml src gpu/src -type f -newer "$archive" -print -quit)
[ -z "$newer" ] || { echo "gpu/target/device.tar.xz is older than $newer: run gpu/device/prepare.sh again" >&2; exit 1; }
bash "$here/build.sh" > /dev/null  # 3 s: an emulator of these sources
out=$root/gpu/target/rehearsal
rm -rf "$out" && mkdir -p "$out"
# The emulator's libraries preloaded into everything the script starts (harmless to tar and python).
LD_PRELOAD=$(ls "$emu"/lib*.so.* | paste -sd:) LD_LIBRARY_PATH=$emu JRNN_DEVICE_REHEARSAL=1 OUT=$out \
  bash "$root/gpu/device/run.sh" > /dev/null
results=$out/gpu-results.txt
cat "$results"
failed=()
own() { # jrnn's own stacks' benches, and C3 with the reset before
  for c in C1 C2 C3 C4 C3b; do
    grep -Eq "^jrnn-own $c fp32 [0-9.]+$" "$results" || failed+=("bench jrnn-own $c")
  done
}
if [ -z "$mode" ]; then
  grep -q "^tests: exit status 0$" "$results" || failed+=("the tests")
  grep -q "jrnn's CPU emulator of a CUDA device" "$out/bench.log" || failed+=("the benches' device (not the emulator)")
  for c in C1 C2 C3 C4; do
    grep -Eq "^jrnn $c default [0-9.]+$" "$results" || failed+=("bench jrnn $c")
    grep -Eq "^jrnn $c fp32 [0-9.]+$" "$results" || failed+=("bench jrnn $c fp32")
  done
  own
  [ "$(grep -c "^exit status 0$" "$results")" -eq 2 ] || failed+=("PTB small or the translator (an exit status other than 0)")
  grep -q "^validation perplexity: [0-9]" "$out/ptb-small.log" || failed+=("PTB small's validation")
  grep -q "^validation BLEU: [0-9]" "$out/multi30k.log" || failed+=("the translator's BLEU")
else
  grep -q "^tests: exit status 0$" "$results" && failed+=("the tests passed though cuDNN refused every RNN")
  grep -Eq "^jrnn C1 default failed" "$results" || failed+=("bench jrnn C1 did not fail though cuDNN refused")
  own
  [ "$(grep -c "^exit status 0 (jrnn's own stacks)$" "$results")" -eq 2 ] \
    || failed+=("PTB small or the translator, trained again with jrnn's own stacks")
  grep -q "^validation perplexity: [0-9]" "$out/ptb-small-own.log" || failed+=("PTB small's validation (own stacks)")
  grep -q "^validation BLEU: [0-9]" "$out/multi30k-own.log" || failed+=("the translator's BLEU (own stacks)")
fi
if [ ${#failed[@]} -gt 0 ]; then
  printf 'rehearse.sh: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "rehearse.sh${mode:+ $mode}: every part of the device script ran on the emulator as it should"
