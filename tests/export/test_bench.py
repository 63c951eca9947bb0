"""`bench` borrows the caller's model: it times it in eval mode and hands it back in the mode it had."""

from __future__ import annotations

from seattrack import create_model
from seattrack.export.bench import bench
from seattrack.export.calibration import synthetic_clips


def test_bench_leaves_a_training_model_in_training_mode():
    net = create_model("seat_lite", pretrained_backbone=False).train()
    report = bench(net, ["torch"], threads=1, warmup=1, iters=1, clip=synthetic_clips(1, 4, "val", seed=0)[0])
    assert net.training and all(m.training for m in net.modules())
    assert report.results[0].track is not None and report.params == sum(p.numel() for p in net.parameters())
