"""Run a module in eval mode for a while without changing the caller's model for good."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from torch import nn


@contextlib.contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """`module` in eval mode inside the block; afterwards every submodule is back in the mode it had (a model
    in training, with some frozen stages in eval, comes back exactly so)."""
    previous = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        for m, training in previous:
            m.training = training
