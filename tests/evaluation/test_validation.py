"""The validation suite: one folder per scene family, val photos, the seed that fixes which clips they are."""

from __future__ import annotations

import json

from seattrack.data.synthetic import FAMILIES
from seattrack.evaluation.validation import validation_suite


def test_the_validation_suite_writes_each_family_from_the_val_photos_and_reuses_it(tmp_path):
    suite = validation_suite(tmp_path, n=1, length=3)
    assert list(suite) == list(FAMILIES) == ["composite", "camera", "parallax"]
    for family, sequences in suite.items():
        (sequence,) = sequences
        assert len(sequence) == 3
        meta = json.loads((tmp_path / family / sequence.name / "meta.json").read_text())
        assert (meta["split"], meta["seed"], meta["family"]) == ("val", 1000, family)
    again = validation_suite(tmp_path, n=1, length=3)
    assert all(a.name == b.name and (a.boxes == b.boxes).all() for f in FAMILIES for a, b in zip(suite[f], again[f]))
