"""Typed configs: dataclasses <-> YAML/dicts, with dotted command-line overrides (`train.lr=0.01`)."""

from __future__ import annotations

import dataclasses
import re
import reprlib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import SeatError

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """Recursively turn dataclasses (and tuples) into plain YAML/JSON-friendly values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


_EXPONENT_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def _yaml_number(value: Any) -> Any:
    """`1e-4` as a float: YAML 1.1 (PyYAML) reads exponents without a decimal point as strings."""
    if isinstance(value, str) and _EXPONENT_NUMBER.match(value.strip()):
        return float(value)
    return value


def _coerce(tp: Any, value: Any, where: str) -> Any:
    """`value` checked against type `tp`; a bad one is shown shortened (reprlib), so that a huge value read from a
    file still makes a short one-line error."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, where)
            except SeatError as exc:
                errors.append(str(exc))
        raise SeatError(errors[0] if errors else f"{where}: bad value {reprlib.repr(value)}")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise SeatError(f"{where}: expected a mapping, got {reprlib.repr(value)}")
        return from_dict(tp, value, where)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise SeatError(f"{where}: expected a list, got {reprlib.repr(value)}")
        inner = args[0] if args else Any
        items = [_coerce(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise SeatError(f"{where}: expected a mapping, got {reprlib.repr(value)}")
        vt = args[1] if len(args) == 2 else Any
        return {k: _coerce(vt, v, f"{where}.{k}") for k, v in value.items()}
    if tp in (float, int):
        value = _yaml_number(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SeatError(f"{where}: expected a number, got {reprlib.repr(value)}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise SeatError(f"{where}: expected an integer, got {reprlib.repr(value)}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise SeatError(f"{where}: expected true/false, got {reprlib.repr(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise SeatError(f"{where}: expected a string, got {reprlib.repr(value)}")
        return value
    return value


def from_dict(cls: type[T], data: dict, where: str = "config") -> T:
    """Build dataclass `cls` from a mapping, type-checking every field; unknown keys are an error."""
    if not isinstance(data, dict):
        raise SeatError(f"{where}: expected a mapping of {cls.__name__} settings, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise SeatError(f"{where}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(names))}")
    kwargs = {k: _coerce(hints[k], v, f"{where}.{k}") for k, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise SeatError(f"{where}: {exc}") from None


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping, with a clear error for a missing or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise SeatError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise SeatError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise SeatError(f"{path}: expected a mapping at the top level")
    return data


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply `a.b.c=value` overrides (values parsed as YAML) to a nested mapping, returning a new one."""
    import copy

    data = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise SeatError(f"override {item!r}: expected key=value, e.g. train.lr=0.01")
        key, raw = item.split("=", 1)
        node = data
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SeatError(f"override {item!r}: {part} is not a section")
        node[parts[-1]] = yaml.safe_load(raw)
    return data


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] | None = None) -> T:
    """Load `cls` from an optional YAML file (none when `path` is None or empty) plus dotted overrides; the one
    loader of every command's config (train, search)."""
    data = load_yaml(path) if path else {}
    data = apply_overrides(data, overrides or [])
    return from_dict(cls, data, where=str(path) if path else "config")


def dump_yaml(obj: Any) -> str:
    """Serialise a dataclass (or plain data) as YAML."""
    return yaml.safe_dump(to_dict(obj), sort_keys=False)
