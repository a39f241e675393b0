#!/bin/bash
# Runs on the GPU machine, from the repository root, with gpu/target/device.tar.xz (made by
# gpu/device/prepare.sh) carried there: the GPU tests; the bench cases C1-C4 in jrnn (cuDNN's
# default math, as PyTorch's) and in PyTorch's cuDNN RNNs, each in turn on the same device; 2.5
# minutes at most of PTB small trained with --device gpu; a minute of the Multi30k translator
# trained with --device gpu; C1-C4 in jrnn's own stack (and C3 with the GRU's reset before, which
# cuDNN lacks); then C1-C4 in jrnn with fp32 math.
# Writes $OUT/gpu-results.txt (and the tests' reports under $OUT/junit); each part has its own
# time limit, and the whole stays under 8 minutes (the parts that matter most come first).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/gpu/target/out}
mkdir -p "$out"
results=$out/gpu-results.txt
work=$(mktemp -d)
if command -v xz > /dev/null; then
  tar -C "$work" -xJf "$root/gpu/target/device.tar.xz"
else # no xz program: Python's tarfile reads it
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$root/gpu/target/device.tar.xz" "$work"
fi
d=$work/device
# CUDA's, cuDNN's and cuBLAS's libraries are PyTorch's (site-packages/nvidia/*/lib).
site=$(python3 -c 'import site; print(site.getsitepackages()[0])' 2> /dev/null || true)
if [ -n "$site" ] && [ -d "$site/nvidia" ]; then
  LD_LIBRARY_PATH=$(find "$site/nvidia" -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd:)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
fi
java=("$d/jre/bin/java" --add-modules=jdk.incubator.vector -Xmx8g -cp "$d/lib/*")
section() { printf '\n## %s\n' "$*" >> "$results"; }
# The whole stays under 8 minutes: each part's limit is its own or what is left of 470 s.
limit() { local left=$((470 - SECONDS)); [ "$left" -lt "$1" ] && echo $((left > 1 ? left : 1)) || echo "$1"; }
{
  echo "# jrnn on the GPU: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo 'no git')"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "nvidia-smi: not found"
  echo "host: $(nproc) cores"
  # The libraries the bindings load (NVRTC's builtins it opens itself when it compiles): a missing
  # one here explains a part that fails below.
  for lib in libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcudnn.so.9 libcudnn_graph.so.9 \
      libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn_adv.so.9 libnvrtc.so.13 'libnvrtc-builtins.so.13*'; do
    found=$(IFS=:; for dir in ${LD_LIBRARY_PATH:-}; do [ -n "$dir" ] && compgen -G "$dir/$lib" > /dev/null && { echo "$dir"; break; }; done)
    [ -n "$found" ] || found=$(ldconfig -p 2> /dev/null | awk -v l="${lib%\*}" 'index($1, l) == 1 { print $NF " (a system library)"; exit }')
    echo "$lib: ${found:-not found}"
  done
} > "$results"

section "tests (cuDNN and jrnn's own stack against the CPU engine, the double reference and PyTorch's cases)"
timeout "$(limit 120)" "${java[@]}" -Djrnn.data="$d" org.junit.platform.console.ConsoleLauncher execute \
  --disable-banner --details=summary --details-theme=ascii --reports-dir="$out/junit" \
  --select-class=jrnn.gpu.WithoutAGpuTest --select-class=jrnn.gpu.CudnnAgreesWithCpuTest \
  --select-class=jrnn.gpu.CudnnAgreesWithPyTorchTest --select-class=jrnn.gpu.CudaOpsAgreeWithHostOpsTest \
  --select-class=jrnn.gpu.KernelArgumentsTest --select-class=jrnn.gpu.FusedCellStackTest \
  --select-class=jrnn.gpu.OpsTrainingTest --select-class=jrnn.gpu.OpsTranslationTest \
  --select-class=jrnn.gpu.DevicePassesTest >> "$results" 2>&1
echo "tests: exit status $?" >> "$results"

# The issue's cases: cell T B X H, training steps (forward, the input's and every weight's gradient).
cases=("C1 lstm 50 32 256 256" "C2 lstm 25 64 512 512" "C3 gru 50 32 512 512" "C4 tanh 50 32 1024 1024")
reset_before="C3b gru-before 50 32 512 512"
bench_options=(--repeats 50)
ptb=(--max-minutes 2.5)
de_en=(--max-minutes 1)
ptb_title="a budget of 2.5 minutes"
de_en_title="a budget of 1 minute"
m=$d/multi30k
# A rehearsal (gpu/emulator/rehearse.sh, on the CPU emulator of CUDA): every part as on the GPU,
# with the cases, the reference sgemm and both models made small enough for the emulator to run
# them in minutes, and the translator's data cut to its first 2,000 and 100 pairs.
if [ -n "${JRNN_DEVICE_REHEARSAL:-}" ]; then
  cases=("C1 lstm 6 4 16 16" "C2 lstm 5 8 24 24" "C3 gru 6 4 24 24" "C4 tanh 6 4 32 32")
  reset_before="C3b gru-before 6 4 24 24"
  bench_options=(--repeats 3 --gpu-gemm 64)
  ptb=(--max-minutes 0.2 --vocab-cap 300 --embedding 16 --hidden 16)
  de_en=(--max-minutes 0.2 --bpe-merges 200 --embedding 16 --hidden 16 --decoder-hidden 32)
  ptb_title="a rehearsal: ${ptb[*]}"
  de_en_title="a rehearsal: ${de_en[*]}, the data cut"
  if [ -f "$m/train.de.gz" ]; then
    mkdir -p "$work/multi30k"
    for f in train.de train.en val.de val.en; do
      n=2000 && [ "${f%%.*}" = val ] && n=100
      zcat "$m/$f.gz" | head -n "$n" | gzip > "$work/multi30k/$f.gz"
    done
    m=$work/multi30k
  fi
fi
bench() { # math stack [extra cases]: each case's median training step in jrnn, in cuDNN or jrnn's own stack
  local math=$1 stack=$2 label=jrnn name cell steps batch input hidden jcell log ms
  [ "$stack" = jrnn ] && label=jrnn-own
  shift 2
  for c in "${cases[@]}" "$@"; do
    read -r name cell steps batch input hidden <<< "$c"
    jcell=$cell
    [ "$cell" = gru ] && jcell=gru-reset-after
    [ "$cell" = gru-before ] && jcell=gru
    [ "$cell" = tanh ] && jcell=rnn-tanh
    log=$(timeout "$(limit 25)" "${java[@]}" -Djrnn.gpu.math="$math" -Djrnn.gpu.stack="$stack" jrnn.cli.Main bench \
      --device gpu --cell "$jcell" --steps "$steps" --batch "$batch" --input "$input" --hidden "$hidden" "${bench_options[@]}" 2>&1)
    echo "$log" >> "$out/bench.log"
    ms=$(echo "$log" | sed -n 's/^median \([0-9.]*\) ms.*/\1/p')
    echo "$label $name $math ${ms:-failed: $(echo "$log" | tail -1)}" >> "$results"
  done
}
section "bench: jrnn (bench --device gpu, cuDNN's default math, median ms of a training step, each waited for)"
bench default cudnn
section "bench: PyTorch's cuDNN RNNs on the same device (same cases, same timing)"
timeout "$(limit 60)" python3 "$root/gpu/device/torch_bench.py" "${cases[@]}" >> "$results" 2>&1 || echo "torch bench: failed or absent" >> "$results"

# A training run (train lm, train translate: the arguments after the first three) with cuDNN's
# stacks where it has the cell, its log in $1, limited to $2 seconds or what is left; if it fails
# other than by that limit, once more with jrnn's own stacks (its log beside, -own), so that a
# cuDNN that reads its API otherwise than the emulator still leaves a figure. The lines of the
# last run's log that match $3 go to the results.
train() {
  local log=$1 seconds=$2 pattern=$3 status
  shift 3
  timeout "$(limit "$seconds")" "${java[@]}" -Djrnn.gpu.stack=cudnn jrnn.cli.Main "$@" > "$log" 2>&1
  status=$?
  echo "exit status $status" >> "$results"
  if [ "$status" -ne 0 ] && [ "$status" -ne 124 ]; then
    echo "cuDNN's stacks failed (their last errors below); again with jrnn's own (-Djrnn.gpu.stack=jrnn)" >> "$results"
    grep -E "Exception|error|cannot|^jrnn" "$log" | tail -3 >> "$results"
    log=${log%.log}-own.log
    timeout "$(limit "$seconds")" "${java[@]}" -Djrnn.gpu.stack=jrnn jrnn.cli.Main "$@" > "$log" 2>&1
    echo "exit status $? (jrnn's own stacks)" >> "$results"
  fi
  grep -E "$pattern" "$log" | tail -25 >> "$results"
}

# The preset as it is (validated on the GPU four times an epoch); each epoch's line gives its
# training time without the checks, and each check's line its own time.
section "PTB small on the GPU (train lm --preset ptb-small --device gpu, $ptb_title)"
if [ -f "$d/ptb/ptb.train.txt.gz" ]; then
  train "$out/ptb-small.log" 200 "^device:|check|epoch|stopped|perplexity|Exception|error|cannot" \
    train lm --preset ptb-small --device gpu "${ptb[@]}" --train "$d/ptb/ptb.train.txt.gz" \
    --valid "$d/ptb/ptb.valid.txt.gz" --out "$work/ptb-small-gpu.jrnn"
  # The model (19 MB) stays there; its learning curve comes back.
  cp "$work/ptb-small-gpu.jrnn.loss.png" "$work/ptb-small-gpu.jrnn.gradnorm.tsv" "$out/" 2> /dev/null
else
  echo "not run: PTB was not packed (../shared/data/ptb absent where prepare.sh ran)" >> "$results"
fi
section "Multi30k de-en translator on the GPU (train translate --preset multi30k-de-en --device gpu, a check every tenth of an epoch, $de_en_title)"
if [ -f "$m/train.de.gz" ]; then
  train "$out/multi30k.log" 100 "^device:|^translation:|^model:|check|epoch|stopped|BLEU|Exception|error|cannot" \
    train translate --preset multi30k-de-en --device gpu --checks-per-epoch 10 "${de_en[@]}" \
    --train-src "$m/train.de.gz" --train-tgt "$m/train.en.gz" --valid-src "$m/val.de.gz" --valid-tgt "$m/val.en.gz" \
    --out "$work/de-en-gpu.jrnn"
else
  echo "not run: Multi30k was not packed (../shared/data/multi30k absent where prepare.sh ran)" >> "$results"
fi
# jrnn's own stack takes its products from cuBLAS in fp32 (its default math: no TF32) whatever
# jrnn.gpu.math says of cuDNN's, so its rows are labelled fp32 and set against PyTorch's fp32 rows.
section "bench: jrnn's own stack (-Djrnn.gpu.stack=jrnn: cuBLAS products per step in fp32, fused kernels), and C3 with the GRU's reset before (sst2's cell)"
bench fp32 jrnn "$reset_before"
section "bench: jrnn with fp32 math (-Djrnn.gpu.math=fp32: no TF32 in cuDNN)"
bench fp32 cudnn

section "ratios (jrnn / PyTorch, median ms; the bar is at most 1.0)"
awk '$1 == "jrnn" || $1 == "jrnn-own" { j[$2 " " $3 " " $1] = $4; k0[$2 " " $3 " " $1] = $2 " " $3 }
  $1 == "torch" { t[$2 " " $3] = $4 }
  END { for (k in j) if (k0[k] in t && j[k] + 0 > 0)
    printf "%s: %s ms, PyTorch %s ms, ratio %.2f\n", k, j[k], t[k0[k]], j[k] / t[k0[k]] }' \
  "$results" | sort >> "$results"

cat "$results"
