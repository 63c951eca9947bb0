"""logs.logger_level: the level holds inside the block only, also when the block raises."""

from __future__ import annotations

import logging

import pytest

from seattrack.logs import logger_level


@pytest.mark.parametrize("name", [None, "seattrack.test_logs"])
def test_the_logger_gets_its_own_level_back_even_after_an_error(name):
    logger = logging.getLogger(name)
    before = logger.level
    with pytest.raises(RuntimeError), logger_level(name, logging.CRITICAL):
        assert logger.level == logging.CRITICAL
        raise RuntimeError("inside the block")
    assert logger.level == before
