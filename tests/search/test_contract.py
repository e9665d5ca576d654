"""The SearchBackend contract: every backend passes these, over the same fictional pages."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from archive_schema.search import (
    Access, EntityRef, Grant, PageDoc, Query, QuerySyntaxError, SearchBackend, SearchError, name_key,
    open_search, parse_query,
)

from .test_relevance import corpus


def page(page_id: str, item_id: str = "item-1", number: int = 1, text: str = "", **meta) -> PageDoc:
    return PageDoc(page_id, item_id, number, text, **{"classification": "public", **meta})


def page_ids(backend, q: str = "", **options) -> list[str]:
    results = backend.search(Query.parse(q, **{"pages_per_item": 50, **options}))
    return [p.page_id for item in results.items for p in item.pages]


def test_backend_implements_the_interface(backend):
    assert isinstance(backend, SearchBackend)


def test_index_is_an_upsert_by_page_id(backend):
    backend.index([page("p1", text="Коваленко"), page("p2", number=2, text="Шевчук")])
    backend.index([page("p1", text="Бондаренко")])
    backend.refresh()
    assert backend.count() == 2
    assert sorted(backend.ids()) == ["p1", "p2"]
    assert page_ids(backend, "Бондаренко") == ["p1"]
    assert page_ids(backend, "Коваленко") == []


def test_delete_pages_and_whole_items(backend):
    backend.index([page("a1", "A", 1, "x"), page("a2", "A", 2, "x"), page("b1", "B", 1, "x")])
    backend.refresh()
    backend.delete(page_ids=["b1"])
    backend.refresh()
    assert sorted(backend.ids()) == ["a1", "a2"]
    backend.delete(item_id="A")
    backend.refresh()
    assert backend.count() == 0


def test_replace_swaps_all_pages_of_the_given_items(backend):
    """Re-extraction gives an item new page ids: replace drops the old pages and adds the new ones."""
    backend.index([page("a1", "A", 1, "Оленівка"), page("a2", "A", 2, "Оленівка"), page("b1", "B", 1, "Оленівка")])
    backend.refresh()
    assert backend.replace(["A", "C"], [page("a9", "A", 1, "Таганрог"), page("c1", "C", 1, "Таганрог")]) == 2
    backend.refresh()
    assert sorted(backend.ids()) == ["a9", "b1", "c1"]
    assert page_ids(backend, "Оленівка") == ["b1"]
    assert backend.replace(["B"], []) == 0  # an item that lost its pages
    backend.refresh()
    assert sorted(backend.ids()) == ["a9", "c1"]


def test_rebuild_swaps_in_a_new_index_and_clear_empties_it(backend):
    backend.index([page("old", text="x")])
    backend.refresh()
    assert backend.rebuild([page("new1", text="x"), page("new2", text="x")]) == 2
    backend.refresh()
    assert sorted(backend.ids()) == ["new1", "new2"]
    backend.clear()
    backend.refresh()
    assert backend.count() == 0 and list(backend.ids()) == []


def test_results_group_pages_by_item_with_page_numbers_and_snippets(backend):
    backend.index([page("p3", "I", 3, "Коваленка <b>допитували</b> & били"),
                   page("p1", "I", 1, "Коваленко затриманий"), page("p2", "I", 2, "нічого")])
    backend.refresh()
    results = backend.search(Query.parse("Kovalenko"))
    assert (results.total_pages, results.total_items) == (2, 1)
    [item] = results.items
    assert [p.page_number for p in item.pages] == [1, 3]
    assert item.pages[1].snippet == "<mark>Коваленка</mark> &lt;b&gt;допитували&lt;/b&gt; &amp; били"


def test_access_is_a_filter_inside_the_query(backend):
    backend.index([
        page("pub", text="Мельник", classification="public"),
        page("conf-a", "I2", text="Мельник", classification="confidential", case_ids=("A",)),
        page("conf-b", "I3", text="Мельник", classification="confidential", case_ids=("B",)),
        page("seal-a", "I4", text="Мельник", classification="under_seal", case_ids=("A",)),
    ])
    backend.refresh()
    member_of_a = Access((Grant(frozenset({"public"})), Grant(frozenset({"confidential"}), frozenset({"A"}))))
    assert sorted(page_ids(backend, "Мельник")) == ["pub"]
    assert backend.search(Query.parse("Мельник")).total_pages == 1  # counts, not just hits
    assert sorted(page_ids(backend, "Мельник", access=member_of_a)) == ["conf-a", "pub"]
    assert sorted(page_ids(backend, "Мельник", access=Access.everything())) == ["conf-a", "conf-b", "pub", "seal-a"]
    assert page_ids(backend, "Мельник", access=Access(())) == []


def test_facets_filters_and_sort(backend):
    backend.index(corpus())
    backend.refresh()
    query = Query.parse("Kovalenko", access=Access.everything(),
                        facets=("person", "place", "doc_type", "language", "collection", "month"))
    results = backend.search(query)
    people = {b.value: (b.label, b.count) for b in results.facets["person"]}
    assert people["per-ivan"][1] == 5
    assert [b.value for b in results.facets["month"]] == sorted(b.value for b in results.facets["month"])
    assert sum(b.count for b in results.facets["language"]) == results.total_pages
    assert page_ids(backend, "Kovalenko", languages=("en",), date_from=date(2022, 1, 1)) == ["e1"]
    dated = backend.search(Query.parse("Kovalenko", sort="date", pages_per_item=1))
    starts = [i.date_start for i in dated.items if i.date_start]
    assert starts == sorted(starts)
    newest = backend.search(Query.parse("Kovalenko", sort="-date"))
    assert newest.items[0].date_start == max(starts)


def test_a_cross_script_phrase_leaves_its_function_words_open_and_keeps_the_others_in_order(backend):
    """A Latin phrase finds the Cyrillic one whatever stands at its function word's place, but only there."""
    backend.index([page("and", text="Допит: Коваленко та Петренко разом у камері"),
                   page("apart", text="Коваленко та інший Петренко"),
                   page("reversed", text="Петренко та Коваленко"),
                   page("en", text="Kovalenko and Petrenko were held together")])
    backend.refresh()
    assert sorted(page_ids(backend, '"Kovalenko i Petrenko"')) == ["and", "en"]
    assert sorted(page_ids(backend, '"Коваленко і Петренко"')) == ["and", "en"]
    assert sorted(page_ids(backend, '"Коваленко та Петренко"')) == ["and", "en"]


def test_a_phrase_of_one_word_and_function_words_is_no_cross_script_word_search(backend):
    """The key variant of "the Kovalenko" would be the bare name: only the lemma phrase is asked."""
    backend.index([page("name", text="Коваленко прийшов"), page("phrase", text="the Kovalenko family")])
    backend.refresh()
    assert page_ids(backend, '"the Kovalenko"') == ["phrase"]
    assert page_ids(backend, '"of the"') == []


def test_a_phrase_of_two_function_words_finds_exactly_the_pages_where_they_stand_together(backend):
    """Such a phrase is looked up as one token (the pair), and must still mean the phrase."""
    backend.index([page("adjacent", text="He was taken to the camp"),
                   page("apart", text="taken to a camp, the guards"),
                   page("reversed", text="the camp to which"),
                   page("last", text="nowhere else to go, as was said: to the"),
                   page("uk", text="Він був у таборі"), page("uk-apart", text="він тоді був удома")])
    backend.refresh()
    assert sorted(page_ids(backend, '"to the"')) == ["adjacent", "last"]
    assert page_ids(backend, '"the to"') == []
    assert page_ids(backend, '"Він був"') == ["uk"]
    assert sorted(page_ids(backend, '"він був"~1')) == ["uk", "uk-apart"]  # with slop: positions, as before
    assert sorted(page_ids(backend, '"was taken to the"')) == ["adjacent"]


def test_pagination_by_items(backend):
    backend.index([page(f"p{i}", f"item-{i:02d}", 1, "Коваленко") for i in range(25)])
    backend.refresh()
    first = backend.search(Query.parse("Коваленко", size=10))
    third = backend.search(Query.parse("Коваленко", size=10, page=3))
    assert first.total_items == 25 and len(first.items) == 10 and len(third.items) == 5
    assert not {i.item_id for i in first.items} & {i.item_id for i in third.items}


def test_both_backends_agree_on_the_relevance_corpus(tmp_path, elasticsearch_url):
    from .conftest import make_backend

    backends = [make_backend(kind, tmp_path / kind, elasticsearch_url) for kind in ("embedded", "elasticsearch")]
    for b in backends:
        b.index(corpus())
        b.refresh()
    for q in ["Коваленко", "\"Іван Коваленко\"", "Kovalenkp~", "Kova*", "СІЗО №2", "date:2022-03"]:
        embedded, elastic = (b.search(Query.parse(q, access=Access.everything(), pages_per_item=50))
                             for b in backends)
        assert embedded.total_pages == elastic.total_pages
        assert ({(i.item_id, p.page_id, p.snippet) for i in embedded.items for p in i.pages}
                == {(i.item_id, p.page_id, p.snippet) for i in elastic.items for p in i.pages})
    for b in backends:
        b.close()


@pytest.mark.parametrize("bad", ['"unclosed', "(a", "zz:x", "date:2022-13", "k?v", "a:b:c", "/re/",
                                 "date:2022-05..2022-01", "AND", "x~7"])
def test_malformed_query_raises_query_syntax_error(bad):
    with pytest.raises(QuerySyntaxError):
        parse_query(bad)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab: "()*~-^[]{}/\\!?+&|TOANDRNOTkі2.')), max_size=30))
def test_any_input_parses_or_raises_query_syntax_error(text):
    try:
        parse_query(text)
    except QuerySyntaxError:
        pass


@pytest.mark.parametrize("variants", [
    ["Коваленко", "Kovalenko", "Kowalenko"],
    ["Харків", "Харьков", "Kharkiv", "Kharkov"],
    ["Щербина", "Shcherbyna", "Szczerbyna", "Schtscherbina"],
    ["Юрій", "Юрий", "Yuriy", "Jurij", "Iurii"],
    ["Чернігів", "Chernihiv", "Tschernihiw", "Czernihów", "Chernigov"],
])
def test_name_key_meets_across_scripts_and_systems(variants):
    assert len({name_key(v) for v in variants}) == 1


def test_entities_carry_labels():
    with pytest.raises(SearchError):
        PageDoc("p", "i", 1, "", entities=(EntityRef("e", "pet", "x"),))


def test_elasticsearch_warns_when_its_index_was_built_by_an_older_schema(elasticsearch_url, tmp_path, caplog):
    """An index of schema version 1 lacks the key phrase analyzer: the operator is told to reindex."""
    from elasticsearch import Elasticsearch

    from bench.osmem_node import PlainJsonNode

    client = Elasticsearch(elasticsearch_url, node_class=PlainJsonNode)
    client.indices.create(index="old-pages-v1-1")
    client.indices.update_aliases(actions=[{"add": {"index": "old-pages-v1-1", "alias": "old-pages"}}])
    with caplog.at_level("WARNING", logger="archive_schema.search.elastic"):
        search = open_search(elasticsearch_url, tmp_path, prefix="old", node_class=PlainJsonNode)
    assert "old-pages-v1-1" in caplog.text and "svidok reindex" in caplog.text
    search.rebuild([])
    caplog.clear()
    with caplog.at_level("WARNING", logger="archive_schema.search.elastic"):
        open_search(elasticsearch_url, tmp_path, prefix="old", node_class=PlainJsonNode).close()
    assert caplog.text == ""
    search.close()
    client.close()


def test_the_embedded_index_warns_when_an_older_schema_built_it(tmp_path, caplog):
    home = tmp_path / "home"
    (home / "index" / "g1-1").mkdir(parents=True)
    (home / "index" / "CURRENT").write_text("g1-1")
    with caplog.at_level("WARNING", logger="archive_schema.search.embedded"):
        search = open_search(None, home)
    assert "g1-1" in caplog.text and "svidok reindex" in caplog.text
    search.rebuild([page("p1", text="x")])
    search.close()
    caplog.clear()
    with caplog.at_level("WARNING", logger="archive_schema.search.embedded"):
        search = open_search(None, home)
    assert caplog.text == "" and search.count() == 1
    search.close()
