#!/usr/bin/env bash
# Everything that needs a CUDA device, in one run: the CUDA tests
# (tests/test_cuda.py and the cuda cases of tests/test_devices.py), then
# the GPU rows of the sampling and training benchmarks
# (docs/performance.md, "GPU"). Logs and JSON go to the folder given.
#
#     bash benchmarks/gpu_checks.sh [OUT_DIR]    # default: gpu_results
#
# Each step has a time limit (STEP_TIMEOUT seconds, default 240) so that
# a slow or hanging step cannot take the others' time; the exit status
# is non-zero if any step failed or timed out.
set -u -o pipefail
out=${1:-gpu_results}
limit=${STEP_TIMEOUT:-240}
mkdir -p "$out"
python -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; \
print(torch.__version__, torch.cuda.get_device_name(0))" \
    | tee "$out/device.txt" || exit 1

status=0
step() {
    local name=$1
    shift
    echo "== $name: $*"
    timeout "$limit" "$@" > "$out/$name.log" 2>&1
    local rc=$?
    tail -n 20 "$out/$name.log"
    echo "== $name: exit status $rc"
    [ "$rc" -eq 0 ] || status=1
}

step cuda_tests python -m pytest -m cuda -n 0 -q -p no:cacheprovider tests
step sampling python benchmarks/bench_sampling.py --device cuda \
    --precisions float32 bfloat16 float16 --json "$out/sampling_cuda.json"
step sampling_large python benchmarks/bench_sampling.py --device cuda \
    --n-chains 65536 --precisions bfloat16 --no-memory \
    --json "$out/sampling_cuda_large.json"
step training python benchmarks/bench_training.py --device cuda \
    --precisions float32 bfloat16 float16 --json "$out/training_cuda.json"
exit "$status"
