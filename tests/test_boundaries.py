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
