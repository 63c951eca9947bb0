"""Bad data during training: counted per pair in the data-loader worker, summed by the real Trainer, reported in
the summary, metrics.csv and a counted warning, and the run completes."""

from __future__ import annotations

import numpy as np
import pytest

from seattrack.data.pairs import DATA_ISSUES
from seattrack.data.sources import SeatDataWarning
from seattrack.train.engine import Trainer, load_train_config
from tests.train.conftest import tiny_overrides


def expected_issues(dataset, indices) -> dict[str, int]:
    """The bad-data counts of items `indices`, made here in one fresh process-local pass."""
    total = sum(dataset.item(i)["data_issues"].numpy() for i in indices)
    return {reason: int(count) for reason, count in zip(DATA_ISSUES, total) if count}


def test_training_on_bad_data_completes_and_reports_the_counts(bad_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    cfg = load_train_config(None, tiny_overrides(bad_dataset, out, epochs=1, **{"data.workers": 1}))
    trainer = Trainer.from_config(cfg)
    with pytest.warns(SeatDataWarning, match=r"training data after epoch 0: \d+ bad-data cases") as caught:
        trainer.run()
    assert (out / "model.pt").is_file()

    # the worker's counts reached the trainer: they equal a pass over the same 16 pairs in this process
    expected = expected_issues(trainer.dataset, range(16))
    assert trainer.position.bad_data == expected
    assert expected["missing_frame"] == 1 and expected["invalid_box"] == 2 and expected["empty_sequence"] == 1
    assert expected["unreadable_frame"] > 0 and expected["no_visible_target"] > 0
    total = sum(expected.values())

    rows = np.genfromtxt(out / "metrics.csv", delimiter=",", names=True)
    assert len(rows) == 4 and rows["bad_data"][-1] == total and (np.diff(rows["bad_data"]) >= 0).all()
    trainer_warnings = [str(w.message) for w in caught if "training data after epoch" in str(w.message)]
    assert len(trainer_warnings) == 1 and f"{total} bad-data cases" in trainer_warnings[0]
    assert "unreadable_frame" in trainer_warnings[0] and "missing_frame 1" in trainer_warnings[0]
    summary = capsys.readouterr().out
    assert f"{total} bad-data cases (" in summary and "invalid_box 2" in summary


def test_clean_data_reports_no_bad_data(folder_dataset, tmp_path, recwarn):
    cfg = load_train_config(None, tiny_overrides(folder_dataset, tmp_path / "run", epochs=1))
    trainer = Trainer.from_config(cfg)
    trainer.run()
    assert trainer.position.bad_data == {}
    assert not [w for w in recwarn if issubclass(w.category, SeatDataWarning)]
    assert (np.genfromtxt(tmp_path / "run" / "metrics.csv", delimiter=",", names=True)["bad_data"] == 0).all()
