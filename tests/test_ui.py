"""The web UI over a real Assistant (seeds ingested into Chroma in a tmp dir) with LangChain's fake chat model."""
import concurrent.futures
import http.client
import tempfile
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field

from assistant.app import Assistant
from assistant.config import Settings
from assistant.errors import LLMError
from assistant.bench.servers import free_port
from assistant.types import Answer, Citation, Passage, Sources
from assistant.ui.app import Handlers, Warmup, launch
from assistant.ui.render import highlight, plain_answer, reading_block, render_answer

QUESTION = "瑞安建成了多少家博士后工作站?"
ANSWER = "瑞安建成了9家博士后工作站[1]。"
SOURCE = "001_b2cf538a030ad554.txt"
ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")  # gradio calls deprecated pandas


class RecordingModel(FakeListChatModel):
    """The fake chat model, keeping every prompt it is given; `fail_with` makes the next call raise."""

    prompts: list = Field(default_factory=list)
    fail_with: Any = None

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        self.prompts.append("\n".join(str(m.content) for m in messages))
        if self.fail_with is not None:
            exc, self.fail_with = self.fail_with, None
            raise exc
        yield from super()._stream(messages, stop, run_manager, **kwargs)


@pytest.fixture(scope="module")
def model():
    return RecordingModel(responses=[ANSWER])


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, model):
    result = Assistant(Settings(store_dir=tmp_path_factory.mktemp("store")), chat_model=model)
    result.ensure_ingested()
    return result


@pytest.fixture(scope="module")
def server(assistant):
    app = launch(assistant, port=free_port(), ingest=False, prevent_thread_lock=True, quiet=True)
    yield app.local_url
    app.close()


def ask(url: str, question: str, client: Client | None = None) -> str:
    return (client or Client(url, verbose=False)).predict(question, api_name="/ask")


# -- rendering, no server ------------------------------------------------------------------------

PASSAGE = Passage("c1", SOURCE, "瑞安云江科创大会", "引进人才861名,<b>建成9家博士后工作站。</b>其他", 0.5, 100, 130,
                  {"published": "2021-11-14", "outlet": "中国新闻网"})
CITE = Citation(1, SOURCE, "瑞安云江科创大会", "建成9家博士后工作站。", "c1", 113, 124)


def test_markers_link_to_their_source_entry_and_the_answer_is_escaped():
    shown = render_answer(Answer("<i>9</i> 家[1],[2]。", (CITE,), (PASSAGE,)), turn=3)
    assert shown.startswith('&lt;i&gt;9&lt;/i&gt; 家<a class="cite" href="#src-3-1">[1]</a>,[2]。')
    assert 'id="src-3-1"' in shown and "瑞安云江科创大会" in shown and "2021-11-14" in shown and "中国新闻网" in shown


def test_the_cited_span_is_highlighted_inside_its_passage():
    shown = render_answer(Answer(ANSWER, (CITE,), (PASSAGE,)), turn=1)
    assert "引进人才861名,&lt;b&gt;<mark>建成9家博士后工作站。</mark>&lt;/b&gt;其他" in shown


def test_the_span_is_found_when_whitespace_differs_and_else_by_its_offsets():
    assert highlight("前文。\n建成9家。后文", "前文。建成9家。") == "<mark>前文。 建成9家。</mark>后文"
    assert highlight("abcdef", "not there", span=(2, 4)) == "ab<mark>cd</mark>ef"


def test_a_snippet_missing_from_its_passage_is_shown_alone_and_escaped():
    assert highlight("another text", "<x> & y") == "<mark>&lt;x&gt; &amp; y</mark>"


def test_an_answer_left_without_citations_says_so_and_a_refusal_stands_alone():
    assert "No passage supports this answer" in render_answer(Answer("It was 9.", (), (PASSAGE,)), turn=1)
    refusal = "The articles do not contain the answer to this question."
    assert render_answer(Answer(refusal, refused=True), turn=1) == refusal


def test_plain_answer_lists_each_source_with_its_article():
    text = plain_answer(Answer(ANSWER, (CITE,), (PASSAGE,)))
    assert text.splitlines()[0] == ANSWER
    assert f"[1] 瑞安云江科创大会 ({SOURCE}, 2021-11-14, 中国新闻网)" in text


def test_the_sources_being_read_show_one_entry_per_article_escaped():
    evil = Passage("c9", "<b>x</b>.txt", "<script>alert(1)</script>", "<img src=x onerror=alert(1)> text", 0.5)
    block = reading_block(Sources((PASSAGE, PASSAGE, evil), final=False))
    assert block.count('class="source"') == 2 and "Searching…" in block
    assert "<script>" not in block and "<img" not in block and "&lt;script&gt;" in block
    assert "Reading…" in reading_block(Sources((PASSAGE,)))
    assert "No passage found" in reading_block(Sources(()))


# -- handlers over the real assistant ------------------------------------------------------------

def test_chat_streams_then_shows_linked_markers_and_the_highlighted_source(assistant):
    states = list(Handlers(assistant, Warmup(assistant)).respond(QUESTION, [], []))
    shown = [state[1][-1]["content"] for state in states]
    # the sources being read come first, alone; then partial text streams in below them
    reading = next(n for n, s in enumerate(shown) if "Reading…" in s)
    assert SOURCE in shown[reading] and not any(ANSWER[:3] in s for s in shown[:reading + 1])
    drafts = [s.split("</div></div>\n\n", 1)[-1] for s in shown[reading + 1:-1]]
    assert any(0 < len(d) < len(ANSWER) and ANSWER.startswith(d) for d in drafts)
    assert all("Reading…" in s for s in shown[reading + 1:-1]) and "Reading…" not in shown[-1]
    final, history = shown[-1], states[-1][2]
    assert '<a class="cite" href="#src-1-1">[1]</a>' in final and 'id="src-1-1"' in final
    assert "<mark>" in final and SOURCE in final
    assert history[0] == ("user", QUESTION) and history[1][0] == "assistant" and "9" in history[1][1]


def test_a_follow_up_uses_the_conversation_and_links_to_its_own_sources(assistant, model):
    handlers = Handlers(assistant, Warmup(assistant))
    *_, (_, chat, history) = handlers.respond(QUESTION, [], [])
    *_, (_, chat, history) = handlers.respond("那是在哪里?", chat, history)
    assert len(chat) == 4 and len(history) == 4
    assert 'href="#src-2-1"' in chat[-1]["content"] and 'id="src-2-1"' in chat[-1]["content"]
    assert f"User: {QUESTION}" in model.prompts[-2] and "Last question: 那是在哪里?" in model.prompts[-2]


def test_an_input_error_appears_in_the_chat(assistant):
    *_, (_, chat, history) = Handlers(assistant, Warmup(assistant)).respond("   ", [], [])
    assert "empty" in chat[-1]["content"] and history == []


def test_an_unreachable_store_appears_in_the_chat(model):
    broken = Assistant(Settings(chroma_url=f"http://127.0.0.1:{free_port()}"), chat_model=model)
    *_, (_, chat, _) = Handlers(broken, Warmup(broken)).respond(QUESTION, [], [])
    assert chat[-1]["content"].startswith("⚠️") and "Chroma" in chat[-1]["content"]


# -- the running app, through gradio_client and plain HTTP ---------------------------------------

def test_ask_endpoint_returns_the_answer_with_its_sources(server):
    text = ask(server, QUESTION)
    assert text.startswith("瑞安建成了9家博士后工作站[1]")
    assert "Sources:" in text and "[1] " in text and SOURCE in text


@pytest.mark.parametrize("error, shown", [
    (LLMError("The LLM endpoint http://127.0.0.1:9/v1 did not answer in time."), "did not answer in time"),
    (RuntimeError("boom"), "RuntimeError: boom"),
])
def test_an_error_is_shown_and_the_next_question_is_answered(server, model, error, shown):
    client = Client(server, verbose=False)
    model.fail_with = error
    first = ask(server, QUESTION, client)
    assert first.startswith("⚠️") and shown in first
    assert SOURCE in ask(server, QUESTION, client)


def test_five_concurrent_sessions_keep_their_own_history(server, model):
    tags = ["alpha", "bravo", "charlie", "delta", "echo"]

    def session(tag):
        client = Client(server, verbose=False)
        return ask(server, f"{QUESTION} {tag}", client), ask(server, f"And the year? {tag}", client)

    with concurrent.futures.ThreadPoolExecutor(len(tags)) as pool:
        results = list(pool.map(session, tags))
    assert all(not text.startswith("⚠️") for pair in results for text in pair)
    for tag in tags:  # each follow-up was condensed with its own session's turns only
        (prompt,) = [p for p in model.prompts if f"Last question: And the year? {tag}" in p]
        assert f"{QUESTION} {tag}" in prompt
        assert not [other for other in tags if other != tag and other in prompt]


@pytest.mark.parametrize("path, secret", [
    ("/file=/etc/passwd", "root:"),
    ("/gradio_api/file=/etc/passwd", "root:"),
    ("/gradio_api/file=%2Fetc%2Fpasswd", "root:"),
    ("/gradio_api/file=../../../../../../../etc/passwd", "root:"),
    (f"/gradio_api/file={tempfile.gettempdir()}/gradio/../../etc/passwd", "root:"),
    (f"/gradio_api/file={ROOT}/pyproject.toml", "[build-system]"),
    (f"/file={ROOT}/pyproject.toml", "[build-system]"),
    ("/static/../../../../etc/passwd", "root:"),
    ("/assets/../../../../etc/passwd", "root:"),
])
def test_files_outside_the_app_cannot_be_read(server, path, secret):
    port = int(server.rstrip("/").rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)  # sent as written: no client-side normalisation of ../
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    assert response.status != 200 or secret not in body
