"""Architecture boundaries: the IOC knows nothing of the simulator; the simulator side uses only
the wire contract from the IOC; devices do not talk MQTT."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def top(module: str) -> str:
    return module.split(".")[0]


def test_ioc_imports_nothing_from_the_simulator() -> None:
    bad = [(f, m) for f, m in imports("ioc") if top(m) in {"sim", "devices", "edge"}]
    assert bad == []


def test_simulator_side_uses_only_the_contract_from_the_ioc() -> None:
    for package in ("sim", "edge", "devices"):
        bad = [(f, m) for f, m in imports(package) if top(m) == "ioc" and m != "ioc.contract"]
        assert bad == [], package


def test_devices_do_not_talk_mqtt() -> None:
    bad = [
        (f, m) for f, m in imports("devices") if top(m) in {"paho", "ioc", "edge", "sim", "amqtt"}
    ]
    assert bad == []


# ----------------------------------------------------------------------- the simulator's rooms
# Each room of `sim` (a sub-package, or the CLI module) and what it may import: other rooms
# (by name) and the project's packages. Third-party packages are not listed. The table reads
# bottom-up: the scenario is the input everything reads, the world runs it, the people act in
# it, a run wires them to the broker and the IOC, the tools work beside runs, the CLI on top.
SIM_ROOMS: dict[str, set[str]] = {
    "scenario": {"devices", "ioc.contract"},
    "world": {"scenario", "devices", "edge", "ioc.contract"},
    "people": {"scenario", "world", "devices", "ioc.contract"},
    "run": {"scenario", "world", "people", "devices", "edge", "ioc.contract"},
    "tools": {"scenario", "world", "devices", "edge", "ioc.contract"},
    "cli": {"scenario", "world", "run", "tools", "devices"},
    "__init__": set(),
}
PROJECT = ("sim", "devices", "edge", "ioc")


def sim_module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def sim_room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def resolved_imports(path: Path) -> list[str]:
    """Every module a file imports, at any depth (function-level imports too), relative
    imports resolved; `from package import submodule` counts as the submodule."""
    module = sim_module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                is_module = (ROOT / Path(*sub.split("."))).with_suffix(".py").exists() or (
                    ROOT / Path(*sub.split(".")) / "__init__.py"
                ).exists()
                found.append(sub if is_module else target)
    return found


def project_target(module: str) -> str | None:
    """What an import reaches, in the table's terms (None: outside the project)."""
    top = module.split(".")[0]
    if top not in PROJECT:
        return None
    if top == "sim":
        return sim_room(module)
    if top == "ioc":
        return "ioc.contract" if module.split(".")[:2] == ["ioc", "contract"] else "ioc"
    return top


def sim_files() -> list[Path]:
    return sorted((ROOT / "sim").rglob("*.py"))


def test_every_sim_module_is_in_a_room_with_a_docstring_saying_what_it_may_import() -> None:
    for path in sim_files():
        assert sim_room(sim_module(path)) in SIM_ROOMS, path
    for room in SIM_ROOMS:
        if room in ("cli", "__init__"):
            continue
        init = ROOT / "sim" / room / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, init


def test_sim_rooms_import_only_in_the_allowed_directions() -> None:
    bad = []
    for path in sim_files():
        room = sim_room(sim_module(path))
        for module in resolved_imports(path):
            target = project_target(module)
            if target is None or target == room:
                continue
            if target not in SIM_ROOMS[room]:
                bad.append((str(path.relative_to(ROOT)), module))
    assert bad == []


def test_sim_has_no_import_cycles() -> None:
    from graphlib import CycleError, TopologicalSorter

    rooms = {room: {r for r in allowed if r in SIM_ROOMS} for room, allowed in SIM_ROOMS.items()}
    TopologicalSorter(rooms).prepare()  # the table itself has no cycle
    modules = {sim_module(p) for p in sim_files()}
    graph = {
        sim_module(p): {m for m in resolved_imports(p) if m in modules and m != sim_module(p)}
        for p in sim_files()
    }
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as err:
        raise AssertionError(f"import cycle: {err.args[1]}") from None
