"""The engine's import contract names every other part of statements/, new ones included."""

import tomllib
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_the_engine_contract_forbids_every_other_module_of_statements():
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    engine = next(c for c in contracts if c["id"] == "engine")
    package = PROJECT_DIR / "statements"
    modules = {
        f"statements.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    modules.discard("statements.nlp")
    missing = modules - set(engine["forbidden_modules"])
    assert not missing, f"add {sorted(missing)} to the 'engine' contract in pyproject.toml"
