"""GPU check of stages 5-6: full-size DNABERT-S and ESM-2 3B, random weights, throughput.

Builds both architectures at their published sizes with random weights (no download), runs
them through the same batched embedders as the pipeline on synthetic inputs shaped like
VirNucPro's (500 bp chunks: about 90-130 DNABERT-S tokens, proteins of 50-166 residues), and
prints tokens/s and the fraction of the GPU's peak that the achieved FLOPs reach, counting
2 x (matrix-multiply parameters) FLOPs per token (attention score FLOPs are not counted).

    python scripts/gpu_check_embed.py                      # bf16, H100/H200 SXM peak 989 TFLOPS
    python scripts/gpu_check_embed.py --peak-tflops 165    # e.g. an RTX 4090's dense bf16 peak
    python scripts/gpu_check_embed.py --device cpu --small # dry run of the script on a CPU

Without a CUDA device (and without ``--device cpu``) it says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from types import SimpleNamespace

import torch

DNABERT_FULL = {"vocab_size": 4096, "hidden_size": 768, "num_hidden_layers": 12,
                "num_attention_heads": 12, "intermediate_size": 3072}
DNABERT_SMALL = {"vocab_size": 512, "hidden_size": 64, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "intermediate_size": 128}
ESM_FULL = {"num_layers": 36, "embed_dim": 2560, "attention_heads": 40}  # esm2_t36_3B_UR50D
ESM_SMALL = {"num_layers": 2, "embed_dim": 64, "attention_heads": 4}


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu for a dry run")
    parser.add_argument("--precision", default="bf16", choices=["bf16", "fp16", "fp32"])
    parser.add_argument("--peak-tflops", type=float, default=989.0,
                        help="the GPU's dense peak for that precision (default: H100/H200 SXM "
                             "bf16, 989)")
    parser.add_argument("--models", default="dnabert,esm", help="comma-separated: dnabert,esm")
    parser.add_argument("--dnabert-budgets", default="16384,65536",
                        help="DNABERT-S tokens per batch to try, comma-separated")
    parser.add_argument("--esm-budgets", default="4096,16384,65536",
                        help="ESM-2 tokens per batch to try, comma-separated")
    parser.add_argument("--sequences", type=int, default=4000, help="sequences per measurement")
    parser.add_argument("--small", action="store_true", help="tiny models (for a dry run)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def matmul_parameters(model: torch.nn.Module) -> int:
    """Weights of the linear layers that every token goes through (embeddings excluded)."""
    return sum(module.weight.numel() for name, module in model.named_modules()
               if isinstance(module, torch.nn.Linear) and not name.startswith("contact_head"))


def dnabert_inputs(count: int, vocab: int, rng: random.Random) -> list[list[int]]:
    """[CLS] + 88-128 random tokens + [SEP], like DNABERT-S on 500 bp chunks."""
    return [[1, *(rng.randrange(5, vocab) for _ in range(rng.randint(88, 128))), 2]
            for _ in range(count)]


def esm_inputs(count: int, alphabet, rng: random.Random) -> list[list[int]]:
    """BOS + 50-166 random standard residues + EOS."""
    residues = [alphabet.get_idx(aa) for aa in "ACDEFGHIKLMNPQRSTVWY"]
    return [[alphabet.cls_idx, *(rng.choice(residues) for _ in range(rng.randint(50, 166))),
             alphabet.eos_idx] for _ in range(count)]


def build_dnabert(small: bool, device: torch.device):
    """A randomly initialised DNABERT-S and its embedder factory."""
    from virnucpro.embedding.dnabert_embedder import DNABertEmbedder
    from virnucpro.embedding.dnabert_s import DNABertS

    config = DNABERT_SMALL if small else DNABERT_FULL
    with device:
        model = DNABertS(config)
    tokenizer = SimpleNamespace(pad_token_id=3)  # inputs are made as token ids already

    def embedder(dtype, budget):
        return DNABertEmbedder(model, tokenizer, device, dtype, budget)

    return "DNABERT-S", model, embedder, lambda n, rng: dnabert_inputs(n, config["vocab_size"],
                                                                       rng)


def build_esm(small: bool, device: torch.device):
    """A randomly initialised ESM-2 (3B unless ``small``) and its embedder factory."""
    from esm.data import Alphabet
    from esm.model.esm2 import ESM2

    from virnucpro.embedding.esm_embedder import ESMEmbedder

    alphabet = Alphabet.from_architecture("ESM-1b")
    with device:
        model = ESM2(**(ESM_SMALL if small else ESM_FULL), alphabet=alphabet)

    def embedder(dtype, budget):
        return ESMEmbedder(model, alphabet, device, dtype, budget)

    return "ESM-2 3B" if not small else "ESM-2 small", model, embedder, \
        lambda n, rng: esm_inputs(n, alphabet, rng)


def measure(embedder, token_ids: list[list[int]], device: torch.device) -> tuple[float, int]:
    """Seconds to embed ``token_ids`` through the pipeline's batching, and the real tokens."""
    embedder.embed_token_ids(sorted(token_ids, key=len)[-64:])  # warm-up on the longest
    synchronize(device)
    start = time.perf_counter()
    embedder.embed_token_ids(token_ids)  # ends with the copy of the results to the host
    synchronize(device)
    return time.perf_counter() - start, sum(len(ids) for ids in token_ids)


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so the clock reads the real time."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_model(build, args, device, dtype) -> None:
    """Measure one architecture at every token budget asked for."""
    name, model, make_embedder, make_inputs = build(args.small, device)
    params = matmul_parameters(model)
    total = sum(p.numel() for p in model.parameters())
    budgets = args.dnabert_budgets if name.startswith("DNABERT") else args.esm_budgets
    print(f"\n{name}: {total / 1e6:.1f} M parameters, {params / 1e6:.1f} M in matmuls "
          f"-> {2 * params / 1e9:.2f} GFLOP per token")
    token_ids = make_inputs(args.sequences, random.Random(args.seed))
    for budget in (int(b) for b in budgets.split(",")):
        embedder = make_embedder(dtype, budget)
        report(budget, measure(embedder, token_ids, device), params, args)
    if device.type == "cuda":
        print(f"  peak memory {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB")


def report(budget, timing, params, args) -> None:
    """One line: sequences/s, tokens/s, achieved TFLOPS and the fraction of peak."""
    seconds, tokens = timing
    tflops = 2 * params * tokens / seconds / 1e12
    print(f"  {budget:>6} tokens/batch: {args.sequences / seconds:9.1f} seq/s "
          f"{tokens / seconds:11.0f} tokens/s {tflops:7.1f} TFLOPS "
          f"{100 * tflops / args.peak_tflops:5.1f}% of {args.peak_tflops:g}")


def main(argv=None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("No CUDA device here: this check needs a GPU (or --device cpu --small for a "
              "dry run). Nothing measured.", file=sys.stderr)
        return 0
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[
        args.precision]
    if device.type == "cpu":
        dtype = torch.float32
        print("CPU dry run: fp32, the peak fraction is meaningless")
    else:
        print(f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}, "
              f"{args.precision}, peak {args.peak_tflops:g} TFLOPS")
    torch.manual_seed(args.seed)
    builders = {"dnabert": build_dnabert, "esm": build_esm}
    for key in args.models.split(","):
        run_model(builders[key.strip()], args, device, dtype)
        gc.collect()  # the model of this run, before the next one is built
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
