"""Benchmark make-dataset against the original's algorithm, its memory, and a training epoch.

1. Speed: a seeded, coding-dense synthetic GenBank record (default 5 Mb, a CDS about every kb,
   on both strands, each with its real ``/translation``) is turned into training frames by
   make-dataset's first three stages (``GenBank Reading``, ``Sequence Chunking``, ``Training
   Frame Selection``; the run also carries a 9.6 kb "other" file, as make-dataset needs one) and
   by ``original_make_train_dataset.py`` (a re-creation of the published algorithm: per-codon
   translation, every protein scanned for every frame), each as a whole process. The frames must
   be the same bytes. make-dataset runs ``--repeats`` times (the fastest counts), the original
   once. Target: at least 8x faster.
2. Memory: peak RSS of make-dataset on one record versus many records of the same total size.
3. Training: an epoch of ``train_classifier`` (batches, validation, metrics, checkpoint) versus
   the bare model's forward and backward passes and optimizer steps over the same batches.
   Target: at most 1.25x.

    python benchmarks/bench_make_dataset.py
    python benchmarks/bench_make_dataset.py --megabases 5 --chunk-length 500
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OTHER_FILE = REPO / "tests" / "data" / "genbank" / "NC_005816.gb"
STOPS = ("TAA", "TAG", "TGA")

# --- input --------------------------------------------------------------------------------------


def _gene(rng: random.Random, sense: list[str]) -> str:
    """ATG, 200-400 random sense codons, a stop."""
    return "ATG" + "".join(rng.choices(sense, k=rng.randint(200, 400))) + rng.choice(STOPS)


def _record(record_id: str, length: int, rng: random.Random, sense: list[str]):
    """A coding-dense record: genes on both strands separated by 30-150 random bases."""
    from Bio.Seq import Seq
    from Bio.SeqFeature import SeqFeature, SimpleLocation
    from Bio.SeqRecord import SeqRecord

    pieces, features, position = [], [], 0
    while True:
        spacer = "".join(rng.choices("ACGT", k=rng.randint(30, 150)))
        gene = _gene(rng, sense)
        if position + len(spacer) + len(gene) > length:
            break
        start = position + len(spacer)
        strand = rng.choice((1, -1))
        translation = str(Seq(gene).translate(cds=True))
        pieces += [spacer, gene if strand == 1 else str(Seq(gene).reverse_complement())]
        location = SimpleLocation(start, start + len(gene), strand=strand)
        features.append(SeqFeature(location, type="CDS", qualifiers={"translation": [translation]}))
        position = start + len(gene)
    pieces.append("".join(rng.choices("ACGT", k=length - position)))
    record = SeqRecord(Seq("".join(pieces)), id=f"{record_id}.1", name=record_id,
                       description="synthetic coding-dense record", features=features)
    record.annotations["molecule_type"] = "DNA"
    return record


def generate(genbank: Path, fna: Path, records: int, total: int, seed: int) -> int:
    """Write ``records`` records of ``total / records`` bases as GenBank and as the FASTA twin;
    return the number of CDS."""
    from Bio import SeqIO

    from virnucpro.sequence.translation import STANDARD_CODE

    sense = [codon for codon, amino in STANDARD_CODE.items() if amino != "*"]
    rng = random.Random(seed)
    made = [_record(f"SYN{index:06d}", total // records, rng, sense) for index in range(records)]
    SeqIO.write(made, genbank, "genbank")
    SeqIO.write(made, fna, "fasta")
    return sum(len(record.features) for record in made)


# --- the two processes --------------------------------------------------------------------------

_FAST = """
import json, resource, sys, time
started = time.perf_counter()
from pathlib import Path
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.settings import (DatasetSettings, dataset_config, other_input,
                                         viral_input)
from virnucpro.training.stages import (chunk_genbank_sequences, read_genbank_files,
                                       select_training_frames)
from virnucpro_telemetry import StageRegistry, use_registry
viral, other, size, out = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
settings = DatasetSettings((viral_input(viral), other_input(other)))
paths = DatasetPaths(out, size)
registry = StageRegistry()
with use_registry(registry):
    for stage in (read_genbank_files, chunk_genbank_sequences, select_training_frames):
        stage(paths, dataset_config(settings, size, progress=False))
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "stages": {record.name: record.duration_s for record in registry.records},
}))
"""


def run_json(command: list[str]) -> dict:
    """Run a process that prints one JSON line last; return it with the whole process's wall."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def run_fast(genbank: Path, size: int, out: Path) -> dict:
    return run_json([sys.executable, "-c", _FAST, str(genbank), str(OTHER_FILE), str(size),
                     str(out)])


def run_original(genbank: Path, fna: Path, size: int, out: Path) -> dict:
    script = REPO / "benchmarks" / "original_make_train_dataset.py"
    return run_json([sys.executable, str(script), str(genbank), str(fna), str(size), str(out)])


# --- training epoch -----------------------------------------------------------------------------


def bench_epoch(rows: int, epochs: int, repeats: int) -> tuple[float, float]:
    """Seconds per epoch of ``train_classifier`` and of the bare passes over the same batches.

    The two are run alternately ``repeats`` times and the fastest of each counts, so that load
    from other processes on a shared machine does not decide the ratio.
    """
    import torch

    from virnucpro.training.options import TrainingOptions
    from virnucpro.training.trainer import SplitTensors, TrainingData, train_classifier

    generator = torch.Generator().manual_seed(0)

    def split(count: int) -> SplitTensors:
        labels = torch.randint(0, 2, (count,), generator=generator)
        return SplitTensors(torch.randn(count, 3328, generator=generator), labels)

    data = TrainingData(split(rows), split(rows // 10), split(rows // 10))
    options = TrainingOptions(epochs=epochs, patience=epochs + 1)
    ours, bare = [], []
    with tempfile.TemporaryDirectory() as folder:
        # Warm-up (torch's first passes allocate and pick kernels), not timed.
        train_classifier(data, TrainingOptions(epochs=1), Path(folder) / "warm-up.pt")
        for repeat in range(repeats):
            started = time.perf_counter()
            train_classifier(data, options, Path(folder) / f"checkpoint{repeat}.pt")
            ours.append((time.perf_counter() - started) / epochs)
            bare.append(_bare_epoch(data, options, epochs, generator))
    return min(ours), min(bare)


def _bare_epoch(data, options, epochs: int, generator) -> float:
    """Seconds per epoch of forward, loss, backward and SGD step over pre-gathered batches."""
    import torch
    from torch.nn import functional as F

    from virnucpro.training.trainer import build_classifier

    torch.manual_seed(0)
    model = build_classifier(data.input_dim, options)
    optimizer = torch.optim.SGD(model.parameters(), lr=options.lr, momentum=options.momentum)
    rows, size = len(data.train.labels), options.batch_size
    order = torch.randperm(rows, generator=generator)
    batches = [
        (data.train.features[order[s : s + size]], data.train.labels[order[s : s + size]])
        for s in range(0, rows, size)
    ]  # gathered before the clock starts
    model.train()
    started = time.perf_counter()
    for _ in range(epochs):
        for features, labels in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(features), labels).backward()
            optimizer.step()
    return (time.perf_counter() - started) / epochs


# --- main ---------------------------------------------------------------------------------------


def _speed(folder: Path, args) -> None:
    genbank, fna = folder / "dense.gbff", folder / "dense.fna"
    total = int(args.megabases * 1_000_000)
    cds = generate(genbank, fna, 1, total, args.seed)
    print(f"input: 1 record, {total:,} bp, {cds:,} CDS, chunk length {args.chunk_length}")
    runs = [run_fast(genbank, args.chunk_length, folder / "fast") for _ in range(args.repeats)]
    fast = min(runs, key=lambda run: run["process_seconds"])  # a shared machine's load varies
    original = run_original(genbank, fna, args.chunk_length, folder / "original")
    ours = (folder / "fast" / "frames" / "dense_identified_nucleotide.fa").read_bytes()
    theirs = (folder / "original" / "identified_nucleotide.fa").read_bytes()
    assert ours == theirs, "make-dataset and the original's algorithm kept different frames"
    print(f"frames kept: {ours.count(b'>'):,} (identical files)")
    for name, seconds in fast["stages"].items():
        print(f"  {name:<28} {seconds:8.2f} s")
    ratio = original["process_seconds"] / fast["process_seconds"]
    print(f"make-dataset (whole process): {fast['process_seconds']:8.2f} s (fastest of "
          f"{args.repeats}; slowest {max(run['process_seconds'] for run in runs):.2f} s), "
          f"peak RSS {fast['peak_rss_mib']:.0f} MiB")
    print(f"original algorithm (process): {original['process_seconds']:8.2f} s, "
          f"peak RSS {original['peak_rss_mib']:.0f} MiB")
    print(f"speed-up: {ratio:.1f}x (target >= 8x)")


def _memory(folder: Path, args) -> None:
    total = int(args.megabases * 1_000_000)
    for records in (1, args.many_records):
        genbank, fna = folder / f"m{records}.gbff", folder / f"m{records}.fna"
        generate(genbank, fna, records, total, args.seed + records)
        result = run_fast(genbank, args.chunk_length, folder / f"mem{records}")
        print(f"memory: {records:>5} record(s) of {total // records:,} bp: peak RSS "
              f"{result['peak_rss_mib']:.0f} MiB, {result['process_seconds']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabases", type=float, default=5.0)
    parser.add_argument("--chunk-length", type=int, default=300, choices=(300, 500))
    parser.add_argument("--many-records", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--train-rows", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch CPU threads for the training figures (1: steadiest)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _speed(Path(folder), args)
        _memory(Path(folder), args)
    import torch

    torch.set_num_threads(args.torch_threads)
    ours, bare = bench_epoch(args.train_rows, args.epochs, args.repeats)
    print(f"training epoch ({args.train_rows:,} rows, batch 32): {ours:.3f} s; bare forward + "
          f"backward + step over the same batches: {bare:.3f} s; ratio {ours / bare:.2f}x "
          "(target <= 1.25x)")


if __name__ == "__main__":
    main()
