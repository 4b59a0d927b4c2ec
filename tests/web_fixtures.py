"""Fixtures of the web tests: the real app behind a real waitress server on 127.0.0.1 (a free port), over
the session's build of the bundled corpus. Imported by the tests/test_web_*.py modules."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from waitress.server import create_server

from budgetkg.web.app import create_app
from budgetkg.workspace import Workspace

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` with waitress on 127.0.0.1:<free port> in a thread; yields the base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=8, ident="budgetkg-test")
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/openapi.json", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def web_app(data_dir: Path) -> Any:
    return create_app(data_dir, testing=True)


@pytest.fixture(scope="session")
def server(web_app: Any) -> Iterator[str]:
    with serving(web_app) as url:
        yield url


@pytest.fixture(scope="session")
def ws(data_dir: Path) -> Workspace:
    return Workspace.open(data_dir)


def check_available() -> bool:
    try:
        import budgetkg.check.service  # noqa: F401
    except ImportError:
        return False
    return True


needs_check = pytest.mark.skipif(not check_available(), reason="budgetkg.check.service cannot be imported yet")
__all__ = ["needs_check", "server", "serving", "web_app", "ws"]
