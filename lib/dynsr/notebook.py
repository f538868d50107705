"""Strict notebook parameters: a typed dataclass per notebook, unknown names are errors.

papermill injects ``-p name value`` as assignments in a cell after the ``parameters`` cell and only
*warns* when ``name`` is not a parameter, so a typo silently runs the default. Each dynsr notebook
instead declares its parameters as a frozen dataclass in the library and calls
:func:`notebook_params` right after the ``parameters`` cell. It reads the source of every cell
run just before the calling cell that consist of literal assignments only (IPython's ``In``
history: the ``parameters`` cell and papermill's injected cell, or a re-run of them in JupyterLab),
collects the names they assign, and builds the dataclass from them, raising
:class:`~dynsr.profiles.ParameterError` on an unknown name or a value of the wrong type.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Any, TypeVar, get_type_hints

from dynsr.profiles import ParameterError, get_profile

__all__ = ["notebook_params", "assigned_names", "parameter_cells"]

ParamsT = TypeVar("ParamsT")


def _is_parameter_cell(source: str) -> bool:
    """A cell of plain literal assignments (what a ``parameters`` cell and papermill's injected cell hold)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            return False
        try:
            ast.literal_eval(node.value)
        except ValueError:
            return False
    return bool(tree.body)


def parameter_cells(history: list[str]) -> list[str]:
    """The consecutive parameter-only cells run just before the current one (``history[-1]``)."""
    cells: list[str] = []
    for source in reversed(history[:-1]):
        if not _is_parameter_cell(source):
            break
        cells.insert(0, source)
    return cells


def assigned_names(sources: list[str]) -> list[str]:
    """Names assigned at the top level of the given cell sources, in order of first assignment."""
    names: list[str] = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # IPython magics; parameter cells are plain assignments
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in names:
                    names.append(target.id)
    return names


def _check_type(name: str, value: Any, annotation: Any) -> None:
    allowed = {float: (int, float), int: (int,), str: (str,), bool: (bool,)}.get(annotation)
    if allowed is None:
        return
    if isinstance(value, bool) and annotation is not bool or not isinstance(value, allowed):
        raise ParameterError(f"parameter {name}={value!r} has type {type(value).__name__}; expected {annotation.__name__}")


def notebook_params(namespace: dict[str, Any], params_class: type[ParamsT]) -> ParamsT:
    """Build ``params_class`` from the parameters assigned in the notebook so far.

    Args:
        namespace: the notebook's ``globals()``.
        params_class: a dataclass whose fields are the notebook's parameters, with defaults.
    """
    field_names = [f.name for f in dataclasses.fields(params_class)]
    history = namespace.get("In")
    # In[-1] is the cell running now (the one calling this function); the parameter-only cells just
    # before it are the parameters cell and papermill's injected cell (in JupyterLab, a re-run).
    names = assigned_names(parameter_cells(list(history))) if history else [name for name in field_names if name in namespace]
    unknown = [name for name in names if name not in field_names]
    if unknown:
        raise ParameterError(f"unknown parameter(s) {unknown}; this notebook takes {field_names}")
    hints = get_type_hints(params_class)
    values = {}
    for name in names:
        _check_type(name, namespace[name], hints[name])
        values[name] = namespace[name]
    params = params_class(**values)
    if hasattr(params, "profile"):
        get_profile(params.profile)
    return params
