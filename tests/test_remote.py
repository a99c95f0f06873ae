"""Scale-out by configuration, against real local servers: Chroma over HTTP and an OpenAI-compatible LLM."""
from __future__ import annotations

import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from assistant.app import Assistant
from assistant.cli import app
from assistant.config import Settings, force_offline
from assistant.errors import LLMError, StoreError
from assistant.bench.servers import HOST, chroma_command, free_port, llama_command, running
from assistant.types import Answer, Sources

pytestmark = pytest.mark.slow

GOLD_Q, GOLD_SOURCE = "瑞安建成了多少家博士后工作站?", "001_b2cf538a030ad554.txt"
QUESTIONS = [GOLD_Q, "2019中芬合作平台高层会谈由哪个单位主办?",
             "Which French HR company did the Wuxi delegation reach a strategic cooperation intention with?",
             "金華の国合大会には何人くらいの国内外の専門家が招かれましたか?", "無錫高新區代表團拜訪了哪家德國公司的董事總經理Peter Radde?"]


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    with running(chroma_command(tmp / "data", port), f"http://{HOST}:{port}/api/v2/heartbeat", tmp / "chroma.log", 90):
        yield f"http://{HOST}:{port}"


@pytest.fixture(scope="session")
def server(chroma_url, embeddings, tmp_path_factory):
    """The seeds ingested into the Chroma server; (assistant, first ingest report)."""
    local = tmp_path_factory.mktemp("server-client")
    assistant = Assistant(Settings(chroma_url=chroma_url, store_dir=local / "store"), embeddings=embeddings)
    report = assistant.ingest()
    yield assistant, report
    shutil.rmtree(assistant.retriever.index_dir, ignore_errors=True)  # its keyword index lives in the cache


@pytest.fixture(scope="session")
def embedded(embeddings, tmp_path_factory):
    assistant = Assistant(Settings(store_dir=tmp_path_factory.mktemp("embedded") / "store"), embeddings=embeddings)
    assistant.ingest()
    return assistant


@pytest.fixture(scope="session")
def llm_url(tmp_path_factory):
    from assistant.provision.models import ensure_llm

    tmp = tmp_path_factory.mktemp("llama-server")
    gguf, port = ensure_llm(Settings(), progress=False), free_port()
    with running(llama_command(gguf, port), f"http://{HOST}:{port}/v1/models", tmp / "llama.log", 240):
        yield f"http://{HOST}:{port}/v1"


# ---- Chroma server ------------------------------------------------------------------------------

def test_ingest_goes_to_the_server_and_reingest_adds_nothing(server, chroma_url):
    import chromadb

    assistant, first = server
    assert first.chunks_added > 40 and first.chunks_removed == 0
    port = int(chroma_url.rsplit(":", 1)[1])
    remote = chromadb.HttpClient(host=HOST, port=port).get_collection(assistant.settings.collection)
    assert remote.count() == first.chunks_added
    assert not (assistant.settings.store_dir / "chroma.sqlite3").exists()  # nothing went to an embedded store
    again = assistant.ingest()
    assert (again.chunks_added, again.chunks_removed, again.chunks_unchanged) == (0, 0, first.chunks_added)


@pytest.mark.parametrize("question", QUESTIONS)
def test_server_search_matches_the_embedded_store(server, embedded, question):
    over_http = server[0].search(question, k=3)
    local = embedded.search(question, k=3)
    assert [p.chunk_id for p in over_http] == [p.chunk_id for p in local]
    assert [p.score for p in over_http] == pytest.approx([p.score for p in local], abs=1e-4)
    assert [p.text for p in over_http] == [p.text for p in local]


def test_unreachable_server_is_a_store_error_naming_it(embeddings, tmp_path):
    url = f"http://{HOST}:{free_port()}"
    assistant = Assistant(Settings(chroma_url=url, store_dir=tmp_path), embeddings=embeddings)
    with pytest.raises(StoreError) as err:
        assistant.search("瑞安")
    assert f"Cannot reach the Chroma server at {url}" in str(err.value)
    assert "ASSISTANT_CHROMA_URL" in str(err.value)


def test_cli_exits_non_zero_with_that_message(tmp_path):
    url = f"http://{HOST}:{free_port()}"
    env = {"ASSISTANT_CHROMA_URL": url, "ASSISTANT_STORE_DIR": str(tmp_path)}
    for args in (["search", "瑞安"], ["ingest", "--json"]):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 2, result.output
        assert f"error: Cannot reach the Chroma server at {url}" in result.output
        assert "Traceback" not in result.output


def test_server_lost_after_start_is_a_store_error(embeddings, tmp_path):
    port = free_port()
    with running(chroma_command(tmp_path / "data", port), f"http://{HOST}:{port}/api/v2/heartbeat",
                 tmp_path / "chroma.log", 90) as proc:
        assistant = Assistant(Settings(chroma_url=f"http://{HOST}:{port}", store_dir=tmp_path / "s"),
                              embeddings=embeddings)
        assert assistant.store.count() == 0
        proc.terminate()
        proc.wait(15)
        with pytest.raises(StoreError, match=f"Lost the Chroma server at http://{HOST}:{port}"):
            assistant.search("瑞安")


# ---- OpenAI-compatible LLM endpoint -------------------------------------------------------------

@pytest.mark.timeout(900)
def test_answer_streams_through_the_llama_cpp_server(server, chroma_url, llm_url, embeddings, tmp_path):
    settings = Settings(chroma_url=chroma_url, llm_base_url=llm_url, store_dir=tmp_path)
    assistant = Assistant(settings, embeddings=embeddings)
    assert type(assistant.chat.model).__name__ == "ChatOpenAI"
    items = list(assistant.stream_answer(GOLD_Q))
    (reading,), pieces, result = items[:1], items[1:-1], items[-1]
    assert isinstance(reading, Sources) and GOLD_SOURCE in {p.source for p in reading.passages}
    assert len(pieces) >= 3 and all(isinstance(p, str) for p in pieces)
    assert isinstance(result, Answer) and not result.refused
    assert "9" in result.text
    assert GOLD_SOURCE in {c.source for c in result.citations}


@pytest.mark.timeout(600)
def test_the_answer_check_reads_the_servers_log_probabilities(llm_url, monkeypatch):
    """The model's yes/no check of an answer, asked of the llama.cpp server: a probability, not only a word."""
    from assistant.answering.prompts import verify_messages
    from assistant.llm import adapters

    settings = Settings(llm_base_url=llm_url)
    model, lock = adapters.build_chat_model(settings), threading.Lock()
    words = []
    monkeypatch.setattr(adapters, "_yes_share", lambda logprobs, real=adapters._yes_share: words.append(logprobs) or real(logprobs))
    passage = ["瑞安市已累计引进海内外高层次人才861名,柔性引进7家院士团队,建成9家博士后工作站。"]
    stated = adapters.yes_probability(model, verify_messages(GOLD_Q, "瑞安建成了9家博士后工作站。", passage), settings, lock)
    invented = adapters.yes_probability(model, verify_messages("瑞安市市长是谁?", "瑞安市市长是张伟。", passage), settings, lock)
    assert len(words) == 2 and all(len(w) > 1 for w in words)  # read from the top log-probabilities
    assert 0.0 < invented < stated < 1.0


def test_llm_endpoint_down_is_an_llm_error(server, chroma_url, embeddings, tmp_path):
    url = f"http://{HOST}:{free_port()}/v1"
    assistant = Assistant(Settings(chroma_url=chroma_url, llm_base_url=url, store_dir=tmp_path), embeddings=embeddings)
    with pytest.raises(LLMError) as err:
        list(assistant.stream_answer(GOLD_Q))
    message = str(err.value)
    assert f"The LLM endpoint {url} failed" in message and "ASSISTANT_LLM_BASE_URL" in message


class _Sleepy(BaseHTTPRequestHandler):
    """An 'LLM endpoint' that accepts the request and then says nothing for 5 s."""

    def do_POST(self):  # noqa: N802 (http.server's naming)
        time.sleep(5)
        try:
            self.send_error(503)
        except OSError:  # the client gave up long ago
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def sleepy_url():
    httpd = ThreadingHTTPServer((HOST, 0), _Sleepy)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{HOST}:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_slow_llm_endpoint_times_out_as_an_llm_error(server, chroma_url, embeddings, sleepy_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "1")
    settings = Settings(chroma_url=chroma_url, llm_base_url=sleepy_url, store_dir=tmp_path)
    assistant = Assistant(settings, embeddings=embeddings)
    assistant.search(GOLD_Q)  # retrieval warmed up: the clock below is the endpoint's
    t0 = time.monotonic()
    with pytest.raises(LLMError, match=r"did not answer within the 1 s timeout \(ASSISTANT_LLM_TIMEOUT\)"):
        list(assistant.stream_answer(GOLD_Q))
    assert time.monotonic() - t0 < 15  # one retry of 1 s each, never the 5 s the server sleeps
