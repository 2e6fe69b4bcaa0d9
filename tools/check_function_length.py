"""Fail when a function or method under the given folders is longer than the limit.

    python tools/check_function_length.py [--max-lines 80] [PATH ...]   (default: statements)

A function's length is counted from its ``def`` line (decorators excluded) to its last
line, blank lines and docstring included: what a reader has to hold in mind at once.
Nested functions count inside their parent and are also checked on their own. Migrations
are generated code and are skipped. Exit status 1 lists every offender, longest first.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_LINES = 80
SKIPPED_FOLDERS = {"migrations", "__pycache__"}


@dataclass(frozen=True)
class LongFunction:
    path: Path
    line: int
    name: str
    length: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.name} is {self.length} lines"


def python_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*.py")):
            if not SKIPPED_FOLDERS.intersection(file.relative_to(path).parts):
                yield file


def function_lengths(path: Path) -> Iterator[LongFunction]:
    """Every function and method in ``path`` with its qualified name and length."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def visit(node: ast.AST, prefix: str) -> Iterator[LongFunction]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                length = child.end_lineno - child.lineno + 1
                yield LongFunction(path, child.lineno, name, length)
                yield from visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, f"{prefix}{child.name}.")
            else:
                yield from visit(child, prefix)

    yield from visit(tree, "")


def long_functions(paths: list[Path], max_lines: int) -> list[LongFunction]:
    found = [
        function
        for file in python_files(paths)
        for function in function_lengths(file)
        if function.length > max_lines
    ]
    return sorted(found, key=lambda function: (-function.length, str(function.path)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("statements")])
    parser.add_argument("--max-lines", type=int, default=DEFAULT_MAX_LINES)
    args = parser.parse_args(argv)
    missing = [path for path in args.paths if not path.exists()]
    if missing:
        print(f"{missing[0]}: no such file or folder", file=sys.stderr)
        return 2
    offenders = long_functions(args.paths, args.max_lines)
    for function in offenders:
        print(function)
    if offenders:
        print(f"{len(offenders)} function(s) longer than {args.max_lines} lines", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
