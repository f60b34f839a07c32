"""The layering of the package, checked on every import statement it holds.

Stages speak to each other through contracts, never through each other's insides:

* the shared ground (errors, log, ids, schemas, contracts, xmlsafe, identifiers, bounds,
  gc_pause, interrupts, redact, embargo, lazy, and the compiled MARC core with the
  module that picks it) imports no stage;
* framing imports only the shared ground;
* harvest imports the shared ground and framing; normalize the same; neither imports
  the other, the catalog or dedupe;
* the catalog never imports harvest, normalize or dedupe;
* dedupe reaches the catalog only through ``unioncat.catalog`` itself (its public API);
  so does the OAI-PMH provider, which only reads, and the collection report (overview);
* only the application modules (cli, config, pipeline, mapping, parallel, convert,
  report, progress, and the commands) tie the stages together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "unioncat"
GROUND = {
    "errors", "log", "ids", "schemas", "contracts", "xmlsafe", "identifiers", "gc_pause",
    "bounds", "interrupts", "redact", "embargo", "xmltext", "reader_links", "registry",
    "lazy", "compiled", "marc_core",
    "__version__",  # the package's own version, from unioncat/__init__.py
}  # fmt: skip
STAGES = {"framing", "harvest", "normalize", "catalog", "dedupe", "provider", "outputs",
          "overview"}  # fmt: skip
APP = {"cli", "arrow_start", "config", "pipeline", "mapping", "parallel", "convert", "report",
       "progress", "reads", "read_service", "read_commands", "access", "oai_server", "marc_export",
       "linked_export", "openurl", "catalog_access", "workbench", "commands", "engine",
       "spark_engine", "__init__",
       "__main__"}  # fmt: skip
ALLOWED: dict[str, set[str]] = {
    "ground": GROUND,
    "framing": GROUND | {"framing"},
    "harvest": GROUND | {"framing", "harvest"},
    "normalize": GROUND | {"framing", "normalize"},
    "catalog": GROUND | {"catalog"},
    "dedupe": GROUND | {"catalog", "dedupe"},
    "provider": GROUND | {"catalog", "provider", "outputs"},
    "outputs": GROUND | {"outputs"},
    "overview": GROUND | {"catalog", "overview"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every ``unioncat`` module a file imports, at any depth (lazy imports too)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("unioncat")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "unioncat":
                out += [(node.lineno, f"unioncat.{a.name}") for a in node.names]
            elif node.module.startswith("unioncat."):
                out.append((node.lineno, node.module))
    return out


def _layer(top: str) -> str:
    return "ground" if top in GROUND else top


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_the_package_has_every_module_in_a_known_layer() -> None:
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in MODULES}
    assert tops <= GROUND | STAGES | APP, sorted(tops - (GROUND | STAGES | APP))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_the_layers(path: Path) -> None:
    top = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if top in APP:
        return
    allowed = ALLOWED[_layer(top)]
    wrong = []
    for line, module in _imports(path):
        parts = module.split(".")
        target = parts[1] if len(parts) > 1 else ""
        if target not in allowed:
            wrong.append(f"line {line}: {module}")
        elif top in ("dedupe", "provider", "overview") and target == "catalog" and len(parts) > 2:
            wrong.append(f"line {line}: {module} ({top} uses only unioncat.catalog's API)")
    assert not wrong, f"{path.relative_to(PACKAGE)} breaks the layering: {wrong}"


def test_dedupe_runs_no_sql_of_its_own() -> None:
    offenders = [
        f"{p.name}:{n}"
        for p in (PACKAGE / "dedupe").glob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if "execute(" in line
    ]
    assert offenders == []
