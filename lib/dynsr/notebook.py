"""Strict notebook parameters: a typed dataclass per notebook, unknown names are errors.

papermill injects ``-p name value`` as assignments in a cell after the ``parameters`` cell and only
*warns* when ``name`` is not a parameter, so a typo silently runs the default. Each dynsr notebook
instead declares its parameters as a frozen dataclass in the library and calls
:func:`notebook_params` right after the ``parameters`` cell. It reads the source of every cell
run just before the calling cell that consist of literal assignments only (IPython's ``In``
history: the ``parameters`` cell and papermill's injected cell, or a re-run of them in JupyterLab),
collects the names they assign, and builds the dataclass from them, raising
:class:`~dynsr.profiles.ParameterError` on an unknown name, a value of the wrong type (the elements of a
list too: ``widths: tuple[float, ...]`` takes a list of numbers, not the text ``"[-1.0]"`` that
papermill's ``-p`` passes) or a number out of range (negative, infinite or NaN; a noise level above 255).
"""

from __future__ import annotations

import ast
import dataclasses
import math
from typing import Any, TypeVar, get_origin, get_type_hints

from dynsr.config import ConfigError, config_from_dict
from dynsr.profiles import ParameterError, get_profile

__all__ = ["notebook_params", "assigned_names", "parameter_cells"]

ParamsT = TypeVar("ParamsT")


def _is_parameter_cell(source: str) -> bool:
    """A cell of plain literal assignments (what a ``parameters`` cell and papermill's injected cell hold)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return bool(tree.body) and all(isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _is_literal(node.value)
                                   for node in tree.body)


def _is_literal(node: ast.expr) -> bool:
    """A literal, or papermill's spelling of a non-finite float (``float('nan')``, ``float('-inf')``), also inside lists,
    so that such values are checked (and refused) rather than taken for code."""
    if isinstance(node, ast.Call):
        return (isinstance(node.func, ast.Name) and node.func.id == "float" and not node.keywords and len(node.args) == 1
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_is_literal(element) for element in node.elts)
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


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


def _checked_values(values: dict[str, Any], params_class: type[ParamsT]) -> ParamsT:
    """``params_class(**values)`` with every value type-checked (list elements too; lists become tuples) and in range."""
    hints = get_type_hints(params_class)
    try:
        params = config_from_dict(params_class, values)
    except ConfigError as error:
        texts = [name for name, value in values.items() if isinstance(value, str) and get_origin(hints[name]) is tuple]
        hint = f" (papermill's -p passes text; give a list as YAML: -y '{texts[0]}: [...]')" if texts else ""
        raise ParameterError(f"parameter {error}{hint}") from None
    for name in values:
        _check_range(name, getattr(params, name))
    return params


def _check_range(name: str, value: Any) -> None:
    """Every number of a parameter (list elements too) is finite and >= 0; noise levels (``*noise``, ``*noises``) are at most 255.

    No notebook parameter is negative: widths, noise levels, angles (0-180 degrees), seeds, scales, counts.
    """
    if isinstance(value, tuple):
        for index, item in enumerate(value):
            _check_range(f"{name}[{index}]", item)
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    noise = name.partition("[")[0].endswith(("noise", "noises"))
    if not (math.isfinite(value) and 0 <= value <= (255 if noise else math.inf)):
        bounds = "from 0 to 255 (noise levels are on the 0-255 scale)" if noise else "finite and >= 0"
        raise ParameterError(f"parameter {name}={value!r} must be {bounds}")


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
    params = _checked_values({name: namespace[name] for name in names}, params_class)
    if hasattr(params, "profile"):
        get_profile(params.profile)
    return params
