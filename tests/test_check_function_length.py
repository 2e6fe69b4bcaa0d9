"""tools/check_function_length.py: the 80-line limit on functions is measured, not guessed."""

import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOOL = PROJECT_DIR / "tools" / "check_function_length.py"


def _function(name: str, body_lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(body_lines))
    return f"{indent}def {name}():\n{body}"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False
    )


def test_a_function_over_the_limit_fails_with_its_place_name_and_length(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "ok.py").write_text(_function("short", 79))  # 80 lines with its def
    (package / "long.py").write_text(
        "class Reader:\n" + _function("read", 80, indent="    ")  # 81 lines
    )
    result = _run(str(package))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{package / 'long.py'}:2: Reader.read is 81 lines"]


def test_migrations_are_skipped_and_a_clean_tree_passes(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_initial.py").write_text(_function("generated", 200))
    (tmp_path / "small.py").write_text(_function("small", 3))
    result = _run(str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_the_limit_is_an_option(tmp_path):
    (tmp_path / "mod.py").write_text(_function("ten", 9))
    assert _run("--max-lines", "10", str(tmp_path)).returncode == 0
    assert _run("--max-lines", "9", str(tmp_path)).returncode == 1
