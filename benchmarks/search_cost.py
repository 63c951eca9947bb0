"""Cost of the architecture search on this CPU: time per search epoch for a small configuration, and the memory
peak of a supernet training step versus a derived network's, each measured in a fresh subprocess.

    python benchmarks/search_cost.py [--samples 64] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine

SPACE = "{widths: [32, 48, 64, 96, 128], layers: [2, 2, 2, 2, 2], connect: 3}"

PEAK = """
import json, resource, sys, torch
from seattrack.models import create_model
from seattrack.nas.search import SearchSettings
from seattrack.nas.space import SearchSpace
from seattrack.nas.supernet import Supernet
from seattrack.models.seat import SeatNet
from seattrack.models import model_config
import numpy as np
torch.set_num_threads(2)
kind, batch = sys.argv[1], int(sys.argv[2])
cfg = model_config("seat_lite")
if kind == "supernet":
    space = SearchSpace(widths=[32, 48, 64, 96, 128], layers=[2, 2, 2, 2, 2], connect=3)
    sn = Supernet(space, cfg.fusion_dim, cfg.arch.last_dim)
    sn.sample_by_alpha(np.random.default_rng(0), 2)
    net = SeatNet(cfg, rfm=sn)
else:
    net = create_model("seat_lite")
net.train(); net.freeze_backbone(True)
z = torch.rand(batch, 3, 127, 127) * 255; x = torch.rand(batch, 3, 255, 255) * 255
box = torch.tensor([[40.0, 40.0, 87.0, 87.0]]).repeat(batch, 1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cls, ltrb = net(z, x, box); (cls.mean() + ltrb.mean()).backward()
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "step_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    print(f"machine: {machine()}; torch threads 2")
    with tempfile.TemporaryDirectory() as tmp:
        recipe = Path(tmp) / "r.yaml"
        recipe.write_text("{}\n")
        cmd = [sys.executable, "-m", "seattrack", "search", str(recipe), "model.name=seat_lite", "threads=2",
               f"data.samples_per_epoch={args.samples}", f"data.batch_size={args.batch_size}", "epochs=2",
               "search.warmup_epochs=1", "optim.unfreeze_epoch=99", f"search.space={SPACE}", f"out_dir={tmp}/run",
               f"search.cost_cache={tmp}/costs"]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        total = time.perf_counter() - start
        log = json.loads((Path(tmp) / "run" / "search_log.json").read_text())
    arch_pairs = max(args.samples // 10, args.batch_size)
    print(f"search, seat_lite 127/255, space {SPACE}: 2 epochs (1 warm-up + 1 search: {args.samples} weight pairs + "
          f"{arch_pairs} arch pairs) in {total:.1f} s including start-up and the MACs table; "
          f"about {total / 2:.1f} s per epoch of {args.samples} pairs")
    print(f"derived after 1 search epoch: {log[-1]['arch']} ({log[-1]['macs'] / 1e9:.3f} GMACs)")
    for kind in ("supernet", "derived"):
        out = subprocess.run([sys.executable, "-c", PEAK, kind, str(args.batch_size)], check=True, capture_output=True,
                             text=True).stdout
        peak = json.loads(out.strip().splitlines()[-1])
        print(f"{kind:<9} training step (batch {args.batch_size}): peak RSS {peak['peak_mb']:.0f} MB, "
              f"of which the forward/backward step added {peak['step_mb']:.0f} MB")


if __name__ == "__main__":
    main()
