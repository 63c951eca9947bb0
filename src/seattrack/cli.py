"""`seattrack` command line: one sub-command per job; bad input ends with a one-line error and exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .errors import SeatError

Handler = Callable[[argparse.Namespace], int | None]
Setup = Callable[[argparse.ArgumentParser], Handler]
_COMMANDS: dict[str, tuple[Setup, str]] = {}


def count(low: int = 1) -> Callable[[str], int]:
    """An argparse type for a whole number >= `low` (threads, workers, trials...): argparse reports a bad value on
    one line with exit code 2, before any work."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value}: expected {low} or more")
        return value

    parse.__name__ = "count"  # argparse names the type in its message
    return parse


def model_argument(p: argparse.ArgumentParser, help: str) -> Callable[[argparse.Namespace], str]:
    """A required model, given as the command's first positional argument or as `--model MODEL` (the option name
    every command shares); returns the function that reads it from the parsed arguments (a usage error, exit
    code 2, when neither was given)."""
    p.add_argument("model", nargs="?", default=argparse.SUPPRESS, help=help)
    p.add_argument("--model", dest="model", default=argparse.SUPPRESS, metavar="MODEL", help="the same, as an option")

    def read(args: argparse.Namespace) -> str:
        if "model" not in args:
            p.error("the model is required: MODEL or --model MODEL")
        return args.model

    return read


def recipe_arguments(p: argparse.ArgumentParser, config_help: str, example: str, resume_help: str | None = None
                     ) -> None:
    """The arguments of a command driven by a recipe YAML (train, search, validate-cost): the file, dotted
    overrides and, for runs that continue, `--resume`."""
    p.add_argument("config", help=config_help)
    p.add_argument("overrides", nargs="*", help=f"dotted overrides, e.g. {example}")
    if resume_help:
        p.add_argument("--resume", action="store_true", help=resume_help)


def command(name: str, help: str) -> Callable[[Setup], Setup]:
    """Register a sub-command: the decorated function adds its arguments and returns the handler to run."""

    def register(setup: Setup) -> Setup:
        _COMMANDS[name] = (setup, help)
        return setup

    return register


@command("info", "params and MACs per part of a model (fvcore count)")
def _info(p: argparse.ArgumentParser) -> Handler:
    model = model_argument(p, "model name (see `seattrack models`) or checkpoint file")
    p.add_argument("--arch", help="Arch JSON file replacing the default RFM")

    def run(args: argparse.Namespace) -> None:
        from .models.complexity import model_cost
        from .models.resolve import resolve_model

        net = resolve_model(model(args), arch=args.arch, pretrained_backbone=False)
        cfg = net.config
        print(f"{cfg.name}: backbone {cfg.backbone} (stride {net.stride}), fusion {cfg.fusion}, "
              f"template {cfg.template_size}, search {cfg.search_size}, map {net.geometry().size}x"
              f"{net.geometry().size}")
        print(f"RFM: {cfg.arch.describe()}; head {cfg.arch.last_dim} ch x {cfg.head_towers} towers")
        print(model_cost(net).table())
        print("MACs = multiply-accumulates of conv/linear/matmul counted by fvcore (1 MAC = 2 FLOPs).")

    return run


@command("models", "list the registered model names")
def _models(p: argparse.ArgumentParser) -> Handler:
    def run(args: argparse.Namespace) -> None:
        from .models import list_models
        from .models.checkpoint import shipped_weights_path

        for name in list_models():
            print(f"{name}{'  (trained weights shipped)' if shipped_weights_path(name) else ''}")

    return run


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="seattrack", description="SEAT visual tracker")
    parser.add_argument("--version", action="version", version=f"seattrack {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (setup, help_text) in _COMMANDS.items():
        parser_ = sub.add_parser(name, help=help_text, description=help_text)
        parser_.set_defaults(_handler=setup(parser_))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `seattrack` console script."""
    _load_commands()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._handler(args) or 0)
    except SeatError as exc:
        print(f"seattrack {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a read-only folder, a full disk, a folder where a file goes: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"seattrack {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"seattrack {args.command}: interrupted", file=sys.stderr)
        return 130


def _load_commands() -> None:
    """Import the modules that register further sub-commands."""
    import importlib

    for module in ("track.cli", "data.cli", "train.cli", "nas.cli", "evaluation.cli", "export.cli", "web.cli", "demo"):
        try:
            importlib.import_module(f"{__package__}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__package__}.{module.split('.')[0]}"):
                continue  # that part of the package is not present
            raise


if __name__ == "__main__":  # run as `python -m seattrack.cli`: use the package module's command table
    from seattrack.cli import main as package_main

    sys.exit(package_main())
