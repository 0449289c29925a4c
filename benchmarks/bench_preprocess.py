"""Benchmark stages 1-4 against a straightforward per-codon version of the original algorithm.

Generates a seeded FASTA input (by default 100,000 sequences of 300-3,000 bp, half of them
stop-free coding stretches so that frames are kept), then runs, each in its own process so that
peak memory is measured apart:

* the fast path: ``virnucpro.sequence.stages`` stages 1-4 with one worker, on the full input
  and on its first tenth (peak RSS of both shows whether memory grows with the input);
* the same with ``--threads 2`` (translation in two worker processes);
* the baseline: the original tool's steps written plainly (Biopython parsing and writing, chunks
  by record slicing, translation one codon at a time from a dict, line-by-line splitting).

It checks that both write the same bytes and prints stage times (wall and CPU seconds; the fast
path is run ``--repeat`` times and the fastest run of each stage counts, the baseline once), the
speed ratio and peak RSS.

    python benchmarks/bench_preprocess.py                 # 100,000 sequences
    python benchmarks/bench_preprocess.py --sequences 20000
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = (
    "Sequence Chunking",
    "Six-Frame Translation",
    "Nucleotide File Splitting",
    "Protein File Splitting",
)

# --- input --------------------------------------------------------------------------------------


def generate_input(path: Path, count: int, seed: int, min_length: int, max_length: int) -> int:
    """Write ``count`` seeded sequences (60-column FASTA); return the number of bases."""
    from virnucpro.sequence.translation import STANDARD_CODE

    sense = [codon for codon, amino in STANDARD_CODE.items() if amino != "*"]
    generator = random.Random(seed)
    bases = 0
    with open(path, "w") as out:
        for index in range(count):
            length = generator.randint(min_length, max_length)
            if index % 2:
                sequence = "".join(generator.choices(sense, k=length // 3 + 1))[:length]
            else:
                sequence = "".join(generator.choices("ACGT", k=length))
            if index % 10 == 0:
                sequence = sequence.lower()
            if index % 7 == 0:
                cut = generator.randrange(length)
                sequence = sequence[:cut] + "N" * min(5, length - cut) + sequence[cut + 5 :]
            lines = [sequence[i : i + 60] for i in range(0, len(sequence), 60)]
            out.write(f">seq{index} generated\n" + "\n".join(lines) + "\n")
            bases += len(sequence)
    return bases


# --- the runs, each in a child process ----------------------------------------------------------


class Clock:
    """Wall and CPU seconds of named steps (CPU: this process and its finished workers)."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, float]] = {}

    @staticmethod
    def _cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime

    def time(self, name: str, function, *args) -> None:
        """Run ``function(*args)`` and record its wall and CPU seconds under ``name``."""
        wall, cpu = time.perf_counter(), self._cpu()
        function(*args)
        self.steps[name] = {"wall": time.perf_counter() - wall, "cpu": self._cpu() - cpu}


def run_fast(input_path: Path, output_dir: Path, threads: int, clock: Clock) -> None:
    """Stages 1-4 of virnucpro, as the pipeline runs them."""
    from virnucpro.config import PipelineConfig
    from virnucpro.paths import RunPaths
    from virnucpro.pipeline.definitions import PREPROCESS
    from virnucpro_telemetry import StageRegistry, use_registry

    config = PipelineConfig(chunk_length=500, threads=threads, progress=False)
    paths = RunPaths(input_path, output_dir, 500)
    with use_registry(StageRegistry()):
        for name, stage in zip(STAGES, PREPROCESS, strict=True):
            clock.time(name, stage, paths, config)


def run_baseline(input_path: Path, output_dir: Path, clock: Clock) -> None:
    """The original tool's preprocessing, written plainly."""
    stem = input_path.name.split(".fa")[0]
    chunked = output_dir / f"{stem}_chunked500.fa"
    nucleotide = output_dir / f"{stem}_identified_nucleotide.fa"
    protein = output_dir / f"{stem}_identified_protein.faa"
    clock.time(STAGES[0], baseline_chunk, input_path, chunked, 500)
    clock.time(STAGES[1], baseline_translate, chunked, nucleotide, protein)
    clock.time(STAGES[2], baseline_split, nucleotide, output_dir / f"{stem}_nucleotide", 10000)
    clock.time(STAGES[3], baseline_split, protein, output_dir / f"{stem}_protein", 10000)


def baseline_chunk(input_path: Path, output_path: Path, size: int) -> None:
    """Chunk every record by the original overlap rule, slicing Biopython records."""
    from Bio import SeqIO

    with open(output_path, "w") as out:
        for record in SeqIO.parse(input_path, "fasta"):
            count = -(-len(record.seq) // size)
            surplus = count * size - len(record.seq)
            low = int(surplus / count)
            high_steps = surplus - low * (count - 1)
            steps = [low + 1] * high_steps + [low] * (count - 1 - high_steps) + [0]
            back = 0
            for start, step in zip(range(0, len(record.seq), size), steps, strict=False):
                chunk = record[start - back : start - back + size]
                chunk.id = f"{record.id}_chunk_{start // size + 1}"
                chunk.description = ""
                SeqIO.write(chunk, out, "fasta")
                back += step


def baseline_translate(chunked: Path, nucleotide: Path, protein: Path) -> None:
    """Six-frame translation one codon at a time, as the original does."""
    from Bio import SeqIO

    from virnucpro.sequence.translation import STANDARD_CODE

    complement = str.maketrans("ACGTacgt", "TGCAtgca")
    with open(nucleotide, "w") as dna_out, open(protein, "w") as protein_out:
        for record in list(SeqIO.parse(chunked, "fasta")):
            sequence = str(record.seq).upper()
            reverse = sequence.translate(complement)[::-1]
            for letter, strand in (("F", sequence), ("R", reverse)):
                for offset in range(3):
                    amino = "".join(
                        STANDARD_CODE.get(strand[i : i + 3], "")
                        for i in range(offset, len(strand) - 2, 3)
                    )
                    if amino and "*" not in amino:
                        kept = strand[offset : offset + 3 * len(amino) + 1]
                        frame_id = f"{record.id}{letter}{offset + 1}"
                        dna_out.write(f">{frame_id}\n{kept}\n")
                        protein_out.write(f">{frame_id}\n{amino}\n")


def baseline_split(source: Path, folder: Path, per_file: int) -> None:
    """Copy lines into output_<N>.fa files, a new file every ``per_file`` headers."""
    folder.mkdir(parents=True, exist_ok=True)
    count, files, out = 0, 0, None
    with open(source) as handle:
        for line in handle:
            if line.startswith(">"):
                if count % per_file == 0:
                    if out:
                        out.close()
                    files += 1
                    out = open(folder / f"output_{files}.fa", "w")  # noqa: SIM115
                count += 1
            if out:
                out.write(line)
    if out:
        out.close()


def child_main(kind: str, input_path: Path, output_dir: Path, threads: int) -> None:
    """Run one variant; print its step times and peak RSS as JSON."""
    output_dir.mkdir(parents=True, exist_ok=True)
    clock = Clock()
    if kind == "fast":
        run_fast(input_path, output_dir, threads, clock)
    else:
        run_baseline(input_path, output_dir, clock)
    clock.steps["total"] = {
        unit: sum(step[unit] for step in clock.steps.values()) for unit in ("wall", "cpu")
    }
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"steps": clock.steps, "rss_mib": own, "worker_rss_mib": workers}))


def in_child(kind: str, input_path: Path, output_dir: Path, threads: int = 1) -> dict:
    """Run :func:`child_main` in a fresh interpreter; return its JSON."""
    command = [sys.executable, __file__, "--child", kind, str(input_path), str(output_dir)]
    command += ["--threads", str(threads)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(repeat: int, kind: str, input_path: Path, output_dir: Path, threads: int = 1) -> dict:
    """The fastest of ``repeat`` runs, step by step (shared machines are noisy)."""
    runs = [in_child(kind, input_path, output_dir, threads) for _ in range(repeat)]
    best = dict(runs[0])
    best["steps"] = {
        name: {unit: min(run["steps"][name][unit] for run in runs) for unit in ("wall", "cpu")}
        for name in runs[0]["steps"]
    }
    best["rss_mib"] = max(run["rss_mib"] for run in runs)
    best["worker_rss_mib"] = max(run["worker_rss_mib"] for run in runs)
    return best


# --- report -------------------------------------------------------------------------------------


def same_outputs(fast_dir: Path, baseline_dir: Path) -> bool:
    """Whether every file the baseline wrote exists in the fast run with the same bytes."""
    for path in baseline_dir.rglob("*"):
        if path.is_file():
            twin = fast_dir / path.relative_to(baseline_dir)
            if not twin.is_file() or not filecmp.cmp(path, twin, shallow=False):
                print(f"  differs: {path.relative_to(baseline_dir)}")
                return False
    return True


def report(fast: dict, baseline: dict | None, small: dict, two: dict, args) -> None:
    """Print the stage table, the ratios, peak memory and the threads comparison."""
    print(
        f"{'stage':<27}{'fast wall/cpu (s)':>19}{'baseline wall/cpu (s)':>23}{'ratio wall/cpu':>16}"
    )
    for name in [*STAGES, "total"]:
        ours = fast["steps"][name]
        line = f"{name:<27}{ours['wall']:>10.2f}{ours['cpu']:>9.2f}"
        if baseline:
            theirs = baseline["steps"][name]
            wall_ratio, cpu_ratio = theirs["wall"] / ours["wall"], theirs["cpu"] / ours["cpu"]
            line += f"{theirs['wall']:>14.2f}{theirs['cpu']:>9.2f}"
            line += f"{wall_ratio:>9.1f}x{cpu_ratio:>6.1f}x"
        print(line)
    print()
    print(f"peak RSS, fast, first {args.sequences // 10:,} sequences: {small['rss_mib']:.0f} MiB")
    print(f"peak RSS, fast, all {args.sequences:,} sequences: {fast['rss_mib']:.0f} MiB")
    if baseline:
        print(
            f"peak RSS, baseline, all {args.sequences:,} sequences: {baseline['rss_mib']:.0f} MiB"
        )
    one_worker = fast["steps"]["Six-Frame Translation"]["wall"]
    two_workers = two["steps"]["Six-Frame Translation"]["wall"]
    print(
        f"translation wall time, 1 worker: {one_worker:.2f} s; --threads 2: {two_workers:.2f} s "
        f"({one_worker / two_workers:.2f}x; each worker peak RSS {two['worker_rss_mib']:.0f} MiB)"
        f" on {os.cpu_count()} CPU(s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sequences", type=int, default=100_000)
    parser.add_argument("--min-length", type=int, default=300)
    parser.add_argument("--max-length", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true", help="skip the slow baseline")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the fast path; the fastest counts"
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "INPUT", "OUTDIR"), help=argparse.SUPPRESS
    )
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, input_path, output_dir = args.child
        child_main(kind, Path(input_path), Path(output_dir), args.threads)
        return

    with tempfile.TemporaryDirectory(prefix="bench-preprocess-") as tmp:
        root = Path(tmp)
        full, small_input = root / "bench.fa", root / "bench_small.fa"
        bases = generate_input(full, args.sequences, args.seed, args.min_length, args.max_length)
        generate_input(
            small_input, args.sequences // 10, args.seed, args.min_length, args.max_length
        )
        print(
            f"input: {args.sequences:,} sequences, {bases / 1e6:.1f} Mbp "
            f"({full.stat().st_size / 2**20:.0f} MiB), {args.min_length}-{args.max_length} bp, "
            f"seed {args.seed}, chunk length 500"
        )
        small = in_child("fast", small_input, root / "fast_small")
        fast = best_of(args.repeat, "fast", full, root / "fast")
        two = best_of(args.repeat, "fast", full, root / "fast_threads2", threads=2)
        identical_threads = same_outputs(root / "fast_threads2", root / "fast")
        baseline = None
        if not args.no_baseline:
            baseline = in_child("baseline", full, root / "baseline")
            identical = same_outputs(root / "fast", root / "baseline")
            print(f"outputs identical to the baseline: {identical}")
        print(f"--threads 2 output identical to --threads 1: {identical_threads}")
        report(fast, baseline, small, two, args)


if __name__ == "__main__":
    main()
