"""GPU check of virnucpro_telemetry: a stage around a matmul loop vs CUDA events.

GPU kernels run asynchronously; with ``sync_cuda="auto"`` a stage synchronises the device at
entry and exit, so its duration should match what CUDA events measure on the device. This runs
a matmul loop inside a stage, several times, and compares the two (limit: 5%). It also shows
what the same stage reports without synchronisation, and checks the recorded peak memory.

    python scripts/gpu_check_telemetry.py                 # 8192 x 8192 bf16, 5 trials
    python scripts/gpu_check_telemetry.py --size 4096 --iterations 200

Exit status: 0 when the check passes (or there is no CUDA device: it says so and checks
nothing), 1 when the stage time and the CUDA events disagree or the peak memory is missing.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import torch

from virnucpro_telemetry import StageRegistry, format_summary, stage, use_registry

LIMIT = 0.05
GIB = 1024**3


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=8192, help="square matrix size")
    parser.add_argument("--iterations", type=int, default=50, help="matmuls per trial")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    return parser.parse_args(argv)


def matmul_loop(a: torch.Tensor, b: torch.Tensor, out: torch.Tensor, iterations: int) -> None:
    """Queue ``iterations`` matmuls on the device (returns before they finish)."""
    for _ in range(iterations):
        torch.matmul(a, b, out=out)


def timed_trial(a, b, out, iterations: int) -> tuple[float, float]:
    """One synchronised stage around the loop; return (stage seconds, CUDA event seconds)."""
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    registry = StageRegistry()
    with use_registry(registry):
        with stage("Matmul loop"):
            start.record()
            matmul_loop(a, b, out, iterations)
            end.record()
    end.synchronize()
    return registry["Matmul loop"].total_s, start.elapsed_time(end) / 1000


def unsynchronised_seconds(a, b, out, iterations: int) -> float:
    """The same stage with sync_cuda=False: only the time to queue the kernels."""
    registry = StageRegistry()
    with use_registry(registry):
        with stage("Matmul loop (no sync)", sync_cuda=False):
            matmul_loop(a, b, out, iterations)
    torch.cuda.synchronize()
    return registry["Matmul loop (no sync)"].total_s


def peak_check(a, b, out) -> tuple[int | None, int]:
    """Allocate a known tensor inside a stage; return (recorded peak, bytes allocated there)."""
    registry = StageRegistry()
    with use_registry(registry):
        with stage("Allocate", nvtx=True):
            extra = torch.empty_like(out)
            torch.matmul(a, b, out=extra)
            del extra
    tensors = sum(t.element_size() * t.nelement() for t in (a, b, out))
    return registry["Allocate"].peak_gpu_bytes, tensors + out.element_size() * out.nelement()


def main(argv=None) -> int:
    """Run the trials, print a table and return the exit status."""
    args = parse_args(argv)
    if not torch.cuda.is_available():
        print("No CUDA device is available: nothing to check (run this on a GPU machine).")
        return 0
    dtype = getattr(torch, args.dtype)
    a, b, out = (torch.randn(args.size, args.size, device="cuda", dtype=dtype) for _ in range(3))
    matmul_loop(a, b, out, 5)  # warm-up: cuBLAS handles, kernel selection
    torch.cuda.synchronize()
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
          f"CUDA {torch.version.cuda}")
    print(f"{args.iterations} matmuls of {args.size}x{args.size} {args.dtype} per trial, "
          f"{args.trials} trials")
    print(f"{'trial':>5} {'stage (ms)':>12} {'CUDA events (ms)':>18} {'difference':>11}")
    differences = []
    for trial in range(1, args.trials + 1):
        stage_s, events_s = timed_trial(a, b, out, args.iterations)
        difference = (stage_s - events_s) / events_s
        differences.append(difference)
        print(f"{trial:>5} {stage_s * 1e3:>12.3f} {events_s * 1e3:>18.3f} {difference:>+10.2%}")
    median = statistics.median(differences)
    worst = max(differences, key=abs)
    print(f"median difference {median:+.2%}, worst {worst:+.2%} (limit {LIMIT:.0%})")
    print(f"without sync_cuda the same stage reports "
          f"{unsynchronised_seconds(a, b, out, args.iterations) * 1e3:.3f} ms (queueing only)")
    peak, expected = peak_check(a, b, out)
    peak_text = "none" if peak is None else f"{peak / GIB:.2f} GiB"
    print(f"peak GPU memory recorded: {peak_text} (tensors alive at the peak: "
          f"{expected / GIB:.2f} GiB)")
    ok = abs(median) <= LIMIT and abs(worst) <= LIMIT and peak is not None and peak >= expected
    print(format_summary(_example_registry(a, b, out, args.iterations), title="EXAMPLE SUMMARY"))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def _example_registry(a, b, out, iterations: int) -> StageRegistry:
    """Two nested stages, to show the summary with a GPU peak."""
    registry = StageRegistry()
    with use_registry(registry):
        with stage("GPU work"):
            with stage("Matmul loop"):
                matmul_loop(a, b, out, iterations)
    return registry


if __name__ == "__main__":
    sys.exit(main())
