"""Facts stated in sentences of 第三部分 预算情况说明: the 政府采购 budget and the 车辆情况.

Both are template sentences ("政府采购预算总额10.39万元。其中：政府采购货物预算3.89万元、…"), so they are read
with patterns; the sentence may be broken over two lines (with a blank line between), which the reader
joins and cites as a line range.
"""

from __future__ import annotations

import re

from .disclosure_lines import Line, Lines
from .records import Procurement, Vehicles

_NUMBER = r"([\d,，]+(?:\.\d+)?)"
_PROCUREMENT_TOTAL = re.compile(r"政府采购预算总额(?:为)?" + _NUMBER + r"(万元|元)")
_PROCUREMENT_PARTS = {
    "goods": re.compile(r"货物(?:类)?预算(?:为)?" + _NUMBER),
    "works": re.compile(r"工程(?:类)?预算(?:为)?" + _NUMBER),
    "services": re.compile(r"服务(?:类)?预算(?:为)?" + _NUMBER),
}
_VEHICLE_COUNT = re.compile(r"([^，,；;：:。、\d]+?)(\d+)辆")
_VEHICLE_KEYS = (("编制", "编制"), ("实有", "实有"))
_SENTENCE_LINES = 3  # a sentence is never spread over more lines than this


def _sentence(lines: Lines, start: Line, complete: re.Pattern[str]) -> tuple[str, int]:
    """The text from `start` on, joined with the following lines until `complete` matches; its last line."""
    text, last = start.text, start.number
    for line in lines.content(start.number + 1)[: _SENTENCE_LINES - 1]:
        if complete.search(text) or line.is_row:
            break
        text, last = text + line.text, line.number
    return text, last


def read_procurement(lines: Lines) -> Procurement | None:
    """The 政府采购 sentence: total, goods, works and services as printed."""
    for line in lines.items:
        if line.is_row or not _PROCUREMENT_TOTAL.search(line.text):
            continue
        text, last = _sentence(lines, line, _PROCUREMENT_PARTS["services"])
        total = _PROCUREMENT_TOTAL.search(text)
        if total is None:
            continue
        parts = {name: pattern.search(text) for name, pattern in _PROCUREMENT_PARTS.items()}
        return Procurement(
            total=total.group(1),
            goods=parts["goods"].group(1) if parts["goods"] else None,
            works=parts["works"].group(1) if parts["works"] else None,
            services=parts["services"].group(1) if parts["services"] else None,
            unit=total.group(2),
            source=lines.ref(line.number, last),
        )
    return None


def read_vehicles(lines: Lines) -> Vehicles | None:
    """The 车辆情况 sentence: every "<category>N辆" count, keyed by category (编制, 实有, 领导用车 …)."""
    for line in lines.items:
        if line.is_row or "公务用车" not in line.text or "辆" not in line.text or "编制" not in line.text:
            continue
        text, last = _sentence(lines, line, re.compile(r"。$"))
        counts: dict[str, str] = {}
        for found in _VEHICLE_COUNT.finditer(text):
            counts.setdefault(_vehicle_key(found.group(1)), found.group(2))
        if counts:
            return Vehicles(text, counts, lines.ref(line.number, last))
    return None


def _vehicle_key(label: str) -> str:
    """The category of a count: "共有公务用车编制" → 编制, "其中：领导用车" → 领导用车."""
    for marker, key in _VEHICLE_KEYS:
        if label.endswith(marker):
            return key
    return label.removeprefix("其中").strip()
