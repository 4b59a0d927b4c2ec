"""Shared fixtures: one real build of the bundled corpus per test session, asked through the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from budgetkg.cli import main

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "："})


def norm(name: str | None) -> str:
    """The eval README's name rule: no whitespace, half-width ( ) , ; : as full-width."""
    return re.sub(r"\s+", "", name or "").translate(_HALF_TO_FULL)


def eval_facts(file_name: str, fact_type: str | None = None) -> list[dict[str, Any]]:
    path = EVAL_DIR / file_name
    if not path.exists():
        pytest.skip(f"evaluation data {path} is not present next to the repository")
    facts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [f for f in facts if fact_type is None or f.get("type") == fact_type]


def fact_params(file_name: str, fact_type: str) -> list[Any]:
    """pytest params, one per eval fact, named by its id (collected even when the data is absent)."""
    path = EVAL_DIR / file_name
    if not path.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{path} absent"))]
    facts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pytest.param(f, id=f["id"]) for f in facts if f["type"] == fact_type]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the bundled corpus built into it, the way a user builds it."""
    folder = tmp_path_factory.mktemp("data")
    result = CliRunner().invoke(main, ["build", "--data-dir", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="session")
def cli(data_dir: Path) -> Callable[..., Any]:
    """Run a CLI command against the session build and return its parsed --json output (memoised)."""
    memo: dict[tuple[str, ...], Any] = {}

    def run(*args: str) -> Any:
        if args not in memo:
            result = CliRunner().invoke(main, [*args, "--data-dir", str(data_dir), "--json"])
            assert result.exit_code == 0, result.output
            memo[args] = json.loads(result.output)
        return memo[args]

    return run
