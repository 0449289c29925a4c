"""Batched embeddings equal the original tool's one-at-a-time results, in input order."""

from __future__ import annotations

import logging

import pytest
import torch

from virnucpro.embedding.dnabert_embedder import DNABertEmbedder
from virnucpro.embedding.embedder import pad_token_ids
from virnucpro.embedding.esm_embedder import TRUNCATION_RESIDUES, ESMEmbedder
from virnucpro.errors import GpuOutOfMemoryError

TOLERANCE = 1e-5


@pytest.fixture
def dna_embedder(dnabert):
    model, tokenizer = dnabert
    return DNABertEmbedder(model, tokenizer, "cpu", tokens_per_batch=2048)


@pytest.fixture
def esm_embedder(esm2):
    model, alphabet = esm2
    return ESMEmbedder(model, alphabet, "cpu", tokens_per_batch=1024)


def test_pad_token_ids_keeps_each_row_in_place_and_marks_padding():
    ids, mask = pad_token_ids([[5, 6], [7, 8, 9, 10], [11]], pad_id=0)

    assert ids.tolist() == [[5, 6, 0, 0], [7, 8, 9, 10], [11, 0, 0, 0]]
    assert mask.tolist() == [[True, True, False, False], [True] * 4, [True, False, False, False]]
    assert ids.dtype == torch.long


def original_dnabert(model, tokenizer, sequences):
    """The original tool's loop: one sequence at a time, mean over every token."""
    rows = []
    with torch.no_grad():
        for seq in sequences:
            inputs = tokenizer(seq, return_tensors="pt")
            rows.append(torch.mean(model(inputs["input_ids"]), dim=1).squeeze(0))
    return torch.stack(rows)


def original_esm(model, alphabet, sequences, tmp_path, toks_per_batch=2048):
    """The original tool's fair-esm loop, keyed by label (it writes batch order)."""
    from esm import FastaBatchedDataset

    fasta = tmp_path / "proteins.faa"
    fasta.write_text("".join(f">p{i}\n{seq}\n" for i, seq in enumerate(sequences)))
    dataset = FastaBatchedDataset.from_file(str(fasta))
    batches = dataset.get_batch_indices(toks_per_batch, extra_toks_per_seq=1)
    loader = torch.utils.data.DataLoader(
        dataset, collate_fn=alphabet.get_batch_converter(), batch_sampler=batches
    )
    found = {}
    layer = model.num_layers
    with torch.no_grad():
        for labels, strs, toks in loader:
            out = model(toks, repr_layers=[layer], return_contacts=False)["representations"]
            for i, label in enumerate(labels):
                end = min(TRUNCATION_RESIDUES, len(strs[i]))
                found[label] = out[layer][i, 1 : end + 1].mean(0)
    return torch.stack([found[f"p{i}"] for i in range(len(sequences))])


def test_dnabert_batched_equals_original_loop(dna_embedder, dnabert, dna_sequences):
    result = dna_embedder.embed(dna_sequences)
    expected = original_dnabert(*dnabert, dna_sequences)
    assert result.data.dtype == torch.float32 and result.data.shape == (40, 64)
    torch.testing.assert_close(result.data, expected, atol=TOLERANCE, rtol=0)
    tokenizer = dnabert[1]
    assert result.tokens == sum(len(tokenizer(s)["input_ids"]) for s in dna_sequences)


def test_dnabert_batches_really_are_batched(dna_embedder, dna_sequences, monkeypatch):
    sizes = _record_batch_sizes(dna_embedder, monkeypatch)
    dna_embedder.embed(dna_sequences)
    assert sum(sizes) == 40 and max(sizes) > 1


def test_esm_batched_equals_original_loop(esm_embedder, esm2, protein_sequences, tmp_path):
    result = esm_embedder.embed(protein_sequences)
    expected = original_esm(*esm2, protein_sequences, tmp_path)
    assert result.data.shape == (40, 64)
    torch.testing.assert_close(result.data, expected, atol=TOLERANCE, rtol=0)
    assert result.tokens == sum(len(s) + 2 for s in protein_sequences)


def test_esm_averages_only_the_first_1024_residues(esm_embedder, esm2, tmp_path):
    long = ("MKTAYIAKQRQISFVKSHFSRQ" * 60)[:1100]
    sequences = [long, "MKV"]
    result = esm_embedder.embed(sequences)
    expected = original_esm(*esm2, sequences, tmp_path)
    torch.testing.assert_close(result.data, expected, atol=TOLERANCE, rtol=0)
    full = original_esm(*esm2, [long[:1024]], tmp_path)  # not the same: context differs
    assert not torch.allclose(result.data[0], full[0], atol=TOLERANCE)


def test_order_is_restored_whatever_the_batching(dna_embedder, dna_sequences):
    reference = dna_embedder.embed(dna_sequences).data
    dna_embedder.tokens_per_batch = 700
    shuffled = list(reversed(dna_sequences))
    torch.testing.assert_close(dna_embedder.embed(shuffled).data, reference.flip(0),
                               atol=TOLERANCE, rtol=0)


def test_empty_input(dna_embedder, esm_embedder):
    assert dna_embedder.embed([]).data.shape == (0, 64)
    assert esm_embedder.embed([]).data.shape == (0, 64)


def test_progress_counts_every_sequence(esm_embedder, protein_sequences):
    class Bar:
        done = 0

        def update(self, n):
            self.done += n

    bar = Bar()
    esm_embedder.embed(protein_sequences, progress=bar)
    assert bar.done == len(protein_sequences)


def _record_batch_sizes(embedder, monkeypatch, fail_above=None):
    """Spy on (and optionally fake a CUDA OOM for) batches bigger than ``fail_above``."""
    sizes = []
    real = embedder.embed_tokens

    def spy(token_ids):
        if fail_above is not None and len(token_ids) > fail_above:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (fake)")
        sizes.append(len(token_ids))
        return real(token_ids)

    monkeypatch.setattr(embedder, "embed_tokens", spy)
    return sizes


@pytest.mark.parametrize("embedder_name, sequences_name", [
    ("dna_embedder", "dna_sequences"), ("esm_embedder", "protein_sequences"),
])
def test_oom_halves_the_batch_and_loses_nothing(request, monkeypatch, caplog, embedder_name,
                                                sequences_name):
    embedder = request.getfixturevalue(embedder_name)
    sequences = request.getfixturevalue(sequences_name)
    embedder.tokens_per_batch = 100_000  # everything in one batch of 40
    reference = embedder.embed(sequences).data
    sizes = _record_batch_sizes(embedder, monkeypatch, fail_above=7)
    with caplog.at_level(logging.WARNING, logger="virnucpro.embedding.embedder"):
        result = embedder.embed(sequences)
    assert sum(sizes) == len(sequences) and max(sizes) <= 7
    assert embedder.max_batch_size == 5  # 40 -> 20 -> 10 -> 5
    assert "out of memory" in caplog.text
    torch.testing.assert_close(result.data, reference, atol=TOLERANCE, rtol=0)
    # Later calls start at the reduced size and do not hit the error again.
    caplog.clear()
    sizes.clear()
    embedder.embed(sequences)
    assert max(sizes) == 5 and "out of memory" not in caplog.text


def test_oom_on_a_single_sequence_is_fatal(dna_embedder, dna_sequences, monkeypatch):
    _record_batch_sizes(dna_embedder, monkeypatch, fail_above=0)
    with pytest.raises(GpuOutOfMemoryError, match="single sequence"):
        dna_embedder.embed(dna_sequences[:3])


def test_other_errors_are_not_retried(dna_embedder, dna_sequences, monkeypatch):
    def broken(token_ids):
        raise RuntimeError("not memory")

    monkeypatch.setattr(dna_embedder, "embed_tokens", broken)
    with pytest.raises(RuntimeError, match="not memory"):
        dna_embedder.embed(dna_sequences)
    assert dna_embedder.max_batch_size is None
