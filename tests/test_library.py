"""The user's own articles (index/library.py): add a file, remove an article, limits, names, rollback, repair.

Fast tests use deterministic 8-d fake vectors over a real Chroma store; the killed-upload test runs the
real embedder in a child process and SIGKILLs it between two writes.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfWriter

from assistant.app import Assistant
from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import InputError
from assistant.index.library import STAGING, safe_name
from test_ingest import FakeEmbeddings, cli_command, cli_env

UPLOADS = Path(__file__).parent / "fixtures" / "uploads"
LAB, FAIR = UPLOADS / "qingxi_lab.html", UPLOADS / "qingxi_fair.pdf"
SEEDS = PROJECT_ROOT / "seeds"


def assistant_at(tmp_path: Path, seeds: Path | None = None, embeddings=None, **settings) -> Assistant:
    seeds = seeds or tmp_path / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    return Assistant(Settings(store_dir=tmp_path / "store", seeds_dir=seeds, **settings),
                     embeddings=embeddings or FakeEmbeddings("fake-8d"))


def stored(assistant: Assistant) -> dict[str, set[str]]:
    return assistant.store.ids_by_source()


def uploads(assistant: Assistant) -> list[str]:
    folder = assistant.settings.uploads_dir
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# -- file names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\me\\Desktop\\新闻 稿.HTML", "新闻_稿.html"),
    ("/abs/path/report.pdf", "report.pdf"),
    (".hidden.md", "hidden.md"),
    ("a\x00b\x1f\nc.txt", "abc.txt"),
    ("rm -rf $(x); `y`|z.txt", "rm_-rf_(x)_y_z.txt"),
    ("ｆｕｌｌ　ｗｉｄｔｈ.txt", "ｆｕｌｌ_ｗｉｄｔｈ.txt"),
    ("x" * 300 + ".html", "x" * 115 + ".html"),
])
def test_upload_names_are_sanitised_to_one_plain_file_name(given, kept):
    assert safe_name(given) == kept
    assert "/" not in kept and "\\" not in kept and not kept.startswith(".")


@pytest.mark.parametrize("given", ["", "../..", "///", "  \t "])
def test_a_name_with_nothing_usable_is_refused(given):
    with pytest.raises(InputError, match="no usable file name"):
        safe_name(given)


# -- adding ----------------------------------------------------------------------------------------

def test_an_html_page_and_a_pdf_are_added_with_metadata_kept_and_searchable(tmp_path):
    assistant = assistant_at(tmp_path)
    steps: list[str] = []
    added = assistant.add_article(LAB, "qingxi_lab.html", progress=steps.append)
    assert added.added and added.source == "qingxi_lab.html" and added.chunks >= 1
    assert added.title == "青溪市与奥卢大学共建智能传感联合实验室" and "ready for questions" in added.message
    assert steps[0].startswith("Reading and cleaning") and any(re.search(r"\d+/\d+ passage", s) for s in steps)
    pdf = assistant.add_article(FAIR, "qingxi_fair.pdf")
    assert pdf.added and pdf.title == "青溪市举办科技合作对接会"

    rows = {a["source"]: a for a in assistant.articles()}
    assert rows["qingxi_lab.html"]["published"] == "2026-04-08" and rows["qingxi_lab.html"]["outlet"] == "青溪日报"
    assert rows["qingxi_lab.html"]["record"] is not None  # the event record is built as for a seed
    assert uploads(assistant) == ["qingxi_fair.pdf", "qingxi_lab.html"]  # kept under the store, no staging left
    text = assistant.article("qingxi_lab.html")["text"]
    assert "首批派驻研究人员45名" in text
    assert "热门推荐" not in text and "版权所有" not in text and "__xss = " not in text  # furniture and script gone
    assert "签约合作项目17个" in assistant.article("qingxi_fair.pdf")["text"]  # PDF layout spacing undone
    hits = assistant.retriever.search("签约合作项目17个", k=1, mode="keyword")
    assert hits[0].source == "qingxi_fair.pdf"


def test_adding_the_same_text_again_changes_nothing_and_says_so(tmp_path):
    assistant = assistant_at(tmp_path)
    assistant.add_article(LAB, "qingxi_lab.html")
    before, generation = stored(assistant), assistant.store.generation()
    again = assistant.add_article(LAB, "copy of the lab page.html")
    assert not again.added and again.source == "qingxi_lab.html"
    assert "already indexed as qingxi_lab.html; nothing changed" in again.message
    assert stored(assistant) == before and assistant.store.generation() == generation
    assert uploads(assistant) == ["qingxi_lab.html"]


def test_another_article_under_a_taken_name_is_stored_beside_it_not_over_it(tmp_path):
    assistant = assistant_at(tmp_path)
    assistant.add_article(LAB, "news.html")
    other = tmp_path / "other.html"
    other.write_text("<html><body><h1>青溪市图书馆新馆开放</h1><p>2026年5月1日，青溪市图书馆新馆正式开放，"
                     "藏书120万册，每天可接待读者8000人次。</p></body></html>", encoding="utf-8")
    second = assistant.add_article(other, "news.html")
    assert second.added and second.source == "news-2.html" and "as news-2.html (news.html is another article)" in second.message
    assert set(stored(assistant)) == {"news.html", "news-2.html"}


def test_a_cited_span_points_into_the_whole_article_rebuilt_from_its_chunks(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    assistant = assistant_at(tmp_path, seeds)
    assistant.ensure_ingested()
    from assistant.corpus.reader import read_article

    for path in sorted(seeds.glob("*.txt")):
        article = assistant.article(path.name)
        original = read_article(path).text
        assert article["text"].replace("\n", "") == original.replace("\n", "")
        for chunk in assistant.store.iter_all():
            if chunk.metadata["source"] == path.name:  # every stored offset finds its own text
                start, end = chunk.metadata["start"], chunk.metadata["end"]
                assert article["text"][start:end] == chunk.text
    with pytest.raises(InputError, match="not an indexed article"):
        assistant.article("missing.txt")


@pytest.mark.parametrize("name, content, message", [
    ("virus.exe", b"MZ\x90\x00", "unsupported file type .exe"),
    ("noext", b"text", r"unsupported file type \(none\)"),
    ("fake.pdf", "这不是PDF文件，只是改了扩展名的文本。".encode(), "not a PDF file"),
    ("empty.txt", b"   \n", "empty"),
    ("binary.txt", b"\x00\x01\x02" * 100, "NUL bytes"),
])
def test_bad_files_are_refused_with_the_reason_and_nothing_is_stored(tmp_path, name, content, message):
    assistant = assistant_at(tmp_path)
    assistant.add_article(LAB, "qingxi_lab.html")
    before = stored(assistant)
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        assistant.add_article(path, name)
    assert str(tmp_path) not in str(caught.value)  # named as the user named it, no server path
    assert stored(assistant) == before and uploads(assistant) == ["qingxi_lab.html"]


def test_a_pdf_without_a_text_layer_says_ocr_is_not_supported(tmp_path):
    scan = tmp_path / "scan.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(scan, "wb") as out:
        writer.write(out)
    assistant = assistant_at(tmp_path)
    with pytest.raises(InputError, match="no text layer.*OCR is not supported"):
        assistant.add_article(scan, "scan.pdf")
    assert stored(assistant) == {} and uploads(assistant) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    assistant = assistant_at(tmp_path, max_upload_mb=0.001)  # 1,000 bytes
    big = tmp_path / "big.txt"
    big.write_text("青溪" * 1000, encoding="utf-8")
    read = []
    monkeypatch.setattr("assistant.index.library.read_article", lambda p: read.append(p))
    with pytest.raises(InputError, match=r"big.txt: 0.0 MB is over the 0.001 MB limit.*ASSISTANT_MAX_UPLOAD_MB"):
        assistant.add_article(big, "big.txt")
    assert read == [] and uploads(assistant) == []


class FailingEmbeddings(FakeEmbeddings):
    """Fails on the n-th embedding call (an embedder or store dying midway through an upload)."""

    def __init__(self, fail_on: int):
        super().__init__("fake-8d")
        self.calls, self.fail_on = 0, fail_on

    def embed_documents(self, texts):
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("embedder died")
        return super().embed_documents(texts)


def test_an_upload_that_fails_midway_leaves_the_store_as_it_was(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    long_article = tmp_path / "long.txt"
    long_article.write_text("\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))),
                            encoding="utf-8")
    ok = assistant_at(tmp_path, seeds, embed_batch_size=4)
    ok.add_article(LAB, "qingxi_lab.html")
    before, keyword_before = stored(ok), ok.retriever.search("研究人员45名", k=3, mode="keyword")

    failing = assistant_at(tmp_path, seeds, embeddings=FailingEmbeddings(fail_on=3), embed_batch_size=4)
    with pytest.raises(RuntimeError, match="embedder died"):
        failing.add_article(long_article, "long.txt")
    assert failing.embeddings.calls == 3  # two batches were written before the failure
    assert stored(failing) == before
    assert uploads(failing) == ["qingxi_lab.html"]  # nothing kept, staging cleared
    assert [p.chunk_id for p in failing.retriever.search("研究人员45名", k=3, mode="keyword")] == \
        [p.chunk_id for p in keyword_before]


def test_a_killed_upload_is_undone_at_the_next_start(tmp_path):
    """SIGKILL between two writes of a real upload (real e5 in a child process); the next start's repair
    takes its partial chunks out, and the store holds exactly what it held before."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    long_article = tmp_path / "long.txt"
    long_article.write_text("\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))),
                            encoding="utf-8")
    script = (
        "import sys\n"
        "from assistant.app import Assistant\n"
        "a = Assistant()\n"
        "a.add_article(sys.argv[1], 'first.html')\n"
        "print('FIRST DONE', flush=True)\n"
        "a.add_article(sys.argv[2], 'long.txt', progress=lambda m: print(m, flush=True))\n"
        "print('LONG DONE', flush=True)\n")
    env = cli_env(tmp_path / "store", ASSISTANT_SEEDS_DIR=str(seeds), ASSISTANT_EMBED_BATCH_SIZE="4")
    proc = subprocess.Popen([sys.executable, "-c", script, str(LAB), str(long_article)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines, killed = [], False
    for line in proc.stdout:
        lines.append(line.strip())
        if re.search(r"long.txt: (8|12)/\d+ passages", line):  # two or three batches stored, more to come
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=120)
    assert killed and proc.returncode == -signal.SIGKILL, (lines[-5:], proc.stderr.read()[-2000:])

    assistant = Assistant(Settings(store_dir=tmp_path / "store", seeds_dir=seeds))
    partial = assistant.store.chunk_counts()["long.txt"]
    assert 0 < partial[0] < partial[1]  # really killed midway: some of its chunks stored
    assert (assistant.settings.uploads_dir / STAGING).is_dir()
    assistant.ensure_ingested()  # what `serve` and `from assistant import answer` do on start
    assert set(stored(assistant)) == {"first.html"}
    assert uploads(assistant) == ["first.html"]
    assert all(p.source == "first.html" for p in assistant.search("瑞安建成了多少家博士后工作站", k=3))
    print(f"\nkilled with {partial[0]} of {partial[1]} chunks of long.txt stored; after the start: "
          f"{sorted(stored(assistant))}")


def test_a_staged_upload_whose_chunks_are_all_stored_is_kept_by_the_repair(tmp_path):
    assistant = assistant_at(tmp_path)
    assistant.add_article(LAB, "qingxi_lab.html")
    kept = assistant.settings.uploads_dir / "qingxi_lab.html"
    staged = assistant.settings.uploads_dir / STAGING / "abc" / "qingxi_lab.html"
    staged.parent.mkdir(parents=True)
    os.replace(kept, staged)  # as if killed between the last write and the move
    assistant.ensure_ingested()
    assert kept.is_file() and not (assistant.settings.uploads_dir / STAGING).exists()
    assert set(stored(assistant)) == {"qingxi_lab.html"}


def test_questions_asked_while_an_upload_is_indexed_get_answers_never_errors(tmp_path):
    class SlowEmbeddings(FakeEmbeddings):
        def embed_documents(self, texts):
            time.sleep(0.05)
            return super().embed_documents(texts)

    long_article = tmp_path / "long.txt"
    long_article.write_text("\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))),
                            encoding="utf-8")
    assistant = assistant_at(tmp_path, embeddings=SlowEmbeddings("fake-8d"), embed_batch_size=2)
    assistant.add_article(LAB, "qingxi_lab.html")
    errors, results = [], []
    worker = threading.Thread(target=lambda: results.append(assistant.add_article(long_article, "long.txt")))
    worker.start()
    while worker.is_alive():
        try:
            hits = assistant.search("联合实验室首批派驻研究人员", k=3)
            results.append([p.source for p in hits])
        except Exception as exc:  # noqa: BLE001 - any error here is the failure
            errors.append(exc)
        time.sleep(0.02)
    worker.join()
    searches = [r for r in results if isinstance(r, list)]
    assert errors == [] and len(searches) >= 5 and all("qingxi_lab.html" in r for r in searches)
    assert "long.txt" in stored(assistant)


# -- removing --------------------------------------------------------------------------------------

def test_removing_an_upload_takes_its_chunks_keywords_record_and_file(tmp_path):
    assistant = assistant_at(tmp_path)
    assistant.add_article(LAB, "qingxi_lab.html")
    assistant.add_article(FAIR, "qingxi_fair.pdf")
    assert assistant.retriever.search("研究人员45名", k=1, mode="keyword")[0].source == "qingxi_lab.html"
    result = assistant.remove("qingxi_lab.html")
    assert result.chunks >= 1 and "its uploaded file was deleted" in result.message
    assert set(stored(assistant)) == {"qingxi_fair.pdf"} and uploads(assistant) == ["qingxi_fair.pdf"]
    assert "qingxi_lab.html" not in assistant.retriever.records()
    assert all(p.source != "qingxi_lab.html" for p in assistant.retriever.search("研究人员45名", k=5))
    with pytest.raises(InputError, match="not an indexed article"):
        assistant.remove("qingxi_lab.html")
    with pytest.raises(InputError, match="not an indexed article"):
        assistant.remove("../../etc/passwd")


def test_a_removed_seed_stays_out_until_its_file_is_named_to_ingest(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    assistant = assistant_at(tmp_path, seeds)
    assistant.ensure_ingested()
    source = sorted(stored(assistant))[0]
    message = assistant.remove(source).message
    assert "stays out of later ingests" in message and (seeds / source).is_file()  # the seed file is kept
    assistant.ensure_ingested()
    assistant.ingest()  # the default ingest of seeds and uploads, pruning
    assert source not in stored(assistant)
    assistant.ingest([seeds / source])
    assert source in stored(assistant) and assistant.store.removed_sources() == set()


def test_the_cli_lists_removes_and_ingests_a_pdf(tmp_path):
    env = cli_env(tmp_path / "store", ASSISTANT_SEEDS_DIR=str(tmp_path / "seeds"))
    (tmp_path / "seeds").mkdir()
    run = lambda *args: subprocess.run([*cli_command(), *args], env=env, cwd=tmp_path, capture_output=True,
                                       text=True, timeout=300)
    done = run("ingest", "--json", str(FAIR), str(LAB))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["articles"] == 2
    listed = run("articles", "--json")
    assert {a["source"] for a in json.loads(listed.stdout)} == {"qingxi_fair.pdf", "qingxi_lab.html"}
    shown = run("show", "qingxi_fair.pdf")
    assert shown.returncode == 0 and "签约合作项目17个" in shown.stdout
    gone = run("remove", "qingxi_fair.pdf")
    assert gone.returncode == 0 and gone.stdout.startswith("Removed qingxi_fair.pdf")
    missing = run("remove", "qingxi_fair.pdf")
    assert missing.returncode == 2 and "not an indexed article" in missing.stderr
    assert "qingxi_fair.pdf" not in run("articles").stdout
