"""The order-keeping process map used for ``--threads``."""

from __future__ import annotations

import pytest

from virnucpro.errors import InputError
from virnucpro.sequence.fasta import RecordBlock
from virnucpro.sequence.parallel import ordered_map
from virnucpro.sequence.translation import translate_block


def test_one_worker_is_a_plain_map():
    assert list(ordered_map(abs, range(-5, 5))) == [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]


@pytest.mark.timeout(60)
def test_workers_keep_input_order_and_pass_errors_on(tmp_path):
    assert list(ordered_map(abs, range(-300, 300), workers=2)) == [abs(i) for i in range(-300, 300)]
    good = RecordBlock(tmp_path / "x.fa", b">a\nATGAAA\n", 1, 1)
    bad = RecordBlock(tmp_path / "x.fa", b">b\nAT*\n", 3, 2)
    results = ordered_map(translate_block, [good, bad, good], workers=2)
    assert next(results).frames == 5  # all but F2, which reads TGA (a stop)
    with pytest.raises(InputError, match=r"x.fa: record 2 \('b'\), line 4, column 3: '\*'"):
        next(results)
