"""Where hyper-parameter sets are read from: a bare name is a shipped file, a user's file is named by its path."""

import pytest

from seattrack.errors import SeatError
from seattrack.track.hypers import hypers_file, load_hypers, package_hypers_dir


def test_a_bare_name_reads_the_shipped_file_never_the_working_directory(tmp_path, monkeypatch):
    shipped = load_hypers("otb")
    own = tmp_path / "configs" / "hypers"
    own.mkdir(parents=True)
    (own / "otb.yaml").write_text("default: {lr: 0.9}\n")
    (own / "mine.yaml").write_text("default: {lr: 0.8}\n")
    monkeypatch.chdir(tmp_path)
    assert hypers_file("otb") == package_hypers_dir() / "otb.yaml" and load_hypers("otb") == shipped
    assert load_hypers("configs/hypers/otb.yaml").lr == 0.9  # a path is that file
    with pytest.raises(SeatError, match="hypers file not found: configs/hypers/mine"):
        load_hypers("configs/hypers/mine")  # a path without its suffix is still a path, not a name
    with pytest.raises(SeatError, match="hypers 'mine': no shipped mine.yaml .*pass its path"):
        load_hypers("mine")
