"""CPU benchmark: batched DNABERT-S and ESM-2 embedding against the original tool's loops.

Runs on the offline demo models (written to a temporary folder), so it needs no download.
The original tool embeds DNABERT-S one sequence at a time and ESM-2 in fair-esm batches of
2,048 tokens; both are timed here next to the batched embedders of ``virnucpro.embedding``,
in the same process, on the same random 500 bp chunks and their longest protein frames.

    python benchmarks/bench_embed.py [--sequences 300] [--threads 2]
    python benchmarks/bench_embed.py --dnabert-full-size --sequences 24 --repeat 1

``--dnabert-full-size`` swaps the demo DNABERT-S for one of the published size (768 wide,
12 layers) with random weights, to show where the time goes on a CPU at full size.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import torch

from virnucpro.embedding.dnabert_embedder import DNABertEmbedder
from virnucpro.embedding.dnabert_loading import load_dnabert_s
from virnucpro.embedding.dnabert_s import DNABertS
from virnucpro.embedding.esm_embedder import ESMEmbedder
from virnucpro.embedding.esm_loading import load_esm2
from virnucpro.pipeline.models.demo import write_demo_models

RESIDUES = "ACDEFGHIKLMNPQRSTVWY"


def random_inputs(count: int, chunk: int, seed: int) -> tuple[list[str], list[str]]:
    """``count`` DNA chunks of ``chunk`` bp and proteins of up to ``chunk // 3`` residues."""
    rng = random.Random(seed)
    dna = ["".join(rng.choice("ACGT") for _ in range(chunk)) for _ in range(count)]
    proteins = ["".join(rng.choice(RESIDUES) for _ in range(rng.randint(chunk // 6, chunk // 3)))
                for _ in range(count)]
    return dna, proteins


def interleaved(ways: dict, repeat: int) -> tuple[dict, dict]:
    """Best seconds of each of ``ways`` (name: function) and its last result.

    The ways take turns, ``repeat`` rounds, so that a slow spell of a shared machine falls on
    all of them instead of on whichever ran during it; the best run is the least disturbed.
    """
    best = dict.fromkeys(ways, float("inf"))
    results = {}
    for _ in range(repeat):
        for name, function in ways.items():
            start = time.perf_counter()
            results[name] = function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def dnabert_one_at_a_time(model, tokenizer, sequences) -> torch.Tensor:
    """The original tool's loop: tokenize, run and average one sequence at a time, each mean
    kept as a Python list (the original's ``mean_representation``)."""
    rows = []
    for seq in sequences:
        inputs = tokenizer(seq, return_tensors="pt")
        inputs = {key: value.to("cpu") for key, value in inputs.items()}
        with torch.no_grad():
            hidden = model(inputs["input_ids"])
            rows.append(torch.mean(hidden, dim=1).squeeze().cpu().tolist())
    return torch.tensor(rows)


def esm_one_at_a_time(model, alphabet, sequences) -> torch.Tensor:
    """ESM-2 with fair-esm's batch converter, one protein per batch."""
    convert = alphabet.get_batch_converter()
    layer = model.num_layers
    rows = []
    with torch.no_grad():
        for seq in sequences:
            _, _, tokens = convert([("p", seq)])
            hidden = model(tokens, repr_layers=[layer])["representations"][layer]
            rows.append(hidden[0, 1 : min(len(seq), 1024) + 1].mean(0))
    return torch.stack(rows)


def esm_original_batches(model, alphabet, sequences, toks_per_batch=2048) -> torch.Tensor:
    """ESM-2 as the original tool runs it: fair-esm length batches of 2,048 tokens."""
    from esm import FastaBatchedDataset

    dataset = FastaBatchedDataset([f"p{i}" for i in range(len(sequences))], list(sequences))
    batches = dataset.get_batch_indices(toks_per_batch, extra_toks_per_seq=1)
    convert = alphabet.get_batch_converter()
    layer = model.num_layers
    rows = [None] * len(sequences)
    with torch.no_grad():
        for batch in batches:
            _, strs, tokens = convert([("p", sequences[i]) for i in batch])
            hidden = model(tokens, repr_layers=[layer])["representations"][layer]
            for row, index in enumerate(batch):
                rows[index] = hidden[row, 1 : min(len(strs[row]), 1024) + 1].mean(0)
    return torch.stack(rows)


def report(name: str, count: int, base: tuple[str, float], contenders: list[tuple[str, float]]):
    """Print sequences/s of each way and its speed-up over the baseline."""
    base_name, base_seconds = base
    print(f"\n{name} ({count} sequences)")
    print(f"  {base_name:<34} {count / base_seconds:9.1f} seq/s   1.00x")
    for label, seconds in contenders:
        print(f"  {label:<34} {count / seconds:9.1f} seq/s {base_seconds / seconds:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=300)
    parser.add_argument("--chunk", type=int, default=500, help="DNA chunk length (bp)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds, each way once per round; the best is kept")
    parser.add_argument("--dnabert-tokens-per-batch", type=int, default=16384)
    parser.add_argument("--esm-tokens-per-batch", type=int, default=4096)
    parser.add_argument("--dnabert-full-size", action="store_true",
                        help="a published-size DNABERT-S with random weights (demo tokenizer)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dna, proteins = random_inputs(args.sequences, args.chunk, seed=1)
    size = "full-size DNABERT-S, demo ESM-2" if args.dnabert_full_size else "demo models"
    print(f"torch {torch.__version__}, {args.threads} CPU thread(s), {size}, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as folder:
        demo = write_demo_models(Path(folder))
        model, tokenizer = load_dnabert_s(demo.dnabert_dir)
        esm_model, alphabet = load_esm2(demo.esm_checkpoint)
    if args.dnabert_full_size:
        torch.manual_seed(0)
        model = DNABertS({"vocab_size": len(tokenizer)}).eval()
    dnabert = DNABertEmbedder(model, tokenizer, "cpu",
                              tokens_per_batch=args.dnabert_tokens_per_batch)
    esm = ESMEmbedder(esm_model, alphabet, "cpu", tokens_per_batch=args.esm_tokens_per_batch)
    dnabert.embed(dna[:8])  # warm-up
    esm.embed(proteins[:8])

    seconds, data = interleaved({
        "loop": lambda: dnabert_one_at_a_time(model, tokenizer, dna),
        "batched": lambda: dnabert.embed(dna).data,
    }, args.repeat)
    report("DNABERT-S", len(dna), ("one at a time (original)", seconds["loop"]),
           [(f"batched, {args.dnabert_tokens_per_batch} tokens", seconds["batched"])])
    print(f"  max |difference| {(data['loop'] - data['batched']).abs().max().item():.2e}")

    seconds, data = interleaved({
        "single": lambda: esm_one_at_a_time(esm_model, alphabet, proteins),
        "original": lambda: esm_original_batches(esm_model, alphabet, proteins),
        "batched": lambda: esm.embed(proteins).data,
    }, args.repeat)
    report("ESM-2", len(proteins), ("one at a time", seconds["single"]),
           [("fair-esm batches, 2048 (original)", seconds["original"]),
            (f"batched, {args.esm_tokens_per_batch} tokens", seconds["batched"])])
    print(f"  max |difference| {(data['single'] - data['batched']).abs().max().item():.2e}")


if __name__ == "__main__":
    main()
