"""The LR schedule of spec §7: linear warm-up from warmup_lr to base_lr, then log-space decay to end_lr."""

import math

import numpy as np
import pytest

from seattrack.train.config import OptimConfig
from seattrack.train.schedule import learning_rate

CFG = OptimConfig(warmup_lr=0.001, base_lr=0.01, end_lr=0.0001, warmup_epochs=2)
EPOCHS, STEPS = 6, 10


def lr(epoch: int, step: int = 0, cfg: OptimConfig = CFG) -> float:
    return learning_rate(cfg, EPOCHS, epoch, step, STEPS)


def test_values_at_known_points():
    assert lr(0) == pytest.approx(0.001)  # warm-up starts at warmup_lr
    assert lr(1) == pytest.approx(0.0055)  # half-way through the warm-up: linear
    assert lr(1, 5) == pytest.approx(0.00775)  # per step, not per epoch
    assert lr(2) == pytest.approx(0.01)  # warm-up done: base_lr
    assert lr(4) == pytest.approx(math.sqrt(0.01 * 0.0001))  # half-way through the decay: the geometric mean
    assert lr(5, STEPS) == pytest.approx(0.0001) and lr(6) == pytest.approx(0.0001)  # ends at end_lr


def test_warm_up_rises_then_the_decay_is_log_linear():
    steps = [lr(e, s) for e in range(EPOCHS) for s in range(STEPS)]
    warm, decay = np.array(steps[: 2 * STEPS + 1]), np.log(steps[2 * STEPS:])
    assert (np.diff(warm) > 0).all()
    np.testing.assert_allclose(np.diff(decay), np.diff(decay)[0])  # a constant factor per step
    assert np.diff(decay)[0] < 0


def test_no_warm_up_starts_at_base_lr():
    assert lr(0, cfg=OptimConfig(base_lr=0.02, warmup_epochs=0)) == pytest.approx(0.02)
