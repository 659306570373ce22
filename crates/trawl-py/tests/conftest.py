"""Shared fixtures: the repository, the shared test data and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
SAMPLE_REPORT = REPO / "examples" / "reports" / "eset-oceanlotus.adoc"


def shared_dir() -> Path:
    """Return the shared test data: ``TRAWL_SHARED``, or ``shared/``
    beside the repository."""
    if "TRAWL_SHARED" in os.environ:
        return Path(os.environ["TRAWL_SHARED"])
    return REPO.parent / "shared"


PE_FIXTURE = shared_dir() / "fixtures/iocx/bin/clean_iocx_demo.core.exe"


def _cli_binary() -> Path:
    """Return the ``trawl`` binary: ``TRAWL_BIN``, or a debug build of
    this repository made on first use."""
    if "TRAWL_BIN" in os.environ:
        return Path(os.environ["TRAWL_BIN"])
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "trawl", "--bin", "trawl"],
        cwd=REPO,
        check=True,
    )
    return REPO / "target" / "debug" / "trawl"


@pytest.fixture(scope="session")
def cli_binary() -> Path:
    return _cli_binary()


@pytest.fixture(scope="session")
def cli(cli_binary: Path):
    """Run the command line and return its JSON output as Python
    objects."""

    def run(*args: str, cwd: Path | None = None) -> Any:
        result = subprocess.run(
            # The library never reads the configuration folder's rules.
            [str(cli_binary), "--no-progress", "--no-config", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr.decode()
        return json.loads(result.stdout)

    return run


@pytest.fixture(scope="session")
def pe_fixture() -> Path:
    if not PE_FIXTURE.is_file():
        pytest.fail(f"PE fixture not found at {PE_FIXTURE}; set TRAWL_SHARED")
    return PE_FIXTURE
