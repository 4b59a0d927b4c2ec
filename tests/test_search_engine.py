"""The search engine core on real indexes built from a handful of realistic SearchDocs (no mocks).

Every test that reads an index runs once per engine (tantivy, whoosh): the engines must answer alike.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from budgetkg.search import (
    IndexUnavailable,
    QueryError,
    SearchDoc,
    SearchRequest,
    SearchResult,
    build_index,
    open_index,
    swap_in,
)
from budgetkg.search.dictionary import Synonyms, build_dictionary
from budgetkg.search.segmenter import make_segmenter
from budgetkg.search.tokenizer import register_segmenter, word_tokens
from budgetkg.search.whoosh_analysis import WordTokenizer

YONGHE = "永和县行政审批服务管理局"
XIAOYI = "孝义市行政审批服务管理局"
ZEZHOU = "中国人民政治协商会议山西省泽州县委员会办公室"


def entry(code: str, name: str, path: str, revision: str, department: str | None, line: int) -> SearchDoc:
    ancestors = [code[:k] for k in (5, 3, 1) if len(code) > k]
    return SearchDoc(
        id=f"urn:entry:{revision}:{department}:{code}",
        type="catalog_entry",
        title=name,
        path_names=f"{path} {name}",
        codes=[code, *ancestors],
        department=department,
        revision=revision,
        doc_no="晋财综〔2023〕43号" if revision == "2023" else None,
        file="000_d36ff57df6df67c4.txt",
        line=line,
        extra={"code": code, "name": name},
    )


def project(n: int, name: str, body: str, unit: str, year: int, region: str, amount: str | None) -> SearchDoc:
    return SearchDoc(
        id=f"urn:project:{n}",
        type="project",
        title=name,
        body=body,
        unit=unit,
        year=year,
        region=region,
        amount=None if amount is None else Decimal(amount),
        file="003_42cc39b7b76e33fd.txt",
        line=100 + n,
        extra={"name": name},
    )


DOCS: list[SearchDoc] = [
    entry("A160502", "企业开办印章免费刻制服务", "公共服务 行业管理服务 行业规范服务", "2023", "行政审批", 2382),
    entry("A160502", "工业和信息化领域新动能培育服务体系建设服务", "公共服务 行业管理服务 行业规范服务", "2023",
          "工业和信息化", 1179),
    entry("A1605", "行业规范服务", "公共服务 行业管理服务", "2023", "行政审批", 2380),
    entry("A160501", "政务服务事项梳理", "公共服务 行业管理服务 行业规范服务", "2023", "行政审批", 2381),
    entry("B1102", "物业管理服务", "政府履职辅助性服务 后勤服务", "B2023", None, 3001),
    entry("A010103", "网络安全等级保护测评服务", "公共服务 公共安全服务 公共安全隐患排查治理服务", "2024", "网信", 930),
    entry("A150401", "政务云资源服务", "公共服务 公共信息与宣传服务 公共信息系统开发与维护服务", "2025", "行政审批",
          2400),
    entry("B0101", "法律顾问服务", "政府履职辅助性服务 法律服务", "B2023", None, 3002),
    project(1, "刻制公章经费", "免费刻制印章主要为新设立个体工商户、企业提供免费刻制印章服务。每套费用210元。",
            YONGHE, 2024, "永和县", "10.00"),
    project(2, "12345政务服务热线服务经费", "保障12345政务服务便民热线7×24小时运行，受理群众诉求。",
            XIAOYI, 2025, "孝义市", "35.50"),
    project(3, "物业管理费", "办公楼物业服务、保洁及安保。", ZEZHOU, 2026, "泽州县", "20.00"),
    project(4, "网络安全等级保护测评经费", "对政务服务平台开展等保测评。", XIAOYI, 2025, "孝义市", "8.00"),
    project(5, "新办企业印章刻制补助", "为新办企业承担印章刻制费用。", XIAOYI, 2025, "孝义市", "3.20"),
    project(6, "残疾人就业保障金", "按规定缴纳残疾人就业保障金。", ZEZHOU, 2026, "泽州县", "1.05"),
    project(7, "政协全体会议经费", "召开政协会议。", ZEZHOU, 2026, "泽州县", None),
    SearchDoc(id="urn:unit:yonghe", type="unit", title=YONGHE, body="负责推进全县政务服务体系和政务服务标准化建设。",
              unit=YONGHE, year=2024, region="永和县", file="000_d36ff57df6df67c4.txt", line=5,
              extra={"name": YONGHE}),
    SearchDoc(id="urn:subject:2010306", type="subject", title="政务公开审批", codes=["2010306", "20103", "201"],
              unit=YONGHE, year=2024, region="永和县", amount=Decimal("162.99"), file="000_d36ff57df6df67c4.txt",
              line=212, extra={"code": "2010306"}),
    SearchDoc(id="urn:subject:2080505", type="subject", title="机关事业单位基本养老保险缴费支出",
              codes=["2080505", "20805", "208"], unit=YONGHE, year=2024, region="永和县", amount=Decimal("11.67"),
              extra={"code": "2080505"}),
    SearchDoc(id="urn:paragraph:evil", type="paragraph", title="<script>alert('x')</script> 物业管理",
              body="说明：<script>alert('x')</script> 物业管理 & 保洁 <b>加粗</b>", unit=ZEZHOU, year=2026,
              region="泽州县", file="002_1c7beb9111ca9203.txt", line=77),
] + [
    project(100 + i, f"第{i + 1}批政务服务标准化建设经费", "政务服务标准化建设。", YONGHE, 2024, "永和县",
            f"{i + 1}.50")
    for i in range(12)
]


@pytest.fixture(scope="module", params=["tantivy", "whoosh"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
    directory = tmp_path_factory.mktemp("search") / "index"
    build_index(DOCS, directory, dictionary_words=[d.title for d in DOCS], engine=engine)
    return directory


@pytest.fixture(scope="module")
def ix(index_dir: Path):
    index = open_index(index_dir)
    yield index
    index.close()


def search(ix, query: str = "", **kw) -> SearchResult:
    return ix.search(SearchRequest(query=query, **kw))


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]


def titles(result: SearchResult) -> list[str]:
    return [h.title for h in result.hits]


# --------------------------------------------------------------------------- tokenizer


def test_word_tokens_have_sequential_positions_and_subwords_at_their_parents_position():
    seg = make_segmenter()
    tokens = word_tokens(seg, "网络安全等级保护测评服务")
    main = [t for t in tokens if not t.sub]
    assert [t.pos for t in main] == list(range(len(main)))
    parent = next(t for t in main if t.text == "网络安全")
    subs = {t.text: t for t in tokens if t.sub}
    assert {"网络", "安全"} <= subs.keys()
    assert subs["网络"].pos == subs["安全"].pos == parent.pos
    assert (subs["安全"].start, subs["安全"].end) == (2, 4)


def test_whoosh_tokenizer_yields_positions_and_original_character_offsets():
    register_segmenter("test-key", make_segmenter())
    text = "（Ａ１６０５０２）物业管理服务"
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in WordTokenizer("test-key")(text, positions=True,
                                                                                     chars=True)]
    assert ("a160502", 0, 1, 8) in tokens
    main_positions = sorted({pos for _, pos, _, _ in tokens})
    assert main_positions == list(range(len(main_positions)))
    for word, _, start, end in tokens:  # offsets point into the original, full-width text
        assert unicodedata.normalize("NFKC", text[start:end]).lower() == word


def test_numbers_are_whole_tokens():
    texts = [t.text for t in word_tokens(make_segmenter(), "12345热线 2024年 7×24小时 187.67万元", subwords=False)]
    assert "2024" in texts and "7" in texts and "24" in texts and "187.67" in texts
    assert "×" not in texts


# --------------------------------------------------------------------------- phrases


@pytest.mark.parametrize("query", ['"物业管理"', "“物业管理”", "「物业管理」"])
def test_quoted_phrase_finds_the_exact_sequence(ix, query):
    result = search(ix, query)
    assert result.mode == "phrase"
    assert {"物业管理服务", "物业管理费"} <= set(titles(result))
    assert all("物业管理" in (h.title + "".join(h.highlights)) for h in result.hits)


def test_phrase_must_keep_its_order(ix):
    assert search(ix, '"管理物业"').total == 0


def test_phrase_spanning_several_jieba_words_matches(ix):
    result = search(ix, '"印章免费刻制"')
    assert titles(result) == ["企业开办印章免费刻制服务"]
    assert "<mark>印章免费刻制</mark>" in result.hits[0].highlights[0]


# --------------------------------------------------------------------------- codes


def test_code_lookup_puts_exact_code_before_descendants(ix):
    result = search(ix, "A1605")
    assert result.mode == "code"
    codes = [h.code for h in result.hits]
    assert codes[0] == "A1605"
    assert set(codes[1:]) == {"A160501", "A160502"}
    assert result.hits[0].highlights == ["<mark>A1605</mark> 行业规范服务"]
    b_group = search(ix, "B01")  # no entry has B01 itself: its descendants
    assert b_group.mode == "code" and [h.code for h in b_group.hits] == ["B0101"]


@pytest.mark.parametrize("query", ["A160502", "a160502", " A160502 ", "Ａ１６０５０２"])
def test_code_lookup_is_case_and_width_insensitive(ix, query):
    result = search(ix, query)
    assert result.mode == "code"
    assert {(h.department, h.code) for h in result.hits} == {("行政审批", "A160502"), ("工业和信息化", "A160502")}


def test_subject_code_lookup(ix):
    result = search(ix, "2010306")
    assert result.mode == "code"
    assert result.hits[0].to_json()["code"] == "2010306"
    assert search(ix, "208").hits[0].code == "2080505"  # prefix of a 科目 code: its descendants


def test_number_that_is_no_code_is_searched_as_text(ix):
    result = search(ix, "12345")
    assert result.mode == "all"
    assert titles(result) == ["12345政务服务热线服务经费"]


# --------------------------------------------------------------------------- synonyms and segmentation


def test_synonym_expansion_finds_the_spelled_out_forms(ix):
    found = titles(search(ix, "刻章"))
    assert "新办企业印章刻制补助" in found  # 刻章 → 印章刻制
    assert "刻制公章经费" in found  # 刻章 → 刻制公章
    assert "企业开办印章免费刻制服务" in found  # all words of 印章刻制, not adjacent
    assert titles(search(ix, "残保金")) == ["残疾人就业保障金"]
    assert {"网络安全等级保护测评服务", "网络安全等级保护测评经费"} <= set(titles(search(ix, "等保测评")))


def test_abbreviated_hotline_finds_the_full_name(ix):
    assert titles(search(ix, "12345热线")) == ["12345政务服务热线服务经费"]


def test_synonym_file_is_data_with_many_general_entries():
    synonyms = Synonyms.load()
    assert len(synonyms.expansions) >= 30
    assert "网络安全等级保护" in synonyms.expand("等保")
    assert "残疾人就业保障金" in synonyms.expand("残保金")
    assert set(synonyms.expand("刻章")) >= {"刻制印章", "印章刻制"}
    parsed = Synonyms.parse("# comment\n政采\t政府采购\n政采\t政府购买\n")
    assert parsed.expand("政采") == ("政府采购", "政府购买")
    with pytest.raises(ValueError, match="line 1"):
        Synonyms.parse("孤词\n")


def test_dictionary_derives_recurring_subterms_and_synonym_terms():
    names = ["网络安全等级保护测评服务", "网络安全等级保护咨询服务", "网络安全检查服务", "网络安全应急演练服务",
             "政务云资源服务", "政务云平台运维服务", "城乡居民基本养老保险", "城乡居民基本医疗保险"]
    words = build_dictionary(names, make_segmenter(), proper_names=["永和县"], synonyms=Synonyms.load())
    assert {"等级保护", "政务云", "永和县", "等保", "刻章"} <= set(words)
    assert "网络安全等级保护测评服务" not in words  # whole names are not words
    assert "网络安全等级" not in words  # 网络安全 goes on in many ways: no term
    assert "城乡居民基本" not in words  # 基本 modifies what follows
    assert not any(w.endswith("服务") for w in words if w not in Synonyms.load().expansions)


def test_index_keeps_its_dictionary_and_segmenter(index_dir):
    words = (index_dir / "dictionary.txt").read_text(encoding="utf-8").split()
    assert "等保" in words
    manifest = (index_dir / "budgetkg-search.json").read_text(encoding="utf-8")
    assert '"segmenter": "rjieba"' in manifest or '"segmenter": "jieba"' in manifest


# --------------------------------------------------------------------------- all / any, boosts


def test_all_words_are_required_by_default(ix):
    result = search(ix, "政务 热线")
    assert result.mode == "all"
    assert titles(result) == ["12345政务服务热线服务经费"]


def test_falls_back_to_any_word_when_no_document_has_all(ix):
    result = search(ix, "刻制 热线")
    assert result.mode == "any"
    assert result.notice and "any" in result.notice
    assert {"刻制公章经费", "12345政务服务热线服务经费"} <= set(titles(result))


def test_title_match_ranks_above_body_match(ix):
    found = search(ix, "标准化", per_page=20).hits
    assert [h.type for h in found] == ["project"] * 12 + ["unit"]  # the unit has 标准化 only in its duties
    assert titles(search(ix, "物业管理"))[0] in {"物业管理服务", "物业管理费"}


# --------------------------------------------------------------------------- filters, facets, pages, sort


def test_filters_restrict_results(ix):
    result = search(ix, "经费", type="project", year=2025, region="孝义市")
    assert result.total >= 2
    assert all(h.type == "project" and h.year == 2025 and h.region == "孝义市" for h in result.hits)
    assert search(ix, "服务", revision="B2023").total == 2
    assert {h.code for h in search(ix, "服务", department="行政审批", type="catalog_entry").hits} >= {"A160502"}
    assert titles(search(ix, "经费", unit=ZEZHOU)) == ["政协全体会议经费"]
    assert search(ix, "经费", unit="没有这个单位").total == 0


def test_facets_count_each_filter_without_its_own_value(ix):
    result = search(ix, "经费", year=2025)
    assert result.facets["year"]["2025"] == result.total
    assert result.facets["year"]["2024"] >= 12  # other years stay visible while 2025 is chosen
    assert sum(result.facets["type"].values()) == result.total
    unfiltered = search(ix, "服务")
    assert sum(unfiltered.facets["type"].values()) == unfiltered.total
    assert unfiltered.facets["revision"]["B2023"] == 2


def test_pagination_walks_the_whole_result_without_overlap(ix):
    first = search(ix, "政务服务标准化", per_page=5)
    total = first.total
    assert total >= 12
    seen: list[str] = []
    for page in range(1, first.pages + 1):
        result = search(ix, "政务服务标准化", per_page=5, page=page)
        assert result.page == page and result.total == total
        seen += ids(result)
    assert len(seen) == len(set(seen)) == total
    assert search(ix, "政务服务标准化", per_page=5, page=first.pages + 1).hits == []


def test_sort_by_amount_is_largest_first_with_unknown_amounts_last(ix):
    result = search(ix, "经费", type="project", sort="amount", per_page=100)
    amounts = [h.amount for h in result.hits]
    known = [a for a in amounts if a is not None]
    assert known == sorted(known, reverse=True)
    assert amounts[-1] is None  # 政协全体会议经费 has no amount
    assert result.hits[0].title == "12345政务服务热线服务经费"


def test_empty_query_with_a_filter_lists_the_filtered_documents(ix):
    result = search(ix, "", type="subject")
    assert result.total == 2 and result.mode == "all"


# --------------------------------------------------------------------------- hits and highlights


def test_highlights_escape_html_from_documents_and_queries(ix):
    result = search(ix, "<script> 物业管理")
    hit = next(h for h in result.hits if h.type == "paragraph")
    joined = "".join(hit.highlights)
    assert "<script" not in joined and "<b>" not in joined
    assert "&lt;" in joined and "&amp;" in joined
    assert "<mark>script</mark>" in joined and "<mark>物业管理</mark>" in joined
    for h in result.hits:
        text = "".join(h.highlights).replace("<mark>", "").replace("</mark>", "")
        assert "<" not in text


def test_hit_json_carries_source_and_identifying_fields(ix):
    project_hit = search(ix, "刻制公章经费").hits[0].to_json()
    assert project_hit["type"] == "project"
    assert project_hit["unit"] == YONGHE and project_hit["name"] == "刻制公章经费"
    assert project_hit["source"] == {"file": "003_42cc39b7b76e33fd.txt", "line": 101}
    assert project_hit["amount"] == "10.00"
    assert {"id", "title", "score", "highlights"} <= project_hit.keys()
    entry_hit = search(ix, "B1102").hits[0].to_json()
    assert (entry_hit["revision"], entry_hit["department"], entry_hit["code"]) == ("B2023", None, "B1102")
    unit_hit = search(ix, YONGHE, type="unit").hits[0].to_json()
    assert unit_hit["name"] == YONGHE
    assert search(ix, "2080505").hits[0].to_json()["code"] == "2080505"


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "query",
    ['"物业管理', "物业管理”", "AND", "OR OR", "NOT", "*", "(", ")", "()", "?", "-", '"', '""', "「」", "、。", "  ",
     "\x00", "A" * 10_000, "物业" * 5_000, "a AND (b OR", "物业 AND 管理", "**物业**", "\\", "'"],
)
def test_malformed_queries_give_a_result_or_a_clear_query_error(ix, query):
    try:
        result = search(ix, query)
    except QueryError as exc:
        assert exc.message and "Traceback" not in exc.message
    else:
        assert isinstance(result, SearchResult)
        assert result.total >= 0


@pytest.mark.parametrize("query", ["", "   ", "AND", "*", "(", '""', "的"])
def test_queries_with_nothing_to_search_raise_query_error(ix, query):
    with pytest.raises(QueryError):
        search(ix, query)


def test_overlong_query_is_cut_with_a_notice(ix):
    result = search(ix, "物业管理 " * 100)
    assert result.notice and "200" in result.notice
    assert "物业管理服务" in titles(result)


def test_unbalanced_quote_and_operators_are_ignored_with_a_notice(ix):
    result = search(ix, '"物业管理')
    assert result.notice and "quote" in result.notice
    assert "物业管理服务" in titles(result)
    result = search(ix, "物业 AND 管理*")
    assert result.notice and "operators" in result.notice
    assert "物业管理服务" in titles(result)


@pytest.mark.parametrize(
    "request_fields",
    [{"page": 0}, {"page": -1}, {"per_page": 0}, {"per_page": 1000}, {"sort": "price"}, {"type": "projekt"}],
)
def test_invalid_request_fields_raise_query_error(ix, request_fields):
    with pytest.raises(QueryError):
        search(ix, "服务", **request_fields)


# --------------------------------------------------------------------------- building and swapping


def test_open_index_keeps_answering_while_another_directory_is_built_and_swapped_in(tmp_path, ix, index_dir, engine):
    before = ids(search(ix, "物业管理"))
    other = tmp_path / "index-2"
    build_index([DOCS[0]], other, dictionary_words=[DOCS[0].title], engine=engine)
    live = tmp_path / "current"
    assert swap_in(index_dir, live) is None
    previous = swap_in(other, live)
    assert previous == index_dir.resolve()
    assert ids(search(ix, "物业管理")) == before  # the open index still reads its own files
    with open_index(live) as fresh:
        assert fresh.search(SearchRequest(query="物业管理")).total == 0
        assert fresh.search(SearchRequest(query="刻制")).total == 1


def test_build_refuses_a_directory_that_holds_something(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(FileExistsError, match="fresh directory"):
        build_index(DOCS[:2], tmp_path / "busy")


def test_failed_build_leaves_no_directory_behind(tmp_path):
    with pytest.raises(ValueError, match="duplicate"):
        build_index([DOCS[0], DOCS[0]], tmp_path / "index")
    assert list(tmp_path.iterdir()) == []


def test_opening_a_missing_index_says_so(tmp_path):
    with pytest.raises(IndexUnavailable, match="no search index"):
        open_index(tmp_path / "nowhere")


def test_jieba_backend_answers_like_rjieba(tmp_path, ix, engine):
    directory = tmp_path / "jieba-index"
    build_index(DOCS, directory, dictionary_words=[d.title for d in DOCS], segmenter="jieba", engine=engine)
    with open_index(directory) as jieba_ix:
        for query in ["刻章", '"物业管理"', "等保测评", "A1605", "12345热线", "政务 热线"]:
            assert ids(search(jieba_ix, query)) == ids(search(ix, query))


def test_index_remembers_its_engine_and_opens_with_it(index_dir, engine):
    with open_index(index_dir) as reopened:
        assert reopened.manifest["engine"] == engine
        assert type(reopened).__name__.lower().startswith(engine)


def test_engines_rank_the_same_documents_first(tmp_path):
    """The engines score with their own BM25 (whoosh's quantised BM25F, tantivy's), so equal scores may order
    differently, but the same documents must match and the best hit must agree."""
    opened = {}
    for name in ("tantivy", "whoosh"):
        build_index(DOCS, tmp_path / name, dictionary_words=[d.title for d in DOCS], engine=name)
        opened[name] = open_index(tmp_path / name)
    try:
        for query in ["物业管理", "刻章", '"政务服务"', "A1605", "等保测评", "永和县 政务服务"]:
            a, b = (search(opened[n], query, per_page=100) for n in ("tantivy", "whoosh"))
            assert set(ids(a)) == set(ids(b)), query
            assert a.facets == b.facets, query
            assert a.hits and ids(a)[0] == ids(b)[0], query
    finally:
        for index in opened.values():
            index.close()


def test_unknown_engine_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="unknown search engine 'lucene'"):
        build_index(DOCS[:1], tmp_path / "index", engine="lucene")


def test_search_doc_json_round_trip():
    doc = DOCS[8]
    assert SearchDoc.from_json(doc.to_json()) == doc
