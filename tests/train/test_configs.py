from pathlib import Path

import pytest

from seattrack.errors import SeatError
from seattrack.nas.search import load_search_config
from seattrack.track.hypers import load_hypers
from seattrack.train.engine import load_train_config

CONFIGS = Path(__file__).resolve().parents[2] / "src" / "seattrack" / "configs"


@pytest.mark.parametrize("path", sorted((CONFIGS / "train").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_train_recipe_loads(path):
    cfg = load_train_config(str(path), [])
    assert cfg.data.sources and cfg.epochs > 0


@pytest.mark.parametrize("path", sorted((CONFIGS / "search").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_search_recipe_loads(path):
    assert load_search_config(str(path), []).search.space.widths


def test_overrides_and_bad_keys(tmp_path):
    cfg = load_train_config(str(CONFIGS / "train" / "tiny_cpu.yaml"), ["optim.base_lr=0.02", "epochs=3"])
    assert cfg.optim.base_lr == 0.02 and cfg.epochs == 3
    # PyYAML reads 1e-4 (no decimal point) as a string; numbers in exponent form still mean numbers
    cfg = load_train_config(None, ["optim.base_lr=1e-4", "optim.end_lr=5.0E-6", "epochs=1e1"])
    assert cfg.optim.base_lr == 1e-4 and cfg.optim.end_lr == 5e-6 and cfg.epochs == 10
    with pytest.raises(SeatError, match="unknown key"):
        load_train_config(str(CONFIGS / "train" / "tiny_cpu.yaml"), ["optim.learning_rate=0.1"])
    with pytest.raises(SeatError, match="expected a number"):
        load_train_config(None, ["optim.base_lr=fast"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(SeatError, match="not valid YAML"):
        load_train_config(str(bad), [])


@pytest.mark.parametrize("override,match", [
    ("epochs=0", "config.epochs = 0: out of range"), ("epochs=-3", "config.epochs = -3"),
    ("data.batch_size=0", "data.batch_size = 0"), ("data.workers=-1", "data.workers = -1"),
    ("device=tpu", "config.device 'tpu'"), ("device=cuda:x", "config.device 'cuda:x'"),
    ("threads=-2", "config.threads = -2"), ("optim.base_lr=nan", "optim.base_lr"),
    ("optim.momentum=1.5", "optim.momentum = 1.5"), ("data.samples_per_epoch=4", "an epoch would have no batch"),
])
def test_out_of_range_settings_are_refused_before_any_work(override, match):
    """Accepted before and "succeeding": epochs=0 wrote an untrained model.pt, device=tpu trained on the CPU."""
    with pytest.raises(SeatError, match=match):
        load_train_config(str(CONFIGS / "train" / "tiny_cpu.yaml"), [override])


def test_hypers_sets_load_by_name_and_path(tmp_path):
    assert load_hypers("default").penalty_k == pytest.approx(0.034)
    path = tmp_path / "mine.yaml"
    path.write_text("default: {lr: 0.5}\nfast: {lr: 0.9, window_influence: 0.1}\n")
    assert load_hypers(f"{path}:fast").lr == 0.9 and load_hypers(str(path)).lr == 0.5
    with pytest.raises(SeatError, match="no hyper-parameter set 'slow'"):
        load_hypers(f"{path}:slow")
    with pytest.raises(SeatError, match="hypers 'nonexistent'"):
        load_hypers("nonexistent")


@pytest.mark.parametrize("path", sorted((CONFIGS / "hypers").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_hypers_set_loads(path):
    import yaml

    sets = yaml.safe_load(path.read_text())
    assert "default" in sets
    for name in sets:
        hypers = load_hypers(f"{path.stem}:{name}")
        assert 0 < hypers.lr <= 1 and 0 <= hypers.window_influence < 1 and hypers.small_sz >= 127
