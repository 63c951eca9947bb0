"""Does the searched MLP neck beat hand-made necks at equal cost? The paper's claim, in miniature, end to end.

Pre-registered in the README ("The NAS claim, in miniature"). At one cost point T, the hand-set `seat_lite` network's
ONNX Runtime latency (1 thread, by the search's per-op table), it compares:

- **S**: the neck searched in target mode at T (`configs/nas_claim/search.yaml`, one search per `--search-seeds`);
  the first seed's Arch is retrained with every `--seeds`; another seed's, when different, once (S');
- **D**: the hand-set default neck; **R0**: the target-mode derivation from the supernet's initial alpha/beta;
- **R1..R4**: random architectures of the search space whose table cost is within +-10 % of T;
- **X** / **A**: depth-wise cross-correlation / cross-attention fusion, each with the Wave-MLP stack whose measured
  whole-network latency is closest to D's.

Each is trained from scratch with one shared short recipe (`configs/nas_claim/train.yaml`), tracked over the
validation suite (48 clips; pysot success AUC and P@20; the shipped `seat_lite` tracking hypers for all), and timed
(whole search branch, ONNX Runtime, 1 thread, `--latency-rounds` interleaved rounds, median) with nothing else
running. Every stage writes its result under `--out` and is skipped when rerun: an interrupted run resumes.

    python benchmarks/nas_claim.py                    # everything: about 2 h 30 min on a 2-core CPU
    python benchmarks/nas_claim.py --report-only      # the table and plots from what has finished
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau

from common import machine, validation_suite
from compare_opencv import SeatRunner, run
from seattrack.evaluation.ope import evaluate_ope
from seattrack.fileio import write_json_atomic
from seattrack.loading import load_tracker
from seattrack.models.arch import Arch, ArchBlock
from seattrack.models.complexity import model_cost
from seattrack.models.registry import model_config
from seattrack.models.seat import ModelConfig, SeatNet
from seattrack.nas.cost import CostModel, build_cost_table
from seattrack.nas.derive import derive_for_target
from seattrack.nas.diagnostics import normalised_entropy
from seattrack.nas.search import load_search_config
from seattrack.nas.space import SearchSpace
from seattrack.nas.supernet import Supernet
from seattrack.nas.validate import measure_network, random_arch

SEARCH_RECIPE = "configs/nas_claim/search.yaml"
TRAIN_RECIPE = "configs/nas_claim/train.yaml"
TOLERANCE = 0.1
WAVEMLP_OP = "wavemlp_k5_t4_dw"
METRIC = "latency_ort"


def seattrack(*args: str) -> None:
    """Run a `seattrack` command in a child process; its failure stops the experiment."""
    subprocess.run([sys.executable, "-m", "seattrack", *args], check=True)


def cached(path: Path, make):
    """`path`'s JSON when a previous run wrote it, else `make()`'s value written there (atomically)."""
    if path.is_file():
        return json.loads(path.read_text())
    value = make()
    write_json_atomic(path, value)
    return value


# ----------------------------------------------------------------------------------------------------- costs
def cost_setup() -> tuple[ModelConfig, SearchSpace, CostModel]:
    config = model_config("seat_lite")
    space = load_search_config(SEARCH_RECIPE, []).search.space
    table = build_cost_table(config, space, METRIC, "cpu", 1)
    return config, space, CostModel(table, space, config.fusion_dim, config.arch.last_dim)


# ---------------------------------------------------------------------------------------------------- search
def run_searches(out: Path, seeds: list[int], target: float) -> None:
    """One target-mode search per seed, two at a time (1 thread each), resumed where a previous run stopped."""
    procs = []
    for seed in seeds:
        folder = out / f"search_seed{seed}"
        if (folder / "arch.json").is_file():
            continue
        args = [SEARCH_RECIPE, f"seed={seed}", "threads=1", f"search.target={target}", f"out_dir={folder}"]
        if (folder / "checkpoint.pt").is_file():
            args.append("--resume")
        log = open(out / f"search_seed{seed}.log", "a")  # noqa: SIM115 -- closed when the child ends
        procs.append((subprocess.Popen([sys.executable, "-m", "seattrack", "search", *args], stdout=log,
                                       stderr=subprocess.STDOUT), log))
        if len(procs) == 2:
            for p, f in procs:
                _wait(p, f)
            procs = []
    for p, f in procs:
        _wait(p, f)


def _wait(proc: subprocess.Popen, log) -> None:
    code = proc.wait()
    log.close()
    if code:
        raise SystemExit(f"search failed (exit {code}): see {log.name}")


# ------------------------------------------------------------------------------------------------ candidates
def size_wavemlp_stack(config: ModelConfig, fusion: str, target_ms: float) -> tuple[Arch, float]:
    """The Wave-MLP stack (one block, width x depth) whose whole network with `fusion` measures closest to
    `target_ms` (ORT, 1 thread)."""
    best = None
    for width in (32, 48, 64, 96, 128):
        for depth in (1, 2, 3):
            arch = Arch([ArchBlock(width, WAVEMLP_OP, [WAVEMLP_OP] * (depth - 1))], config.arch.last_dim)
            ms = measure_network(dataclasses.replace(config, fusion=fusion), arch, METRIC, "cpu", 1, 30)
            if best is None or abs(ms - target_ms) < abs(best[1] - target_ms):
                best = (arch, ms)
    return best


def make_candidates(out: Path, search_seeds: list[int], config: ModelConfig, space: SearchSpace,
                    cost_model: CostModel, target: float, randoms: int) -> dict[str, dict]:
    """id -> {arch (dict), fusion, kind}: every network of the experiment."""
    default = config.arch
    searched = [Arch.load(out / f"search_seed{s}" / "arch.json") for s in search_seeds]
    candidates = {"D": {"arch": default.to_dict(), "fusion": "cfm", "kind": "hand-set default"},
                  "S": {"arch": searched[0].to_dict(), "fusion": "cfm", "kind": f"searched (seed {search_seeds[0]})"}}
    for seed, arch in zip(search_seeds[1:], searched[1:]):
        if arch.to_dict() != searched[0].to_dict():
            candidates[f"S'{seed}"] = {"arch": arch.to_dict(), "fusion": "cfm", "kind": f"searched (seed {seed})"}
    initial = Supernet(space, config.fusion_dim, config.arch.last_dim, seed=search_seeds[0])
    r0, how = derive_for_target(initial, cost_model, target, "network")
    candidates["R0"] = {"arch": r0.to_dict(), "fusion": "cfm", "kind": f"initial alpha/beta ({how})"}
    rng = np.random.default_rng(2026)
    seen = [c["arch"] for c in candidates.values()]
    for k in range(1, randoms + 1):
        for _ in range(100_000):
            arch = random_arch(space, config.fusion_dim, config.arch.last_dim, rng)
            if abs(cost_model.arch_cost(arch) / target - 1) <= TOLERANCE and arch.to_dict() not in seen:
                break
        else:
            raise SystemExit(f"no random architecture within {TOLERANCE:.0%} of {target:.3f} ms")
        seen.append(arch.to_dict())
        candidates[f"R{k}"] = {"arch": arch.to_dict(), "fusion": "cfm", "kind": "random at T"}
    default_ms = measure_network(config, default, METRIC, "cpu", 1, 30)
    for key, fusion in (("X", "xcorr"), ("A", "xattn")):
        arch, ms = size_wavemlp_stack(config, fusion, default_ms)
        candidates[key] = {"arch": arch.to_dict(), "fusion": fusion,
                           "kind": f"{fusion} + Wave-MLP stack sized to D ({ms:.2f} vs {default_ms:.2f} ms)"}
    return candidates


def training_plan(candidates: dict[str, dict], seeds: list[int]) -> list[tuple[str, int]]:
    """(id, seed) runs, ordered so that a run stopped early still holds one of each kind first."""
    counts = {"S": len(seeds), "D": len(seeds), "X": min(2, len(seeds)), "A": min(2, len(seeds))}
    plan = []
    for round_ in range(len(seeds)):
        plan += [(key, seeds[round_]) for key in candidates if round_ < counts.get(key, 1)]
    return plan


# -------------------------------------------------------------------------------------------- train, evaluate
def train(out: Path, key: str, candidate: dict, seed: int) -> Path:
    folder = out / "train" / f"{key}_seed{seed}"
    if (folder / "model.pt").is_file():
        return folder / "model.pt"
    arch_file = out / "archs" / f"{key}.json"
    arch_file.parent.mkdir(parents=True, exist_ok=True)
    Arch.from_dict(candidate["arch"]).save(arch_file)
    args = ["train", TRAIN_RECIPE, f"model.arch={arch_file}", f"model.options.fusion={candidate['fusion']}",
            f"seed={seed}", f"out_dir={folder}"]
    if (folder / "checkpoint.pt").is_file():
        args.append("--resume")
    seattrack(*args)
    return folder / "model.pt"


def evaluate(model: Path, suite: dict[str, list]) -> dict:
    """Per-sequence success AUC and P@20 (pysot) over the validation suite, the shipped seat_lite hypers."""
    sequences = [seq for family in suite.values() for seq in family]
    boxes, _, _ = run(SeatRunner(load_tracker(str(model), "seat_lite", threads=1)), sequences)
    result = evaluate_ope(boxes, sequences, "pysot", dataset="folder")
    family = {seq.name: name for name, family_seqs in suite.items() for seq in family_seqs}
    return {"sequences": result.names, "family": [family[n] for n in result.names],
            "auc": result.success.mean(axis=1).tolist(), "p20": result.precision[:, 20].tolist()}


# ---------------------------------------------------------------------------------------------------- latency
def measure_latencies(candidates: dict[str, dict], config: ModelConfig, rounds: int) -> dict[str, dict]:
    """Median whole-network ORT ms (1 thread) over `rounds` interleaved rounds, plus params and MACs."""
    times: dict[str, list[float]] = {key: [] for key in candidates}
    configs = {key: dataclasses.replace(config, fusion=c["fusion"]) for key, c in candidates.items()}
    for _ in range(rounds):
        for key, c in candidates.items():
            times[key].append(measure_network(configs[key], Arch.from_dict(c["arch"]), METRIC, "cpu", 1, 50))
    rows = {}
    for key, c in candidates.items():
        cost = model_cost(SeatNet(dataclasses.replace(configs[key], arch=Arch.from_dict(c["arch"])),
                                  pretrained_backbone=False))
        rows[key] = {"ms": float(np.median(times[key])), "ms_rounds": times[key], "params": cost.params,
                     "macs": cost.frame_macs}
    return rows


# ----------------------------------------------------------------------------------------------------- report
def bootstrap_ci(diff: np.ndarray, n: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of the mean of per-sequence paired differences, resampling sequences."""
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n, len(diff)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def centred_alphas(history_entry: dict) -> np.ndarray:
    """Every layer's alpha logits minus their mean (softmax ignores a common shift), concatenated in layer order."""
    return np.concatenate([np.asarray(v) - np.mean(v) for _, v in sorted(history_entry["alphas"].items())])


def search_diagnostics(out: Path, seeds: list[int], space: SearchSpace) -> dict:
    per_seed = {}
    for seed in seeds:
        folder = out / f"search_seed{seed}"
        derivation = json.loads((folder / "derivation.json").read_text())
        history = json.loads((folder / "arch_history.json").read_text())
        log = json.loads((folder / "search_log.json").read_text())
        last = history[-1]
        per_seed[seed] = {
            "arch": derivation["arch"], "derivation": derivation["derivation"],
            "widths": [b["width"] for b in derivation["arch_json"]["blocks"]],
            "alpha_entropy_mean": derivation["diagnostics"]["alpha"]["entropy"],
            "beta_entropy_mean": derivation["diagnostics"]["beta"]["entropy"],
            "searched": derivation["diagnostics"]["searched"],
            "alpha_moved": derivation["diagnostics"]["alpha"]["movement"],
            "beta_moved": derivation["diagnostics"]["beta"]["movement"],
            "alpha_entropy": {k: normalised_entropy(torch.tensor(v), space.temperature)
                              for k, v in sorted(last["alphas"].items())},
            "lambda": [entry["lambda"] for entry in log], "alphas": last["alphas"]}
    taus = []
    for i, a in enumerate(seeds):
        for b in seeds[i + 1:]:
            taus.append(float(kendalltau(centred_alphas(per_seed[a]), centred_alphas(per_seed[b])).statistic))
    mean_entropy = float(np.mean([d["alpha_entropy_mean"] for d in per_seed.values()]))
    same_widths = all(d["widths"] == per_seed[seeds[0]]["widths"] for d in per_seed.values())
    gate = {"mean_alpha_entropy": mean_entropy, "entropy_ok": mean_entropy <= 0.95, "kendall_tau": taus,
            "tau_ok": bool(taus) and min(taus) >= 0.2, "same_width_path": same_widths}
    gate["passed"] = gate["entropy_ok"] and gate["tau_ok"] and same_widths
    return {"seeds": per_seed, "gate": gate}


def search_table(diagnostics: dict) -> str:
    """Per search seed: derived Arch, gate figures, lambda per epoch; then alpha's normalised entropy per layer."""
    seeds = diagnostics["seeds"]
    gate = diagnostics["gate"]
    rows = [f"search gate: mean normalised alpha entropy {gate['mean_alpha_entropy']:.3f} (<= 0.95: "
            f"{'yes' if gate['entropy_ok'] else 'no'}), cross-seed Kendall tau of alpha "
            f"{', '.join(f'{t:.3f}' for t in gate['kendall_tau'])} (>= 0.2: {'yes' if gate['tau_ok'] else 'no'}), "
            f"same width path: {'yes' if gate['same_width_path'] else 'no'} -> gate "
            f"{'passed' if gate['passed'] else 'failed'}", "",
            "| search seed | derived Arch (derivation) | alpha / beta moved (logits) | entropy alpha / beta | "
            "lambda per epoch |", "|---|---|---|---|---|"]
    for seed, d in seeds.items():
        rows.append(f"| {seed} | `{d['arch']}` ({d['derivation']}) | {d['alpha_moved']:.2f} / {d['beta_moved']:.2f} "
                    f"| {d['alpha_entropy_mean']:.3f} / {d['beta_entropy_mean']:.3f} | "
                    f"{', '.join(f'{v:.2f}' for v in d['lambda'])} |")
    layers = list(next(iter(seeds.values()))["alpha_entropy"])
    rows += ["", "| alpha entropy per layer | " + " | ".join(f"seed {s}" for s in seeds) + " |",
             "|---|" + "---|" * len(seeds)]
    rows += [f"| {name} | " + " | ".join(f"{d['alpha_entropy'][name]:.3f}" for d in seeds.values()) + " |"
             for name in layers]
    return "\n".join(rows)


def verdict(aucs: dict[str, dict[int, np.ndarray]], latency: dict[str, dict]) -> dict:
    """The pre-registered success criteria, each with the numbers behind it."""
    mean = {k: float(np.mean([v.mean() for v in by_seed.values()])) for k, by_seed in aucs.items()}
    per_seq = {k: np.mean(list(by_seed.values()), axis=0) for k, by_seed in aucs.items()}
    seed_sd = float(np.sqrt(np.mean([np.var([v.mean() for v in aucs[k].values()], ddof=1)
                                     for k in ("S", "D") if len(aucs.get(k, {})) > 1] or [np.nan])))
    randoms = [k for k in aucs if k.startswith("R") and k != "R0"]
    random_means = [mean[k] for k in randoms]
    checks: dict[str, dict] = {}
    if "S" in aucs and "D" in aucs:
        seeds = sorted(set(aucs["S"]) & set(aucs["D"]))
        per_seed = [float(aucs["S"][s].mean() - aucs["D"][s].mean()) for s in seeds]
        checks["latency S within 10% of D"] = {"ratio": latency["S"]["ms"] / latency["D"]["ms"],
                                               "ok": abs(latency["S"]["ms"] / latency["D"]["ms"] - 1) <= TOLERANCE}
        checks["dAUC(S-D) >= 0.02, every seed > 0"] = {
            "delta": mean["S"] - mean["D"], "per_seed": per_seed,
            "ci95": bootstrap_ci(per_seq["S"] - per_seq["D"]),
            "ok": mean["S"] - mean["D"] >= 0.02 and all(d > 0 for d in per_seed)}
    if "S" in aucs and random_means:
        threshold = float(np.mean(random_means) + 2 * seed_sd)
        checks["S >= best random and >= mean(random) + 2 sd(seed)"] = {
            "best_random": max(random_means), "mean_random_plus_2sd": threshold,
            "ok": mean["S"] >= max(random_means) and mean["S"] >= threshold}
    for other, margin in (("X", 0.03), ("A", 0.02)):
        if "S" in aucs and other in aucs:
            checks[f"S - {other} >= {margin}"] = {"delta": mean["S"] - mean[other],
                                                  "ci95": bootstrap_ci(per_seq["S"] - per_seq[other]),
                                                  "ok": mean["S"] - mean[other] >= margin}
    random_sd = float(np.std(random_means, ddof=1)) if len(random_means) > 1 else float("nan")
    inconclusive = bool(random_sd <= seed_sd)
    return {"mean_auc": mean, "seed_sd": seed_sd, "random_sd": random_sd, "checks": checks,
            "inconclusive": inconclusive,
            "outcome": ("inconclusive at this scale: random architectures differ no more than seeds do"
                        if inconclusive else
                        "success" if checks and all(c["ok"] for c in checks.values()) else "not supported")}


def write_report(out: Path, candidates: dict, evaluations: dict, latency: dict, predicted: dict, diagnostics: dict,
                 figure: Path) -> dict:
    aucs = {key: {int(seed): np.asarray(r["auc"]) for seed, r in by_seed.items()}
            for key, by_seed in evaluations.items() if by_seed}
    p20 = {key: [np.mean(r["p20"]) for r in by_seed.values()] for key, by_seed in evaluations.items() if by_seed}
    result = verdict(aucs, latency) if "D" in aucs and latency else {}
    clips = len(next(iter(next(iter(aucs.values())).values()))) if aucs else 0
    lines = [f"machine: {machine()}; whole search branch in ONNX Runtime, 1 thread; success AUC and P@20 (pysot) "
             f"over {clips} validation clips; predicted ms: the search's per-op table (CFM networks only)", "",
             "| id | kind | Arch | fusion | params (M) | MACs (G) | measured ms | predicted ms | AUC mean ± SD "
             "| P@20 | seeds |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, c in candidates.items():
        lat, scores = latency.get(key), [v.mean() for v in aucs.get(key, {}).values()]
        cells = [key, c["kind"], f"`{Arch.from_dict(c['arch']).describe()}`", c["fusion"],
                 f"{lat['params'] / 1e6:.3f}" if lat else "—", f"{lat['macs'] / 1e9:.3f}" if lat else "—",
                 f"{lat['ms']:.2f}" if lat else "—", f"{predicted[key]:.2f}" if key in predicted else "—",
                 (f"{np.mean(scores):.3f} ± {np.std(scores, ddof=1):.3f}" if len(scores) > 1 else
                  f"{scores[0]:.3f}" if scores else "—"),
                 f"{np.mean(p20[key]):.3f}" if scores else "—", str(len(scores))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", search_table(diagnostics)]
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    print(table)
    if latency and aucs:
        plot(figure, candidates, aucs, latency)
    summary = {"candidates": candidates, "latency": latency, "predicted": predicted, "verdict": result,
               "diagnostics": {**diagnostics, "seeds": {s: {k: v for k, v in d.items() if k != "alphas"}
                                                        for s, d in diagnostics["seeds"].items()}}}
    write_json_atomic(out / "results.json", summary)
    print(json.dumps({"verdict": result, "gate": diagnostics["gate"]}, indent=1, default=float))
    return summary


def plot(path: Path, candidates: dict, aucs: dict, latency: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"S": "tab:red", "D": "tab:blue", "R": "tab:grey", "X": "tab:green", "A": "tab:purple"}
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for key in candidates:
        if key not in aucs or key not in latency:
            continue
        scores = [v.mean() for v in aucs[key].values()]
        colour = colours.get(key[0], "tab:orange")
        ax.scatter([latency[key]["ms"]] * len(scores), scores, s=14, color=colour, alpha=0.5)
        ax.errorbar(latency[key]["ms"], np.mean(scores), yerr=np.std(scores, ddof=1) if len(scores) > 1 else 0,
                    fmt="o", color=colour, capsize=3)
        ax.annotate(key, (latency[key]["ms"], np.mean(scores)), textcoords="offset points", xytext=(5, 4))
    d = latency["D"]["ms"]
    ax.axvspan(d * (1 - TOLERANCE), d * (1 + TOLERANCE), color="tab:blue", alpha=0.08, label="D ± 10 %")
    ax.set_xlabel("whole search branch, ONNX Runtime, 1 thread (ms)")
    ax.set_ylabel("validation success AUC (pysot)")
    ax.set_title("NAS claim in miniature: S searched, D default, R random, X xcorr, A xattn", fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def plot_alphas(path: Path, diagnostics: dict, space: SearchSpace) -> None:
    """alpha heat map per search seed: softmax(alpha / tau) per mixed layer (rows) over its ops (columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seeds = list(diagnostics["seeds"])
    fig, axes = plt.subplots(1, len(seeds), figsize=(4.2 * len(seeds), 6), dpi=100, squeeze=False)
    for ax, seed in zip(axes[0], seeds):
        alphas = diagnostics["seeds"][seed]["alphas"]
        names = sorted(alphas)
        width = max(len(v) for v in alphas.values())
        grid = np.full((len(names), width), np.nan)
        for row, name in enumerate(names):
            grid[row, : len(alphas[name])] = torch.softmax(torch.tensor(alphas[name]) / space.temperature, 0).numpy()
        image = ax.imshow(grid, aspect="auto", cmap="viridis")
        ax.set_yticks(range(len(names)), names, fontsize=6)
        ax.set_xlabel("op index (12 Wave-MLP ops; PH layers add skip last)", fontsize=7)
        ax.set_title(f"search seed {seed}: softmax(alpha)", fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.05)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/nas_claim")
    parser.add_argument("--search-seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds for S and D")
    parser.add_argument("--randoms", type=int, default=4)
    parser.add_argument("--latency-rounds", type=int, default=3)
    parser.add_argument("--figure", default="docs/nas_claim.png")
    parser.add_argument("--report-only", action="store_true", help="report what has finished; start nothing")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    started = time.time()
    config, space, cost_model = cost_setup()
    target = cost_model.arch_cost(config.arch)
    print(f"T = {target:.3f} ms (table, whole network, the default neck); candidates within ±{TOLERANCE:.0%}")
    if not args.report_only:
        run_searches(out, args.search_seeds, target)
    candidates = cached(out / "candidates.json", lambda: make_candidates(
        out, args.search_seeds, config, space, cost_model, target, args.randoms))
    predicted = {k: cost_model.arch_cost(Arch.from_dict(c["arch"])) for k, c in candidates.items()
                 if c["fusion"] == "cfm"}
    suite = validation_suite(out.parent / "validation")
    evaluations: dict[str, dict[str, dict]] = {key: {} for key in candidates}
    for key, seed in training_plan(candidates, args.seeds):
        path = out / "eval" / f"{key}_seed{seed}.json"
        if not path.is_file() and not args.report_only:
            model = train(out, key, candidates[key], seed)
            cached(path, lambda model=model: evaluate(model, suite))
        if path.is_file():
            evaluations[key][str(seed)] = json.loads(path.read_text())
            print(f"{key} seed {seed}: AUC {np.mean(evaluations[key][str(seed)]['auc']):.3f}", flush=True)
    latency_file = out / "latency.json"
    latency = (json.loads(latency_file.read_text()) if latency_file.is_file() else
               {} if args.report_only else
               cached(latency_file, lambda: measure_latencies(candidates, config, args.latency_rounds)))
    diagnostics = search_diagnostics(out, args.search_seeds, space)
    plot_alphas(Path(args.figure).with_name(Path(args.figure).stem + "_alpha.png"), diagnostics, space)
    write_report(out, candidates, evaluations, latency, predicted, diagnostics, Path(args.figure))
    print(f"elapsed {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
