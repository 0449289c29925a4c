#!/usr/bin/env bash
# Every GPU check the issues ask for, in one run that fits a 10-minute call on one GPU:
#   1. scripts/gpu_check_embed.py      full-size DNABERT-S and ESM-2 3B, random weights, bf16:
#                                      tokens/s and % of the bf16 peak
#   2. scripts/gpu_check_telemetry.py  stage times against CUDA events (limit 5%)
#   3. torchrun, one GPU (NCCL)        `virnucpro predict --demo` on the example, compared
#                                      with a plain one-process run on the same GPU
#   4. benchmarks/bench_embed.py       the CPU benchmark on the machine's cores (up to 16)
#
#   bash scripts/gpu_checks.sh [LOG_DIR]            # on a CUDA machine
#   bash scripts/gpu_checks.sh --dry-run [LOG_DIR]  # the same steps on the CPU, tiny sizes
#
# Needs the project importable (installed, or run from the repository root) with its
# dependencies; fair-esm and biopython are the ones a stock PyTorch image lacks.
# Each step's output goes to LOG_DIR/<step>.log (default gpu-check-logs) and to the terminal.
# Exit status: the number of steps that failed (0 when all passed).
set -uo pipefail

dry_run=false
if [[ ${1:-} == --dry-run ]]; then
    dry_run=true
    shift
fi
log_dir=${1:-gpu-check-logs}
mkdir -p "$log_dir"
export PYTHONPATH="$PWD:$PWD/virnucpro_telemetry/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
python=${PYTHON:-python3}
failed=0

step() {  # step NAME SECONDS COMMAND...: run COMMAND with a time limit, logged
    local name=$1 limit=$2
    shift 2
    echo "=== $name ==="
    if timeout "$limit" "$@" 2>&1 | tee "$log_dir/$name.log"; then
        echo "=== $name: passed ==="
    else
        echo "=== $name: FAILED ==="
        failed=$((failed + 1))
    fi
}

if $dry_run; then
    device=cpu
    embed_options=(--device cpu --small --sequences 64)
    bench_options=(--sequences 40 --repeat 1)
else
    device=cuda
    embed_options=()
    bench_options=()
    "$python" - <<'EOF' || { echo "no CUDA device: use --dry-run on a CPU"; exit 1; }
import torch
assert torch.cuda.is_available()
print(torch.cuda.get_device_name(0), "torch", torch.__version__, "CUDA", torch.version.cuda)
EOF
fi

step embed 300 "$python" scripts/gpu_check_embed.py "${embed_options[@]}"
step telemetry 90 "$python" scripts/gpu_check_telemetry.py

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HF_HOME="$work/hf" TORCH_HOME="$work/torch" XDG_CACHE_HOME="$work/cache"
predict=(predict examples/example.fa --demo --device "$device" --sequences-per-file 2)
step predict-plain 90 "$python" -m virnucpro "${predict[@]}" -o "$work/plain"
step predict-torchrun 90 "$python" -m torch.distributed.run --standalone --nproc-per-node 1 \
    -m virnucpro "${predict[@]}" -o "$work/torchrun"
step same-results 30 "$python" - "$work/plain" "$work/torchrun" <<'EOF'
"""The torchrun run's calls equal the plain run's, and its scores agree within 1e-5."""
import sys
from pathlib import Path

def rows(folder, name):
    lines = (Path(folder) / name).read_text().splitlines()
    return [line.split("\t") for line in lines[1:]]

plain, launched = sys.argv[1], sys.argv[2]
calls = rows(plain, "prediction_results_highestscore.csv")
assert calls and calls == rows(launched, "prediction_results_highestscore.csv"), "calls differ"
frames, frames_launched = (rows(run, "prediction_results.txt") for run in (plain, launched))
assert len(frames) == len(frames_launched), (len(frames), len(frames_launched))
for a, b in zip(frames, frames_launched):
    assert a[:2] == b[:2] and all(abs(float(x) - float(y)) <= 1e-5
                                  for x, y in zip(a[2:], b[2:])), (a, b)
print(f"{len(calls)} chunks: same calls; {len(frames)} frames: same labels, scores within 1e-5")
EOF

cores=$(nproc)
step bench-embed-cpu 120 "$python" benchmarks/bench_embed.py --threads $((cores < 16 ? cores : 16)) \
    "${bench_options[@]}"

echo "$failed step(s) failed; logs in $log_dir"
exit "$failed"
