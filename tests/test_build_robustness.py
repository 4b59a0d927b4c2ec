"""A build keeps what it has: bad input is named by file and line, rebuilds swap atomically, nothing duplicates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyshacl import validate
from rdflib import Graph

from budgetkg import settings
from budgetkg.cli import main
from budgetkg.ontology import shapes_path, vocabulary_path

CORPUS = {p.name: p for p in settings.bundled_corpus()}
SMALL = "000_d36ff57df6df67c4.txt"


def run(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(main, [*args, "--json"])
    try:
        return result.exit_code, json.loads(result.output)
    except json.JSONDecodeError:
        return result.exit_code, result.output


def triple_count(data: Path) -> int:
    code, out = run("sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--data-dir", str(data))
    assert code == 0, out
    return int(out["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def bad_inputs(tmp_path: Path) -> Path:
    """One folder with every kind of bad input next to one good document."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    text = CORPUS[SMALL].read_text(encoding="utf-8")
    lines = text.splitlines()
    (folder / "gbk.txt").write_bytes(("\n".join(lines[:120]) + "\n").encode("gb18030"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    (folder / "image.bin").write_bytes(b"\x00\x01\x02binary\x00")
    (folder / "not_a_disclosure.txt").write_text("会议纪要\n\n今天天气很好，大家讨论了春游安排。\n", encoding="utf-8")
    (folder / "truncated.txt").write_text("\n".join(lines[:300]) + "\n", encoding="utf-8")
    (folder / "no_catalog.txt").write_text("\n".join(lines[:730]) + "\n", encoding="utf-8")
    (folder / SMALL).write_text(text, encoding="utf-8")
    return folder


def test_built_graph_conforms_to_the_shacl_shapes(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--format", "nt", "--data-dir", str(data_dir)])
    assert result.exit_code == 0
    graph = Graph().parse(data=result.stdout_bytes.decode("utf-8"), format="nt")
    assert len(graph) > 10_000
    conforms, _report_graph, report = validate(
        graph, shacl_graph=Graph().parse(shapes_path()), ont_graph=Graph().parse(vocabulary_path()),
        inference="none", advanced=False,
    )
    assert conforms, report[:3000]


def test_every_bad_input_is_named_with_its_line_and_the_good_document_still_builds(tmp_path, bad_inputs) -> None:
    data = tmp_path / "data"
    code, report = run("build", "--no-bundled", str(bad_inputs), "--data-dir", str(data))
    assert code == 0, report
    problems = {p["file"]: p for p in report["problems"] if p["severity"] == "error"}
    assert "not UTF-8" in problems["gbk.txt"]["message"] and problems["gbk.txt"]["line"] >= 1
    assert "GB" in problems["gbk.txt"]["message"]
    assert "empty" in problems["empty.txt"]["message"]
    assert "PDF" in problems["report.pdf"]["message"] and problems["report.pdf"]["line"] == 1
    assert "binary" in problems["image.bin"]["message"]
    assert "not_a_disclosure.txt" in problems
    warnings = {(p["file"], p["kind"]) for p in report["problems"] if p["severity"] == "warning"}
    assert any(f == "truncated.txt" for f, _k in warnings), warnings
    assert ("no_catalog.txt", "no_catalog") in warnings
    built = {d["file"]: d["status"] for d in report["documents"]}
    assert built[SMALL] == "ok" and built["truncated.txt"] == "ok" and built["no_catalog.txt"] == "ok"
    code, units = run("units", "--data-dir", str(data))
    assert {u["source"]["file"] for u in units} == {SMALL, "truncated.txt", "no_catalog.txt"}


def test_rebuilding_and_reingesting_the_same_document_duplicates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("build", "--no-bundled", str(CORPUS[SMALL]), "--data-dir", str(data))[0] == 0
    first = triple_count(data)
    assert run("build", "--no-bundled", str(CORPUS[SMALL]), "--data-dir", str(data))[0] == 0
    assert run("ingest", str(CORPUS[SMALL]), "--data-dir", str(data))[0] == 0
    assert triple_count(data) == first
    names = [p["name"] for p in run("projects", "--data-dir", str(data))[1]]
    assert len(names) == len(set(names)) == 8


def test_ingesting_a_changed_document_replaces_its_earlier_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("build", "--no-bundled", str(CORPUS[SMALL]), "--data-dir", str(data))[0] == 0
    changed = tmp_path / "v2" / SMALL
    changed.parent.mkdir()
    text = CORPUS[SMALL].read_text(encoding="utf-8")
    changed.write_text(text.replace("刻制公章经费", "刻制印章经费"), encoding="utf-8")
    code, report = run("ingest", str(changed), "--data-dir", str(data))
    assert code == 0 and {"file": SMALL, "status": "replaced"}.items() <= report["documents"][0].items()
    names = {p["name"] for p in run("projects", "--data-dir", str(data))[1]}
    assert "刻制印章经费" in names and "刻制公章经费" not in names


def test_a_failed_rebuild_leaves_the_previous_graph_in_use(tmp_path: Path, bad_inputs: Path) -> None:
    data = tmp_path / "data"
    assert run("build", "--no-bundled", str(CORPUS[SMALL]), "--data-dir", str(data))[0] == 0
    before = (data / "current").resolve()
    code, report = run("build", "--no-bundled", str(bad_inputs / "empty.txt"), "--data-dir", str(data))
    assert code == 1 and report["ok"] is False
    assert (data / "current").resolve() == before
    assert len(run("projects", "--data-dir", str(data))[1]) == 8


def test_reingesting_a_now_unreadable_document_keeps_the_version_already_built(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("build", "--no-bundled", str(CORPUS[SMALL]), "--data-dir", str(data))[0] == 0
    broken = tmp_path / "broken" / SMALL
    broken.parent.mkdir()
    broken.write_bytes(CORPUS[SMALL].read_text(encoding="utf-8").encode("gb18030"))
    code, report = run("ingest", str(broken), "--data-dir", str(data))
    assert code == 0
    assert {"file": SMALL, "status": "kept-previous"} in report["documents"]
    assert len(run("projects", "--data-dir", str(data))[1]) == 8


def test_a_killed_build_leaves_the_previous_graph_in_use(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("build", "--no-bundled", str(CORPUS[SMALL]), "--data-dir", str(data))[0] == 0
    before = (data / "current").resolve()
    process = subprocess.Popen(
        [sys.executable, "-m", "budgetkg.cli", "build", "--data-dir", str(data), "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list((data / "generations").iterdir())) < 2:
        time.sleep(0.05)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert (data / "current").resolve() == before
    assert len(run("projects", "--data-dir", str(data))[1]) == 8


def test_the_console_script_ends_at_once_with_the_commands_exit_code_and_output(tmp_path: Path) -> None:
    """`budgetkg` ends with os._exit after the command (cli.run): its output must still all arrive, and a
    usage error must still end with click's exit code."""
    def console(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "budgetkg.cli", *args], capture_output=True, text=True,
                              timeout=120)

    built = console("build", str(CORPUS[SMALL]), "--no-bundled", "--data-dir", str(tmp_path), "--json")
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["triples"] > 1000
    units = console("units", "--data-dir", str(tmp_path), "--json")
    assert units.returncode == 0 and json.loads(units.stdout)
    usage = console("catalog", "entries", "--data-dir", str(tmp_path))
    assert usage.returncode == 2 and "--revision" in usage.stderr


def test_a_base_that_is_not_an_absolute_iri_stops_the_build_before_it_starts(tmp_path: Path) -> None:
    """The store loads what the build minted without checking each IRI again, so the base is checked first."""
    code, out = run("build", "--no-bundled", str(CORPUS[SMALL]), "--base", "budget kg/", "--data-dir",
                    str(tmp_path / "data"))
    assert code == 2
    assert "--base" in out and "not an absolute IRI" in out
    assert not (tmp_path / "data").exists()
