"""Triples as N-Triples text for Oxigraph's bulk loader, without building rdflib terms.

Why not rdflib's terms: an rdflib `Literal` costs tens of µs to build (casting, normalising) and `URIRef.n3()`
validates the IRI again on every call; together they were most of the mapping's time. The mapping's IRIs are
`URIRef`s minted once by `Iris` (already valid, so written as `<…>` with no further check) and its literals are
`literal(…)`: a `str` already in N-Triples syntax. Oxigraph parses and validates the file when it loads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


class NTLiteral(str):
    """A literal written in N-Triples syntax (`"…"`, `"…"@zh` or `"…"^^<datatype>`)."""

    __slots__ = ()


def literal(value: Any, datatype: str | None = None, lang: str | None = None) -> NTLiteral:
    """The literal rdflib's `Literal(value, datatype=…, lang=…)` would give, as N-Triples text.

    Python booleans, integers and decimals get their XSD datatype, as in rdflib; decimals are written in
    positional notation (`1E+3` is not a valid xsd:decimal).
    """
    if isinstance(value, bool):
        text, datatype = ("true" if value else "false"), datatype or XSD + "boolean"
    elif isinstance(value, int):
        text, datatype = str(value), datatype or XSD + "integer"
    elif isinstance(value, Decimal):
        text, datatype = format(value, "f"), datatype or XSD + "decimal"
    else:
        text = str(value)
    quoted = '"' + text.translate(_ESCAPES) + '"'
    if lang:
        return NTLiteral(f"{quoted}@{lang}")
    if datatype and datatype != XSD + "string":
        return NTLiteral(f"{quoted}^^<{datatype}>")
    return NTLiteral(quoted)


def nt_line(s: str, p: str, o: str) -> str:
    """One N-Triples line; `s`, `p` and a non-literal `o` are IRIs."""
    return f"<{s}> <{p}> {o if isinstance(o, NTLiteral) else f'<{o}>'} .\n"


def write_ntriples(path: Path, triples: Iterable[tuple[str, str, str]]) -> int:
    """Write triples to an N-Triples file; returns how many."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for s, p, o in triples:
            out.write(nt_line(s, p, o))
            count += 1
    return count
