"""Ingest into a real Chroma store in tmp dirs: idempotent, incremental, pruning, exact offsets, kill-safe.

One store is ingested from the seeds per module (real e5 embedder); tests that change articles work on
a copy of it and on a copy of the seeds folder (chunk ids depend on the file name, not its folder).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.app import Assistant
from assistant.corpus.chunking import chunk_article
from assistant.config import PROJECT_ROOT, Settings, force_offline
from assistant.corpus.reader import article_hash, load_articles, read_article
from assistant.errors import StoreError
from assistant.index.keyword import KeywordIndex
from assistant.index.store import Store, drop_collection

SEEDS = PROJECT_ROOT / "seeds"
S0, S1, S2, S3, S4 = sorted(p.name for p in SEEDS.glob("*.txt"))
QUERY = "瑞安建成了多少家博士后工作站?"
# appended to the last paragraph of S3 (its cleaned text ends there; the source line after it is dropped)
S3_LAST = "不斷增強高新區發展的內生動力。"
S3_NEW = "此外,高新區宣布明年將建成首座量子咖啡實驗室。"
JSON_KEYS = {"articles", "chunks_added", "chunks_removed", "chunks_unchanged", "seconds"}
KILL_AFTER = (0, 16, 32, 48)  # chunks written (of 56, in upserts of 8) when the ingest is SIGKILLed


class FakeEmbeddings(Embeddings):
    """LangChain Embeddings with a model_id and deterministic 8-d vectors: no model load."""

    def __init__(self, model_id: str):
        self.model_id = model_id

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [b / 255 + 0.01 for b in hashlib.sha256(text.encode("utf-8")).digest()[:8]]


@dataclass
class Seeded:
    store_dir: Path
    assistant: Assistant
    report: object  # IngestReport of the fresh ingest
    ids: dict[str, set[str]]  # source → chunk ids

    @property
    def all_ids(self) -> set[str]:
        return set().union(*self.ids.values())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, embeddings) -> Seeded:
    store_dir = tmp_path_factory.mktemp("gold") / "store"
    assistant = Assistant(Settings(store_dir=store_dir), embeddings=embeddings)
    report = assistant.ingest([SEEDS])
    return Seeded(store_dir, assistant, report, assistant.store.ids_by_source())


def copy_store(seeded: Seeded, tmp_path: Path, embeddings) -> Assistant:
    """A separate Assistant over a copy of the module's ingested store (nothing writes to it meanwhile)."""
    shutil.copytree(seeded.store_dir, tmp_path / "store")
    return Assistant(Settings(store_dir=tmp_path / "store"), embeddings=embeddings)


def copy_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


def all_ids(assistant: Assistant) -> list[str]:
    return [c.chunk_id for c in assistant.store.iter_all(include_documents=False)]


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("assistant")  # .venv/bin/assistant
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant"]


def cli_env(store_dir: Path, **extra: str) -> dict:
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "ASSISTANT_STORE_DIR": str(store_dir), "PYTHONPATH": path, **extra}


# -- 1. idempotency --------------------------------------------------------------------------------

def test_a_second_ingest_of_the_seeds_writes_nothing(seeded, embeddings):
    first = seeded.report
    total = sum(len(ids) for ids in seeded.ids.values())
    assert (first.articles, first.chunks_added, first.chunks_removed, first.chunks_unchanged) == (5, total, 0, 0)
    again = Assistant(Settings(store_dir=seeded.store_dir), embeddings=embeddings)  # as a new `assistant ingest`
    report = again.ingest([SEEDS])
    assert (report.articles, report.chunks_added, report.chunks_removed, report.chunks_unchanged) == (5, 0, 0, total)
    assert report.warnings == ()
    ids = all_ids(again)
    assert len(ids) == len(set(ids)) == again.store.count() == total
    assert again.store.ids_by_source() == seeded.ids
    assert again.store.generation() not in ("", "dirty", "new")


# -- 2. a changed article --------------------------------------------------------------------------

def test_a_changed_article_replaces_only_its_own_chunks(seeded, embeddings, tmp_path):
    folder = copy_seeds(tmp_path)
    raw = (folder / S3).read_text(encoding="utf-8")
    assert raw.count(S3_LAST) == 1
    (folder / S3).write_text(raw.replace(S3_LAST, S3_LAST + S3_NEW), encoding="utf-8")
    edited = read_article(folder / S3)
    assert edited.text.endswith(S3_LAST + S3_NEW)  # the edit is the article's new end, not page furniture

    assistant = copy_store(seeded, tmp_path, embeddings)
    report = assistant.ingest([folder])
    after = assistant.store.ids_by_source()
    before = seeded.ids
    added, removed = after[S3] - before[S3], before[S3] - after[S3]
    assert report.chunks_added == len(added) > 0
    assert report.chunks_removed == len(removed) > 0
    assert report.chunks_unchanged == len(seeded.all_ids) - len(removed)
    assert {src: after[src] for src in (S0, S1, S2, S4)} == {src: before[src] for src in (S0, S1, S2, S4)}
    assert after[S3] == {c.chunk_id for c in chunk_article(edited, assistant.settings.chunk_size,
                                                            assistant.settings.chunk_overlap)}
    # chunks kept from the old version carry the new version's metadata too
    metas = [c.metadata for c in assistant.store.get(sorted(after[S3]))]
    assert {(m["article_hash"], m["n_chunks"]) for m in metas} == {(article_hash(edited), len(after[S3]))}

    passages = assistant.search("量子咖啡實驗室", k=3, source=S3)
    assert passages and all(p.source == S3 for p in passages)
    assert S3_NEW in passages[0].text and passages[0].chunk_id in added


# -- 3. deleted articles and single files ----------------------------------------------------------

def test_a_single_file_ingest_keeps_the_others_and_a_folder_ingest_prunes_deleted_articles(
        seeded, embeddings, tmp_path):
    folder = copy_seeds(tmp_path)
    assistant = copy_store(seeded, tmp_path, embeddings)

    one = assistant.ingest([folder / S0])
    assert (one.articles, one.chunks_added, one.chunks_removed, one.chunks_unchanged) == (1, 0, 0, len(seeded.ids[S0]))
    assert assistant.store.ids_by_source() == seeded.ids

    (folder / S4).unlink()
    kept = assistant.ingest([folder], prune=False)
    assert (kept.chunks_added, kept.chunks_removed) == (0, 0)
    assert assistant.store.ids_by_source() == seeded.ids

    pruned = assistant.ingest([folder])
    assert (pruned.articles, pruned.chunks_added, pruned.chunks_removed) == (4, 0, len(seeded.ids[S4]))
    assert pruned.chunks_unchanged == len(seeded.all_ids) - len(seeded.ids[S4])
    assert assistant.store.ids_by_source() == {src: ids for src, ids in seeded.ids.items() if src != S4}
    assert assistant.store.count() == len(seeded.all_ids) - len(seeded.ids[S4])
    assert assistant.search("魯港科学技術革新協力交流会", k=5, source=S4) == []
    assert all(p.source != S4 for p in assistant.search("魯港科学技術革新協力交流会", k=5))


# -- 4. what each stored chunk carries -------------------------------------------------------------

def test_every_stored_chunk_carries_its_article_metadata_and_exact_offsets(seeded):
    articles = {a.source: a for a in load_articles(SEEDS)[0]}
    store, settings = seeded.assistant.store, seeded.assistant.settings
    stored = store.get(sorted(c.chunk_id for c in store.iter_all(include_documents=False)))
    assert len(stored) == len(seeded.all_ids)
    per_source: dict[str, set[str]] = {}
    for chunk in stored:
        meta = chunk.metadata
        art = articles[meta["source"]]  # the file name, as in the seeds folder
        assert meta["title"] == art.title != ""
        assert meta["lang"] == art.lang != ""
        assert isinstance(meta["start"], int) and isinstance(meta["end"], int)
        assert 0 <= meta["start"] < meta["end"] <= len(art.text)
        assert chunk.text == art.text[meta["start"]:meta["end"]] == chunk.text.strip()
        assert meta["article_hash"] == article_hash(art)
        per_source.setdefault(art.source, set()).add(chunk.chunk_id)
    for source, art in articles.items():  # the store holds exactly what the chunker makes
        expected = chunk_article(art, settings.chunk_size, settings.chunk_overlap)
        assert per_source[source] == {c.chunk_id for c in expected}
    assert {m["lang"] for m in (c.metadata for c in stored)} == {"zh-Hans", "zh-Hant", "ja"}


# -- 5. a killed ingest ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_ingest_killed_midway_leaves_a_usable_store_and_the_next_ingest_completes_it(
        seeded, embeddings, tmp_path):
    batch = {"ASSISTANT_EMBED_BATCH_SIZE": "8"}  # several upserts per run, so kills land between them
    clean_dir = tmp_path / "clean"
    t0 = time.monotonic()
    done = subprocess.run([*cli_command(), "ingest", "--json", str(SEEDS)], env=cli_env(clean_dir, **batch),
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    clean_seconds = time.monotonic() - t0
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["chunks_added"] == len(seeded.all_ids)
    clean = Assistant(Settings(store_dir=clean_dir), embeddings=embeddings)
    reference = set(all_ids(clean))
    assert reference == seeded.all_ids  # the CLI and the library make the same chunks
    print(f"\nclean CLI ingest: {clean_seconds:.1f} s wall, {len(reference)} chunks")

    rows = []
    for kill_after in KILL_AFTER:  # deterministic, whatever the machine's speed (timed kills missed here)
        store_dir = tmp_path / f"killed-{kill_after}"
        # without --json the CLI draws its progress bar ("8/56 [...]") on stderr after every upsert
        proc = subprocess.Popen([*cli_command(), "ingest", str(SEEDS)], env=cli_env(store_dir, **batch),
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen, deadline = b"", time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            data = proc.stderr.read1(512)
            if not data:
                break
            seen += data
            written = re.findall(rb"\| *(\d+)/\d+ \[", seen[-600:])
            if written and int(written[-1]) >= kill_after:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait()
        proc.stderr.close()
        killed = proc.returncode == -signal.SIGKILL

        # the killed store opens and answers (or is empty when killed before the first write)
        assistant = Assistant(Settings(store_dir=store_dir), embeddings=embeddings)
        ids = all_ids(assistant)
        count, generation = assistant.store.count(), assistant.store.generation()
        assert count == len(ids) == len(set(ids))
        assert set(ids) <= reference
        passages = assistant.search(QUERY, k=3)
        if ids:
            assert passages and all(p.chunk_id in set(ids) for p in passages)
        else:
            assert passages == []

        report = assistant.ingest([SEEDS])
        after = all_ids(assistant)
        assert set(after) == reference
        assert assistant.store.count() == len(after) == len(set(after)) == len(reference)
        assert (report.chunks_added, report.chunks_removed, report.chunks_unchanged) == (
            len(reference) - len(ids), 0, len(ids))
        assert assistant.store.generation() not in ("", "dirty", "new")
        assert KeywordIndex.load(assistant.retriever.index_dir).ids() == reference  # keyword side complete too
        assert assistant.search(QUERY, k=1)[0].source == S1
        rows.append((kill_after, killed, count, generation, report.chunks_added, len(after)))

    for kill_after, killed, count, generation, added, final in rows:
        print(f"kill after {kill_after} chunks written: {'SIGKILLed' if killed else 'had finished'}; "
              f"{count} chunks left (generation {generation!r}); next ingest added {added} -> {final} chunks")
    assert sum(row[1] for row in rows) >= 3  # at least three runs really were killed midway


# -- 6. duplicates and the CLI's JSON --------------------------------------------------------------

def test_the_same_article_under_two_names_is_stored_once_with_a_warning(seeded, embeddings, tmp_path):
    folder = copy_seeds(tmp_path)
    twin = "zz_copy_of_001.txt"  # sorts after S1, so S1 keeps its chunks
    shutil.copy(folder / S1, folder / twin)
    assistant = copy_store(seeded, tmp_path, embeddings)
    report = assistant.ingest([folder])
    assert (report.articles, report.chunks_added, report.chunks_removed) == (5, 0, 0)
    assert report.chunks_unchanged == len(seeded.all_ids)
    assert len(report.warnings) == 1 and twin in report.warnings[0] and S1 in report.warnings[0]
    assert assistant.store.ids_by_source() == seeded.ids  # nothing under the twin's name

    store_dir = tmp_path / "cli-store"
    shutil.copytree(seeded.store_dir, store_dir)
    done = subprocess.run([*cli_command(), "ingest", "--json", str(folder)], env=cli_env(store_dir),
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)  # stdout is the JSON alone; warnings go to stderr
    assert JSON_KEYS <= out.keys()
    assert (out["articles"], out["chunks_added"], out["chunks_removed"], out["chunks_unchanged"]) == (
        5, 0, 0, len(seeded.all_ids))
    assert isinstance(out["seconds"], float) and out["seconds"] >= 0
    assert len(out["warnings"]) == 1 and twin in out["warnings"][0]
    assert f"warning: {out['warnings'][0]}" in done.stderr


# -- 7. the embedder the store was built with ------------------------------------------------------

def test_the_store_refuses_another_embedder_and_says_how_to_rebuild(tmp_path):
    settings = Settings(store_dir=tmp_path / "store")
    store = Store(settings, FakeEmbeddings("fake-a"))
    store.upsert(["c1"], ["文本。"], [{"source": "a.txt"}], [FakeEmbeddings("fake-a").embed_query("文本。")])
    with pytest.raises(StoreError) as err:
        Store(settings, FakeEmbeddings("fake-b"))
    message = str(err.value)
    assert "'fake-a'" in message and "'fake-b'" in message and "assistant ingest --rebuild" in message
    reopened = Store(settings, FakeEmbeddings("fake-a"))  # the refusal changed nothing
    assert reopened.count() == 1 and reopened.collection.metadata["embedder"] == "fake-a"
    assert drop_collection(settings)  # what --rebuild does first
    rebuilt = Store(settings, FakeEmbeddings("fake-b"))
    assert rebuilt.count() == 0 and rebuilt.collection.metadata["embedder"] == "fake-b"


def test_a_seeded_store_refuses_another_embedder_in_the_library_and_the_cli(seeded, embeddings, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(seeded.store_dir, store_dir)
    other = Assistant(Settings(store_dir=store_dir), embeddings=FakeEmbeddings("other-model"))
    with pytest.raises(StoreError, match="--rebuild"):
        other.ingest([SEEDS])
    with pytest.raises(StoreError, match=re.escape(embeddings.model_id)):
        other.search(QUERY)
    done = subprocess.run([*cli_command(), "ingest", "--json", str(SEEDS)],
                          env=cli_env(store_dir, ASSISTANT_EMBEDDER="other-model"),
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == ""
    assert "assistant ingest --rebuild" in done.stderr and embeddings.model_id in done.stderr
    assert set(all_ids(Assistant(Settings(store_dir=store_dir), embeddings=embeddings))) == seeded.all_ids


# -- 8. throughput (printed, not asserted) ---------------------------------------------------------

def test_ingest_throughput_is_reported(seeded):
    """The module's fresh ingest (model already loaded): embedding, upserts and the keyword index."""
    report = seeded.report
    settings = seeded.assistant.settings
    expected = sum(len(chunk_article(art, settings.chunk_size, settings.chunk_overlap))
                   for art in load_articles(SEEDS)[0])
    assert report.chunks_added == expected
    print(f"\nfresh ingest of the seeds: {report.chunks_added} chunks in {report.seconds:.1f} s = "
          f"{report.chunks_added / report.seconds:.1f} chunks/s (batch {settings.embed_batch_size}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
