"""Reading GenBank flat files: ids, sequences, CDS proteins, gzip, and the refusals."""

from __future__ import annotations

import bz2
import gzip
import logging

import pytest
from Bio import SeqIO

from virnucpro.errors import InputError
from virnucpro.training.genbank import genbank_stem, read_genbank

FIRST_RECORD_END = "//\n"


def _biopython_view(path):
    with open(path) as handle:
        return [
            (
                record.id,
                str(record.seq).upper(),
                [
                    f.qualifiers.get("translation", [""])[0]
                    for f in record.features
                    if f.type == "CDS"
                ],
            )
            for record in SeqIO.parse(handle, "genbank")
        ]


@pytest.mark.parametrize("name", ["gbvrl1_start.seq", "NC_005816.gb", "NC_000932.gb"])
def test_records_are_ids_sequences_and_cds_translations(genbank_dir, name):
    records = list(read_genbank(genbank_dir / name))
    assert [(r.id, r.sequence, r.proteins) for r in records] == _biopython_view(genbank_dir / name)
    assert [r.number for r in records] == list(range(1, len(records) + 1))


def test_the_real_files_hold_what_the_data_readme_says(genbank_dir):
    viral = list(read_genbank(genbank_dir / "gbvrl1_start.seq"))
    assert [r.id for r in viral] == ["AB000048.1", "AB000049.1", "AB000050.1"]
    (plasmid,) = read_genbank(genbank_dir / "NC_005816.gb")
    assert plasmid.id == "NC_005816.1" and len(plasmid.sequence) == 9609
    assert len(plasmid.proteins) == 10 and all(plasmid.proteins)


def test_gzip_is_recognised_by_its_bytes_not_its_name(genbank_dir, tmp_path):
    packed = tmp_path / "plasmid.gb"  # no .gz suffix on purpose
    packed.write_bytes(gzip.compress((genbank_dir / "NC_005816.gb").read_bytes()))
    assert list(read_genbank(packed)) == list(read_genbank(genbank_dir / "NC_005816.gb"))


def test_bzip2_is_refused_naming_what_to_give(genbank_dir, tmp_path):
    packed = tmp_path / "plasmid.gb.bz2"
    packed.write_bytes(bz2.compress((genbank_dir / "NC_005816.gb").read_bytes()))
    with pytest.raises(InputError, match="bzip2.*gzip-compressed GenBank"):
        list(read_genbank(packed))


def test_a_fasta_file_is_not_genbank(tmp_path):
    fasta = tmp_path / "x.gb"
    fasta.write_text(">x\nACGT\n")
    with pytest.raises(InputError, match=r"x\.gb: not a GenBank flat file"):
        list(read_genbank(fasta))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="missing.gb: cannot read"):
        list(read_genbank(tmp_path / "missing.gb"))


def test_a_con_master_record_without_sequence_is_refused(genbank_dir, tmp_path):
    text = (genbank_dir / "gbvrl1_start.seq").read_text()
    first = text[: text.index(FIRST_RECORD_END) + len(FIRST_RECORD_END)]
    head, _origin = first.split("ORIGIN", 1)
    con = tmp_path / "master.gbff"
    con.write_text(head + "CONTIG      join(AB000049.1:1..2007)\n//\n")
    with pytest.raises(InputError, match=r"master\.gbff: record 1 \(AB000048\.1\) has no sequence"):
        list(read_genbank(con))


def test_a_truncated_record_is_refused_naming_file_and_record(genbank_dir, tmp_path):
    text = (genbank_dir / "gbvrl1_start.seq").read_text()
    cut = tmp_path / "cut.seq"
    cut.write_text(text[: text.index("ORIGIN") + 200])
    with pytest.raises(InputError, match=r"cut\.seq: record 1: not a valid GenBank record"):
        list(read_genbank(cut))


def test_a_record_without_translation_is_a_warning(genbank_dir, tmp_path, caplog):
    lines = (genbank_dir / "NC_005816.gb").read_text().splitlines(keepends=True)
    kept, skipping = [], False
    for line in lines:  # drop every /translation qualifier and its continuation lines
        if "/translation=" in line:
            skipping = not line.rstrip().endswith('"') or line.count('"') < 2
            continue
        if skipping:
            skipping = not line.rstrip().endswith('"')
            continue
        kept.append(line)
    bare = tmp_path / "bare.gb"
    bare.write_text("".join(kept))
    with caplog.at_level(logging.WARNING):
        (record,) = read_genbank(bare)
    assert record.proteins == [""] * 10
    assert "bare.gb: record 1 (NC_005816.1) has no CDS with a /translation" in caplog.text


def test_repeated_record_ids_are_refused(genbank_dir, tmp_path):
    text = (genbank_dir / "NC_005816.gb").read_text()
    twice = tmp_path / "twice.gb"
    twice.write_text(text + text)
    with pytest.raises(InputError, match=r"record 2 \(NC_005816\.1\) repeats the id"):
        list(read_genbank(twice))


def test_letters_that_are_not_nucleotide_codes_are_refused(genbank_dir, tmp_path):
    text = (genbank_dir / "NC_005816.gb").read_text()
    odd = tmp_path / "odd.gb"
    odd.write_text(text.replace("        1 tgtaacgaac", "        1 tgtaacgaxc", 1))
    with pytest.raises(InputError, match=r"odd\.gb: record 1 \(NC_005816\.1\).*'X' at base 9"):
        list(read_genbank(odd))


@pytest.mark.parametrize(
    ("name", "stem"),
    [("viral.1.genomic.gbff.gz", "viral.1.genomic"), ("a.gb", "a"), ("x.seq", "x"), ("y", "y")],
)
def test_stems(name, stem):
    assert genbank_stem(name) == stem
