"""Training logs on rank 0: a CSV and TensorBoard event files beside the checkpoints."""

from __future__ import annotations

import csv
from pathlib import Path

from ..fileio import write_text_atomic

FIELDS = ["epoch", "step", "global_step", "lr", "loss", "cls", "reg", "iou", "pairs_per_s", "skipped", "bad_data"]


class RunLogger:
    """Appends rows to `metrics.csv` and scalars to TensorBoard; on resume, rows past the checkpoint are dropped."""

    def __init__(self, out_dir: Path, resume_step: int = 0, enabled: bool = True):
        self.enabled = enabled
        self.csv_path = out_dir / "metrics.csv"
        self.writer = None
        if not enabled:
            return
        self._truncate(resume_step)
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(out_dir / "tb"), purge_step=resume_step + 1 if resume_step else None)

    def _truncate(self, resume_step: int) -> None:
        rows = []
        if self.csv_path.is_file():
            with open(self.csv_path, newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if int(r["global_step"]) <= resume_step]
        lines = [",".join(FIELDS)] + [",".join(str(r.get(k, "")) for k in FIELDS) for r in rows]
        write_text_atomic(self.csv_path, "\n".join(lines) + "\n")

    def log(self, row: dict, prefix: str = "train") -> None:
        if not self.enabled:
            return
        with open(self.csv_path, "a", newline="") as handle:
            csv.DictWriter(handle, FIELDS, extrasaction="ignore").writerow(row)
        for key in ("lr", "loss", "cls", "reg", "iou", "pairs_per_s", "bad_data"):
            if key in row:
                self.writer.add_scalar(f"{prefix}/{key}", row[key], row["global_step"])

    def scalar(self, tag: str, value: float, step: int) -> None:
        if self.writer is not None:
            self.writer.add_scalar(tag, value, step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
