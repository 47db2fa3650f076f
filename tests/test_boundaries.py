"""Architecture boundaries: the IOC knows nothing of the simulator; the simulator side uses only
the wire contract from the IOC; devices do not talk MQTT; inside the IOC each room imports
only the rooms below it (the table in ioc/__init__.py), with no cycles; the assessment reads
the store through its public methods, never its tables."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What each room of `ioc` may import from the other rooms (every import counts: module level,
# inside functions, under TYPE_CHECKING). Keep in step with the map in ioc/__init__.py.
ALLOWED: dict[str, set[str]] = {
    "contract": set(),
    "geo": set(),
    "registry": {"contract"},
    "casework": {"contract", "geo", "registry"},
    "rules": {"contract", "casework"},
    "measures": {"contract", "casework", "registry"},
    "storage": {"contract", "casework", "registry"},
    "ingest": {"contract", "storage"},
    "service": {
        "contract",
        "geo",
        "registry",
        "casework",
        "rules",
        "measures",
        "storage",
        "ingest",
    },
    "api": {"contract", "casework", "measures", "service"},
    "assessment": {"contract", "geo", "measures", "storage"},
    "cli": {"contract", "service", "api", "assessment"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(package: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in the package, relative ones resolved."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        here = module_name(path).split(".")
        if path.name != "__init__.py":
            here = here[:-1]
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(rel, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join([*base, node.module] if node.module else base)
                found.append((rel, module))
                # `from ioc.casework import cases` imports the module ioc.casework.cases
                found += [(rel, f"{module}.{a.name}") for a in node.names if a.name != "*"]
    return found


def top(module: str) -> str:
    return module.split(".")[0]


def room_of_file(file: str) -> str:
    parts = Path(file).with_suffix("").parts  # ("ioc", room, ...)
    return parts[1]


def room_of_module(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "ioc":
        return None
    return parts[1] if len(parts) > 1 else ""


def ioc_rooms() -> set[str]:
    return {
        p.stem if p.is_file() else p.name
        for p in (ROOT / "ioc").iterdir()
        if (p.is_file() and p.suffix == ".py" and p.name != "__init__.py")
        or (p.is_dir() and (p / "__init__.py").exists())
    }


def room_edges() -> dict[tuple[str, str], list[str]]:
    """(from room, to room) -> the files that make the edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for file, module in imports("ioc"):
        target = room_of_module(module)
        if target is None:
            continue
        source = room_of_file(file)
        if target != source:
            edges.setdefault((source, target), []).append(f"{file}: {module}")
    return edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk (each reported once per back edge)."""
    found, state = [], {}

    def walk(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    return found


def test_ioc_imports_nothing_from_the_simulator() -> None:
    bad = [(f, m) for f, m in imports("ioc") if top(m) in {"sim", "devices", "edge"}]
    assert bad == []


def test_simulator_side_uses_only_the_contract_from_the_ioc() -> None:
    for package in ("sim", "edge", "devices"):
        bad = [
            (f, m)
            for f, m in imports(package)
            if top(m) == "ioc" and m != "ioc.contract" and not m.startswith("ioc.contract.")
        ]
        assert bad == [], package


def test_devices_do_not_talk_mqtt() -> None:
    bad = [
        (f, m) for f, m in imports("devices") if top(m) in {"paho", "ioc", "edge", "sim", "amqtt"}
    ]
    assert bad == []


def test_every_ioc_room_is_in_the_table() -> None:
    assert ioc_rooms() == set(ALLOWED)


def test_every_ioc_package_says_what_it_owns_and_may_import() -> None:
    for init in sorted((ROOT / "ioc").rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc.lower(), init.relative_to(ROOT)


def test_the_map_in_ioc_init_states_the_same_directions() -> None:
    doc = ast.get_docstring(ast.parse((ROOT / "ioc" / "__init__.py").read_text(encoding="utf-8")))
    stated: dict[str, set[str]] = {}
    for line in (doc or "").splitlines():
        if "  ->  " in line:
            rooms, _, targets = line.partition("  ->  ")
            allowed = set(re.findall(r"\b[a-z]+\b", targets.split("(")[0])) - {"nothing", "of"}
            for room in re.findall(r"\b[a-z]+\b", rooms):
                stated[room] = allowed - {"ioc"}
    assert stated == {k: v for k, v in ALLOWED.items() if k != "__main__"}


def test_ioc_rooms_import_only_what_the_table_allows() -> None:
    bad = {
        edge: files
        for edge, files in room_edges().items()
        if edge[1] == "" or edge[1] not in ALLOWED.get(edge[0], set())
    }
    assert bad == {}, "\n".join(f"{a} -> {b or 'ioc'}: {fs[:3]}" for (a, b), fs in bad.items())


def test_no_import_cycles_between_rooms() -> None:
    assert cycles(ALLOWED) == []  # the table itself is layered
    graph: dict[str, set[str]] = {}
    for a, b in room_edges():
        graph.setdefault(a, set()).add(b)
    assert cycles(graph) == []


def test_no_import_cycles_between_ioc_modules() -> None:
    modules = {module_name(p) for p in (ROOT / "ioc").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for file, module in imports("ioc"):
        if module in modules:
            source = module_name(ROOT / file)
            if module != source:
                graph.setdefault(source, set()).add(module)
    assert cycles(graph) == []


def test_the_api_depends_on_the_service_and_not_the_reverse() -> None:
    edges = room_edges()
    assert ("api", "service") in edges
    assert not [e for e in edges if e[0] != "api" and e[1] == "api" and e[0] != "cli"]


def test_assessment_reads_the_store_through_its_public_methods() -> None:
    schema = (ROOT / "ioc" / "storage" / "schema.py").read_text(encoding="utf-8")
    tables = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", schema)
    assert "readings" in tables and "devices" in tables
    sql = re.compile(
        rf"\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA)\b|\b(FROM|INTO|JOIN)\s+({'|'.join(tables)})\b",
        re.IGNORECASE,
    )
    bad = [(f, m) for f, m in imports("ioc/assessment") if top(m) == "sqlite3"]
    bad += [
        (f, m)
        for f, m in imports("ioc/assessment")
        if m.startswith("ioc.storage.") and any(p.startswith("_") for p in m.split("."))
    ]
    for path in sorted((ROOT / "ioc" / "assessment").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if sql.search(node.value):
                    bad.append((str(path.relative_to(ROOT)), node.value[:60]))
            elif isinstance(node, ast.Attribute) and node.attr in ("db", "_query", "execute"):
                bad.append((str(path.relative_to(ROOT)), f".{node.attr}"))
    assert bad == []


# ----------------------------------------------------------------------- the simulator's rooms
# Each room of `sim` (a sub-package, or the CLI module) and what it may import: other rooms
# (by name) and the project's packages. Third-party packages are not listed. The table reads
# bottom-up: the scenario is the input everything reads, the world runs it, the people act in
# it, a run wires them to the broker and the IOC, the tools work beside runs, the CLI on top.
SIM_ROOMS: dict[str, set[str]] = {
    "scenario": {"devices", "edge", "ioc.contract"},
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
