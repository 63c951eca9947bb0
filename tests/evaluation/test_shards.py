"""Sharded evaluation: a deterministic partition, the shard index from SLURM or Kubernetes, and shards run as
separate processes into one folder giving the same files, to the byte, as one run. The SLURM script and the
Kubernetes Job in docs/cluster are the ones run here (their command, with this test's paths)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from seattrack.errors import SeatError
from seattrack.evaluation.datasets import load_sequences
from seattrack.evaluation.shards import Shard, parse_shard

CLUSTER = Path(__file__).resolve().parents[2] / "docs" / "cluster"


@pytest.mark.parametrize("text,environ,expected", [
    ("2/5", {}, Shard(2, 5)),
    ("auto", {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard(3, 4)),
    ("auto", {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"}, Shard(1, 3)),
    ("auto/3", {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"}, Shard(2, 3)),
    ("auto/4", {"JOB_COMPLETION_INDEX": "1"}, Shard(1, 4)),
])
def test_the_shard_comes_from_the_option_or_the_scheduler(text, environ, expected):
    assert parse_shard(text, environ) == expected


@pytest.mark.parametrize("text,environ,message", [
    ("3/3", {}, "expected 0 <= I < N"),
    ("1-of-3", {}, "expected I/N"),
    ("auto", {}, "neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX"),
    ("auto", {"JOB_COMPLETION_INDEX": "0"}, "pass --shard auto/N"),
    ("auto/2", {"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4"}, "SLURM_ARRAY_TASK_COUNT is 4, not 2"),
    ("auto", {"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "2"}, "not an integer"),
    ("auto/4", {"JOB_COMPLETION_INDEX": "4"}, "expected 0 <= I < N"),
])
def test_a_bad_shard_is_one_line_naming_the_cause(text, environ, message):
    with pytest.raises(SeatError, match=re.escape(message)):
        parse_shard(text, environ)


def test_the_partition_covers_every_sequence_once_and_balances_frames(otb_root):
    sequences = load_sequences("otb", str(otb_root))  # 8, 10, 12, 14 frames
    parts = [Shard(k, 2).select(sequences) for k in range(2)]
    names = [s.name for part in parts for s in part]
    assert sorted(names) == sorted(s.name for s in sequences) and len(set(names)) == len(names)
    assert [sum(len(s) for s in part) for part in parts] == [22, 22]  # 14+8 and 12+10
    assert [s.name for s in Shard(0, 2).select(list(reversed(sequences)))] == [s.name for s in parts[0]]


def _run_all(commands: list[tuple[list[str], dict[str, str]]]) -> list[subprocess.CompletedProcess]:
    """Start every command at once (separate processes, as separate machines would) and wait for all."""
    procs = [subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for cmd, env in commands]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def _box_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.txt")) if not p.name.endswith("_time.txt")}


def _slurm_command() -> list[str]:
    """The `seattrack eval` line of the SLURM script, its ${VAR:-default} words left for bash to expand."""
    text = (CLUSTER / "eval-slurm.sh").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("seattrack eval"))
    return ["bash", "-c", line.replace("seattrack", f"{shlex.quote(sys.executable)} -m seattrack", 1)]


def test_slurm_array_shards_merge_into_the_same_files_as_one_run(otb_root, checkpoint, tmp_path):
    """`sbatch --array=1-2 docs/cluster/eval-slurm.sh`, as two local processes with SLURM's variables."""
    single = subprocess.run([sys.executable, "-m", "seattrack", "eval", "--dataset", "otb", "--root", str(otb_root),
                             "--tracker", str(checkpoint), "--results", str(tmp_path / "one")],
                            capture_output=True, text=True)
    assert single.returncode == 0, single.stderr[-2000:]
    env = {"DATASET": "otb", "DATA_ROOT": str(otb_root), "MODEL": str(checkpoint), "RESULTS": str(tmp_path / "sh"),
           "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "2"}
    runs = _run_all([(_slurm_command(), {**env, "SLURM_ARRAY_TASK_ID": str(k)}) for k in (1, 2)])
    assert all(r.returncode == 0 for r in runs), [r.stderr[-1500:] for r in runs]
    assert sorted(r.stdout.split(":")[0] for r in runs) == ["shard 0/2", "shard 1/2"]
    assert any("AUC" in r.stdout for r in runs)  # whichever shard finished last printed the report
    merged, alone = tmp_path / "sh" / checkpoint.stem / "otb", tmp_path / "one" / checkpoint.stem / "otb"
    assert _box_files(merged) == _box_files(alone) and len(_box_files(alone)) == 4
    report = subprocess.run([sys.executable, "-m", "seattrack", "report", str(merged), "--dataset", "otb", "--root",
                             str(otb_root), "--out", str(tmp_path / "rep")], capture_output=True, text=True)
    assert report.returncode == 0, report.stderr[-1500:]


def test_the_kubernetes_indexed_job_runs_as_written(otb_root, checkpoint, tmp_path):
    """docs/cluster/eval-k8s-job.yaml's container command, one local process per completion index."""
    job = yaml.safe_load((CLUSTER / "eval-k8s-job.yaml").read_text())
    assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed"
    completions = job["spec"]["completions"]
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[command.index("--shard") + 1] == f"auto/{completions}"
    local = {"lasot": "otb", "/data/LaSOT": str(otb_root), "seat_lite": str(checkpoint),
             "/results": str(tmp_path / "k8s")}
    argv = [sys.executable, "-m", "seattrack", *(local.get(word, word) for word in command[1:])]
    runs = _run_all([(argv, {"JOB_COMPLETION_INDEX": str(k)}) for k in range(completions)])
    assert all(r.returncode == 0 for r in runs), [r.stderr[-1500:] for r in runs]
    assert len(_box_files(tmp_path / "k8s" / checkpoint.stem / "otb")) == len(load_sequences("otb", str(otb_root)))


@pytest.mark.parametrize("device,message", [("tpu", "'tpu': expected cpu, cuda or cuda:K"),
                                            ("cuda:x", "expected cpu, cuda or cuda:K")])
def test_a_bad_device_is_refused_by_the_parser(otb_root, tmp_path, capsys, device, message):
    from seattrack.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["eval", "--dataset", "otb", "--root", str(otb_root), "--results", str(tmp_path), "--device", device])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_one_line_before_any_work(otb_root, checkpoint, tmp_path, capsys):
    from seattrack.cli import main

    assert main(["eval", "--dataset", "otb", "--root", str(otb_root), "--tracker", str(checkpoint), "--results",
                 str(tmp_path / "r"), "--device", "cuda"]) == 2
    assert capsys.readouterr().err.strip() == ("seattrack eval: error: --device cuda: CUDA is not available on this "
                                               "machine")
    assert not (tmp_path / "r").exists()
