"""The Chroma adapter (index/store.py) on an embedded store in a tmp dir, with vectors set by the test:
upsert, get, delete and paging by id, cosine search with the retriever's filters, generations, errors."""
from __future__ import annotations

import httpx
import pytest
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.index import store as store_module
from assistant.index.store import Store
from assistant.retrieval.hybrid import Filters


class NoEmbeddings(Embeddings):
    """The store only records the embedder's id; every vector here is given by the test."""

    model_id = "test:given-vectors"

    def embed_documents(self, texts):
        raise AssertionError("the adapter must not embed: vectors come from ingest")

    def embed_query(self, text):
        raise AssertionError("the adapter must not embed: searches pass a vector")


A, B, C = [1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(Settings(store_dir=tmp_path / "store"), NoEmbeddings())
    s.upsert(["a", "b", "c"], ["甲。", "乙。", "丙。"],
             [{"source": "x.txt", "date_ymd": 20190520}, {"source": "y.txt", "date_ymd": 20230602},
              {"source": "x.txt", "date_ymd": 0}], [A, B, C])
    return s


def test_get_returns_the_asked_chunks_in_the_asked_order_and_skips_unknown_ids(store):
    got = store.get(["c", "nope", "a"])
    assert [(c.chunk_id, c.text, c.metadata["source"]) for c in got] == [("c", "丙。", "x.txt"), ("a", "甲。", "x.txt")]
    assert store.count() == 3


def test_upserting_an_id_again_replaces_its_text_vector_and_the_metadata_keys_given(store):
    store.upsert(["a"], ["甲二。"], [{"source": "z.txt"}], [C])
    assert store.count() == 3
    (a,) = store.get(["a"])
    assert a.text == "甲二。" and a.metadata["source"] == "z.txt"
    assert a.metadata["date_ymd"] == 20190520  # Chroma merges metadata: a key left out keeps its old value
    assert store.dense_search(C, 1)[0].chunk_id in {"a", "c"}  # its vector was replaced too
    store.upsert([], [], [], [])  # nothing to write is no error


def test_dense_search_ranks_by_cosine_and_scores_it(store):
    hits = store.dense_search(A, 3)
    assert [h.chunk_id for h in hits] == ["a", "b", "c"]
    assert [h.score for h in hits] == pytest.approx([1.0, 0.6, 0.0], abs=1e-4)  # 1 - cosine distance
    assert hits[1].text == "乙。" and hits[1].metadata["source"] == "y.txt"
    assert [h.chunk_id for h in store.dense_search(A, 1)] == ["a"]


def test_dense_search_applies_the_retrievers_filters(store):
    assert [h.chunk_id for h in store.dense_search(A, 3, Filters(source="x.txt").where())] == ["a", "c"]
    assert [h.chunk_id for h in store.dense_search(A, 3, Filters(date_from="2020").where())] == ["b"]
    between = Filters(source="x.txt", date_from="2019-05", date_to="2019-05-31").where()
    assert [h.chunk_id for h in store.dense_search(A, 3, between)] == ["a"]


def test_delete_and_iter_all_work_page_by_page(store, monkeypatch):
    monkeypatch.setattr(store_module, "_PAGE", 2)
    store.upsert(["d", "e"], ["丁。", "戊。"], [{"source": "y.txt"}, {"source": "y.txt"}], [B, C])
    seen = list(store.iter_all())
    assert sorted(c.chunk_id for c in seen) == ["a", "b", "c", "d", "e"]
    assert {c.chunk_id: c.text for c in seen}["d"] == "丁。"
    assert {c.text for c in store.iter_all(include_documents=False)} == {""}  # metadata only
    store.delete(["a", "b", "d", "unknown"])
    assert sorted(c.chunk_id for c in store.iter_all()) == ["c", "e"] and store.count() == 2


def test_update_metadata_keeps_the_text_and_the_vector(store):
    store.update_metadata(["a", "b"], [{"source": "x.txt", "meta_version": 2}, {"source": "y.txt", "meta_version": 2}])
    (a,) = store.get(["a"])
    assert a.text == "甲。" and a.metadata["meta_version"] == 2
    assert store.dense_search(A, 1)[0].chunk_id == "a"


def test_stored_state_groups_ids_by_source_with_hashes_and_the_oldest_metadata_version(tmp_path):
    s = Store(Settings(store_dir=tmp_path / "store"), NoEmbeddings())
    s.upsert(["a1", "a2", "b1"], ["1", "2", "3"],
             [{"source": "a.txt", "article_hash": "h1", "meta_version": 2},
              {"source": "a.txt", "article_hash": "h1", "meta_version": 1},
              {"source": "b.txt", "article_hash": "h2", "meta_version": 2}], [A, B, C])
    ids, hashes, versions = s.stored_state()
    assert ids == {"a.txt": {"a1", "a2"}, "b.txt": {"b1"}}
    assert hashes == {"h1": "a.txt", "h2": "b.txt"}
    assert versions == {"a.txt": 1, "b.txt": 2}
    assert s.ids_by_source() == ids


def test_the_generation_changes_with_each_write_and_survives_reopening(tmp_path):
    settings = Settings(store_dir=tmp_path / "store")
    s = Store(settings, NoEmbeddings())
    assert s.generation() == "new"
    first, second = s.set_generation(), s.set_generation()
    assert first != second and s.generation() == second
    assert s.set_generation("dirty") == "dirty"
    assert Store(settings, NoEmbeddings(), create=False).generation() == "dirty"
    assert s.collection.metadata["embedder"] == "test:given-vectors"  # the other keys are kept


def test_a_missing_collection_is_not_created_when_only_reading(tmp_path):
    with pytest.raises(StoreError, match="no articles yet.*assistant ingest"):
        Store(Settings(store_dir=tmp_path / "store"), NoEmbeddings(), create=False)


def test_the_data_is_on_disk_for_the_next_process(store):
    again = Store(store.settings, NoEmbeddings(), create=False)
    assert again.count() == 3 and again.dense_search(B, 1)[0].chunk_id == "b"


def test_a_server_lost_mid_call_is_a_store_error_naming_it(store, monkeypatch):
    class Gone:
        def count(self):
            raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(Store, "collection", property(lambda self: Gone()))
    with pytest.raises(StoreError, match=f"Lost the Chroma server at {store.location}.*ConnectError"):
        store.count()
