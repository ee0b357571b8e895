"""The house's plan, checked: packages by role that import only downward.

    errors, standards                      (rank 0: nothing of roomsweep)
    protocol                               wire format, records, calibration law
    link                                   ports, device client, captures, flashing
    network, sim                           radio sightings' analysis; the room simulator
    analysis                               DSP, classifiers, lens finder, findings
    eval, tools, live, analyst             harnesses, hardware tools, live sweep, reports
    cli                                    the command table and the commands

A module may import its own package and packages of a lower rank only. Only
`eval` and `cli` may import both the simulator and the analysis. Imports sit at
the top of a module; a function may import only the optional heavy third-party
modules listed here (and the CLI imports a command's module when it runs, via
importlib, see roomsweep.cli.commands).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "host" / "roomsweep"
RANK = {
    "roomsweep": 0,
    "errors": 0,
    "standards": 0,
    "protocol": 1,
    "link": 2,
    "network": 3,
    "sim": 3,
    "analysis": 4,
    "eval": 5,
    "tools": 5,
    "live": 5,
    "analyst": 5,
    "cli": 6,
    "__main__": 7,
}
MAY_JOIN_SIM_AND_ANALYSIS = {"eval", "cli"}
# imported inside functions on purpose: heavy (seconds or hundreds of MB) and needed
# by one command only, or present on one OS only
LAZY_OK = {
    "matplotlib",
    "dask",
    "distributed",
    "sigmf",
    "rich",
    "termios",
    "tty",
    "esptool",
    "serial.tools.list_ports",
    "tqdm",
    "webbrowser",
    "json",
}
LONG_MODULE_LINES = 600
LONG_REASON = "Why this module is long:"


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "_firmware" or "mpboard" in rel.parts:  # MicroPython, not host
            continue
        parts = ["roomsweep", *rel.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out.append((".".join(parts), path))
    return out


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "roomsweep"


def _imports(path: Path) -> tuple[list[str], list[tuple[int, str]]]:
    """(roomsweep modules imported at module level, (line, module) imported in functions)"""
    tree = ast.parse(path.read_text())
    top: list[str] = []
    inner: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            deeper = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom):
                assert child.level == 0, f"{path}:{child.lineno}: relative import"
                names = [child.module or ""]
            elif isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            else:
                visit(child, deeper)
                continue
            for name in names:
                if in_function:
                    inner.append((child.lineno, name))
                elif name.startswith("roomsweep"):
                    top.append(name)

    visit(tree, False)
    return top, inner


MODULES = _modules()


def test_every_package_has_a_rank():
    assert {_package(m) for m, _ in MODULES} <= set(RANK)


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_only_downward(module: str, path: Path):
    own = _package(module)
    top, _ = _imports(path)
    for target in top:
        dep = _package(target)
        if target == "roomsweep" or dep == own:
            continue
        assert RANK[dep] < RANK[own], f"{module} imports {target}: {own} may not use {dep}"


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_at_the_top(module: str, path: Path):
    _, inner = _imports(path)
    hidden = [
        (line, name)
        for line, name in inner
        if name.split(".")[0] not in LAZY_OK and name not in LAZY_OK
    ]
    assert not hidden, f"{module}: imports inside functions: {hidden}"


def test_only_eval_and_cli_join_simulator_and_analysis():
    uses: dict[str, set[str]] = {}
    for module, path in MODULES:
        top, _ = _imports(path)
        uses.setdefault(_package(module), set()).update(_package(t) for t in top)
    joined = {p for p, deps in uses.items() if {"sim", "analysis"} <= deps | {p}}
    assert joined <= MAY_JOIN_SIM_AND_ANALYSIS, joined


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_long_modules_say_why(module: str, path: Path):
    text = path.read_text()
    if text.count("\n") > LONG_MODULE_LINES:
        assert LONG_REASON in text.split('"""')[1], (
            f"{module}: {text.count(chr(10))} lines and no '{LONG_REASON}' in its docstring"
        )


def test_the_checks_can_fail(tmp_path: Path):
    """The import walker sees what it must: top-level and hidden imports."""
    bad = tmp_path / "bad.py"
    bad.write_text("from roomsweep.sim import optics\n\ndef f():\n    import numpy\n")
    top, inner = _imports(bad)
    assert top == ["roomsweep.sim"] and inner == [(4, "numpy")]
