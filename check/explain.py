"""The answer in plain Chinese, and the path from a request to the entry it matched.

Why a graph path: the officer needs to see *why* an entry applies — which unit, which department, which
revision, which branch of the catalog. The chain is built as a small networkx graph (request → unit →
department → revision → code path → entry) and read back with a shortest path, so the same walk serves the
text and the JSON.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

VERDICT_ZH = {
    "purchasable-own-catalog": "可以购买：本部门目录有对应条目",
    "purchasable-b-class": "可以购买：属于B类（政府履职辅助性服务）目录，各部门通用",
    "only-other-department": "本部门目录和B类目录均无对应条目，仅其他部门的目录列有",
    "not-in-catalog": "目录中没有对应条目",
    "not-a-service": "不是向外部购买服务（转移支付、补助、人员或本单位运转支出），无需对照目录",
    "prohibited": "不得作为政府购买服务",
}
KIND_ZH = {"service": "服务", "transfer": "转移支付/补助", "personnel": "人员支出", "goods_or_works": "货物或工程",
           "own_operations": "本单位运转支出", "mixed": "混合"}


def explanation_path(request_label: str, unit: str | None, department: str | None, match: dict[str, Any] | None,
                     ) -> list[str]:
    """Node labels from the request to the matched entry."""
    if match is None:
        return []
    g = nx.DiGraph()
    start = f"请求：{request_label}"
    nodes = [start]
    if unit:
        nodes.append(f"单位：{unit}")
    if match.get("department"):
        if department and match["department"] == department:
            nodes.append(f"目录部门：{department}")
        else:
            nodes.append(f"其他部门：{match['department']}")
    else:
        nodes.append("B类目录（各部门通用）")
    nodes.append(f"目录：{match['revision_name']}（{match['catalog_doc']}）")
    nodes.extend(f"{p['code']} {p['name']}" for p in match.get("code_path", []))
    nodes.append(f"{match['code']} {match['name']}")
    nx.add_path(g, nodes)
    return list(nx.shortest_path(g, start, nodes[-1]))


def explain(result: dict[str, Any]) -> str:
    """One paragraph: verdict, reason, evidence, revision notes."""
    verdict = result["verdict"]
    parts = [VERDICT_ZH[verdict] + "。"]
    kind = result["kind"]
    parts.append(f"性质判断：{KIND_ZH.get(kind, kind)}"
                 + (f"（主要部分：{KIND_ZH.get(result['kind_detail']['principal'])}）" if kind == "mixed" else "")
                 + "。")
    if verdict == "prohibited":
        for p in result["prohibited"]:
            parts.append(f"依据{p['citation']}“{p['item_text']}”：{p['reason']}。")
    top = None
    for key, label in (("own_department", "本部门"), ("b_class", "B类"), ("other_departments", "其他部门")):
        entries = result.get(key) or []
        if entries and verdict not in ("prohibited", "not-a-service", "not-in-catalog"):
            e = entries[0]
            top = top or e
            dept = f"{e['department']} " if e.get("department") else ""
            parts.append(f"{label}条目：{dept}{e['code']} {e['name']}（{e['catalog_doc']}，"
                         f"匹配词：{'、'.join(e['matched_terms'][:5]) or '无'}）。")
    if verdict == "not-in-catalog" and result.get("near_misses"):
        e = result["near_misses"][0]
        why = f"，{e['scope_note']}" if e.get("scope_note") else ""
        parts.append(f"最接近的是{e.get('department') or 'B类'} {e['code']} {e['name']}，但不足以覆盖{why}。")
    rev = result["revision"]
    if rev.get("A"):
        a = rev["A"]
        state = "（已被取代）" if a.get("superseded") else ""
        parts.append(f"所用目录：{a['revision']}（{a['doc_no']}）{state}"
                     + (f"，B类{rev['B']['doc_no']}" if rev.get("B") else "") + "。")
    parts.extend(n + "。" for n in rev.get("notes", []))
    if top is not None:
        for h in top.get("history", []):
            if h["change"] != "same":
                parts.append(h["text"] + "。")
    return "".join(parts)
