"""Safety: escaping, oversized inputs, unknown IRIs, no file outside the app through any path."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from web_fixtures import *  # noqa: F403  (fixtures: server, web_app, ws)

SCRIPT = "<script>alert('x')</script>"


def get(url: str, accept: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def q(text: str) -> str:
    return urllib.parse.quote(text)


def test_query_text_and_highlights_are_escaped(server: str) -> None:
    for query in (SCRIPT, "物业 " + SCRIPT, '"><img src=x onerror=alert(1)>'):
        status, html = get(server + "/search?q=" + q(query))
        assert status in (200, 400)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html or "&lt;img" in html or "&#34;&gt;&lt;img" in html
    status, html = get(server + "/search?q=" + q("物业<b>x</b>"))
    assert "<b>x</b>" not in html


def test_check_and_error_pages_escape_input(server: str) -> None:
    status, html = get(server + "/check?text=" + q(SCRIPT) + "&department=" + q("民政"))
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    status, html = get(server + "/check?text=x&department=" + q(SCRIPT))
    assert status == 400 and "<script>alert" not in html
    status, html = get(server + "/id/unit/" + q(SCRIPT))
    assert status == 404 and "<script>alert" not in html


LONG_Q = urllib.parse.quote("物" * 201)
LONG_TEXT = urllib.parse.quote("物" * 501)


@pytest.mark.parametrize(("path", "word"), [
    ("/search?q=" + LONG_Q, "过长"),
    ("/api/search?q=" + LONG_Q, "过长"),
    ("/check?department=x&text=" + LONG_TEXT, "过长"),
    ("/api/check?department=x&text=" + LONG_TEXT, "过长"),
    ("/search?q=x&page=100000", "page"),
], ids=["search", "api-search", "check", "api-check", "page"])
def test_oversized_inputs_are_refused_with_a_message(server: str, path: str, word: str) -> None:
    status, body = get(server + path)
    assert status == 400 and word in body
    if path.startswith("/api/"):
        assert json.loads(body)["status"] == 400


def test_oversized_bodies_are_refused(server: str) -> None:
    request = urllib.request.Request(server + "/sparql", data=b"query=" + b"x" * 70_000,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 413


@pytest.mark.parametrize("path", [
    "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fapp.py",
    "/id/doc/..%2F..%2F..%2Fetc%2Fpasswd", "/id/doc/../../etc/passwd", "/id/..%2F..%2Fetc/passwd",
    "/id/doc/%2e%2e", "/dump?format=../../etc/passwd", "/catalog?revision=../../etc/passwd",
    "/id/doc/000_d36ff57df6df67c4/..%2F..%2Fstore",
])
def test_no_path_reads_a_file_outside_the_app(server: str, path: str) -> None:
    status, body = get(server + path)
    assert status in (400, 404), (path, status)
    assert "root:" not in body and "import " not in body


def test_unknown_pages_are_404_in_the_asked_format(server: str) -> None:
    status, body = get(server + "/no-such-page")
    assert status == 404 and "未找到" in body
    status, body = get(server + "/no-such-page", accept="application/json")
    assert status == 404 and json.loads(body)["status"] == 404


def test_security_headers(server: str) -> None:
    with urllib.request.urlopen(server + "/", timeout=30) as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_use_no_remote_assets(server: str) -> None:
    for path in ("/", "/search?q=" + q("物业"), "/catalog", "/sparql"):
        _, html = get(server + path)
        for attr in ("src=\"http", "href=\"http", "src=\"//", "href=\"//"):
            remote = [line for line in html.splitlines() if attr in line and "rel=\"external\"" not in line]
            assert not remote, (path, remote[:2])


def test_serve_command_builds_then_serves(tmp_path: Path) -> None:
    """`budgetkg serve` on an empty data folder builds the bundled corpus, then answers on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "budgetkg.cli", "serve", "--port", str(port), "--data-dir",
                                str(tmp_path / "data")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/units", timeout=10) as response:
                    assert len(json.loads(response.read())) == 5
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=20)
