"""Typed configuration dataclasses that reject unknown keys and survive a JSON round trip.

A field may itself be such a dataclass (e.g. an objective's options inside a training configuration): it is
written as a nested dictionary and read back through :func:`config_from_dict`, with the same checks."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

__all__ = ["ConfigError", "config_from_dict", "config_to_dict", "check_field_types"]

ConfigT = TypeVar("ConfigT")


class ConfigError(ValueError):
    """A configuration key that does not exist, or a value of the wrong type."""


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    """JSON gives lists for tuples and ints for floats; convert those, reject other type mismatches."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _coerce(name, value, option)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError("; ".join(errors))
    if dataclasses.is_dataclass(annotation):
        if isinstance(value, annotation):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"{name}={value!r} must be a mapping of {annotation.__name__} fields")
        try:
            return config_from_dict(annotation, value)
        except ConfigError as error:
            raise ConfigError(f"{name}: {error}") from None
    if origin is typing.Literal:
        if value not in typing.get_args(annotation):
            raise ConfigError(f"{name}={value!r}; choose one of {list(typing.get_args(annotation))}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{name}={value!r} must be a list or tuple, e.g. {name}=[...]")
        arguments = typing.get_args(annotation)
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            items = [(f"{name}[{i}]", item, arguments[0]) for i, item in enumerate(value)]
        elif len(arguments) != len(value):
            raise ConfigError(f"{name}={value!r} must have {len(arguments)} items")
        else:
            items = [(f"{name}[{i}]", item, kind) for i, (item, kind) in enumerate(zip(value, arguments))]
        return tuple(_coerce(label, item, kind) for label, item, kind in items)
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    simple = {int: int, float: float, str: str, bool: bool}.get(annotation)
    if simple is not None and (not isinstance(value, simple) or (simple is int and isinstance(value, bool))):
        raise ConfigError(f"{name}={value!r} has type {type(value).__name__}; expected {simple.__name__}")
    return value


def config_from_dict(cls: type[ConfigT], values: dict[str, Any]) -> ConfigT:
    """Build the dataclass ``cls`` from ``values``; unknown keys and wrongly typed values raise :class:`ConfigError`."""
    known = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} keys {unknown}; known: {sorted(known)}")
    hints = typing.get_type_hints(cls)
    return cls(**{name: _coerce(name, value, hints[name]) for name, value in values.items()})


def check_field_types(config: Any) -> None:
    """Raise :class:`ConfigError` unless every field of the dataclass instance ``config`` has its annotated type (what
    :func:`config_from_dict` checks), for an instance built directly; call it from ``__post_init__``."""
    hints = typing.get_type_hints(type(config))
    for field in dataclasses.fields(config):
        _coerce(field.name, getattr(config, field.name), hints[field.name])


def config_to_dict(config: Any) -> dict[str, Any]:
    """The dataclass as a plain JSON-compatible dictionary (tuples become lists)."""
    return {name: list(value) if isinstance(value, tuple) else value for name, value in dataclasses.asdict(config).items()}
