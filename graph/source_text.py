"""Turning a file on disk into numbered lines, or a clear refusal naming the file and the line.

The readers work on lines, and every fact keeps its 1-based line number, so the one place that decides
what a readable source is sits here: UTF-8 text (a BOM is tolerated), no NUL bytes, not empty.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .records import SourceError

_BINARY_MAGIC = {
    b"%PDF": "a PDF file (extract its text first, e.g. with pdftotext)",
    b"PK\x03\x04": "a ZIP/Office file",
    b"\xd0\xcf\x11\xe0": "an old Office file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}


@dataclass(frozen=True)
class SourceText:
    file: str  # the file name: the document's identity in the graph
    path: Path
    sha256: str
    lines: list[str]  # lines[0] is line 1, without line endings


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def load_source(path: Path) -> SourceText:
    """Read `path` as a disclosure text; raise SourceError for anything that is not readable text."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(name, 0, f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise SourceError(name, 1, "the file is empty")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise SourceError(name, 1, f"this is {what}, not a text file")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SourceError(name, _line_of_offset(data, nul), "binary data (NUL byte): not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_of_offset(data, exc.start)
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it decodes as GBK/GB18030: convert it with `iconv -f GB18030 -t UTF-8`)"
        except UnicodeDecodeError:
            pass
        raise SourceError(name, line, f"not UTF-8 text: byte 0x{data[exc.start]:02x}{hint}") from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return SourceText(name, path, hashlib.sha256(data).hexdigest(), lines)
