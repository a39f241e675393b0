#!/bin/bash
# Rehearses the GPU machine's script (gpu/device/run.sh) on the CPU emulator of CUDA, from the
# archive gpu/device/prepare.sh made, as the GPU machine will run it: the packed Java runtime
# and jars, the GPU tests (cuDNN's stacks on the emulator's cuDNN), every bench case in cuDNN's
# and jrnn's own stacks, PTB small and the Multi30k translator trained with --device gpu. Only the
# sizes differ (JRNN_DEVICE_REHEARSAL: small cases and models), and PyTorch's bench is absent.
# Fails unless every part ran: the tests passed, each bench case gave a time, both models trained.
# Results in gpu/target/rehearsal/gpu-results.txt.
set -euo pipefail
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
grep -q "^tests: exit status 0$" "$results" || failed+=("the tests")
grep -q "jrnn's CPU emulator of a CUDA device" "$out/bench.log" || failed+=("the benches' device (not the emulator)")
for label in jrnn jrnn-own; do
  for c in C1 C2 C3 C4; do
    grep -Eq "^$label $c default [0-9.]+$" "$results" || failed+=("bench $label $c")
  done
done
grep -Eq "^jrnn-own C3b default [0-9.]+$" "$results" || failed+=("bench jrnn-own C3b")
for c in C1 C2 C3 C4; do
  grep -Eq "^jrnn $c fp32 [0-9.]+$" "$results" || failed+=("bench jrnn $c fp32")
done
[ "$(grep -c "^exit status 0$" "$results")" -eq 2 ] || failed+=("PTB small or the translator (an exit status other than 0)")
grep -q "^validation perplexity: [0-9]" "$out/ptb-small.log" || failed+=("PTB small's validation")
grep -q "^validation BLEU: [0-9]" "$out/multi30k.log" || failed+=("the translator's BLEU")
if [ ${#failed[@]} -gt 0 ]; then
  printf 'rehearse.sh: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "rehearse.sh: every part of the device script ran on the emulator"
