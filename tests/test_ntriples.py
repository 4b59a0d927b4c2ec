"""The mapping's N-Triples text: what Oxigraph reads back must be the literal rdflib would have made."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox

from budgetkg.ontology.ntriples import XSD, literal, nt_line


def _object_of(line: str) -> ox.Literal:
    (triple,) = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    return triple.object


def test_text_with_quotes_backslashes_and_newlines_reads_back_unchanged() -> None:
    text = '他说："第一行"\n第二行\\末尾\r'
    read = _object_of(nt_line("https://e.org/s", "https://e.org/p", literal(text, lang="zh")))
    assert read.value == text
    assert read.language == "zh"


def test_decimals_are_written_in_positional_notation() -> None:
    read = _object_of(nt_line("https://e.org/s", "https://e.org/p", literal(Decimal("1E+3"))))
    assert read.datatype == ox.NamedNode(XSD + "decimal")
    assert read.value == "1000"


def test_python_values_get_their_xsd_datatypes() -> None:
    assert literal(True) == f'"true"^^<{XSD}boolean>'
    assert literal(7) == f'"7"^^<{XSD}integer>'
    assert literal("2023-08-22", datatype=XSD + "date") == f'"2023-08-22"^^<{XSD}date>'
    assert literal("万元") == '"万元"'


def test_an_iri_object_is_written_in_angle_brackets() -> None:
    assert nt_line("https://e.org/s", "https://e.org/p", "https://e.org/o") == (
        "<https://e.org/s> <https://e.org/p> <https://e.org/o> .\n"
    )
