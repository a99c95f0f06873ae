"""Shared pieces of the adversarial reliability tests (test_reliability_*.py): fakes, fixtures, helpers.

The real e5 embedder is shared by the session; the language model is always a fake (ProbeModel) except in
one slow test. Each test_reliability_* module says what other test files cover instead.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr
from typer.testing import CliRunner

from assistant.llm import adapters as llm
from assistant.app import Assistant
from assistant.answering.citations import Snippet, split_sentences
from assistant.cli import app as cli_app
from assistant.config import PROJECT_ROOT, Settings, force_offline
from assistant.errors import AssistantError, InputError, LLMError, ModelError, StoreError
from assistant.answering.prompts import REFUSALS, SYSTEM, format_snippets
from assistant.bench.servers import HOST, free_port
from assistant.types import Answer
from assistant.ui.app import Handlers, Warmup, launch

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")  # gradio calls deprecated pandas

ROOT = PROJECT_ROOT
SEEDS = ROOT / "seeds"
S0, S1, *_ = sorted(p.name for p in SEEDS.glob("*.txt"))
QUESTION = "瑞安建成了多少家博士后工作站?"  # answered by S1
QUESTIONS = [QUESTION, "2019中芬合作平台高层会谈由哪个单位主办?",
             "Which French HR company did the Wuxi delegation reach a strategic cooperation intention with?",
             "金華の国合大会には何人くらいの国内外の専門家が招かれましたか?",
             "無錫高新區代表團拜訪了哪家德國公司的董事總經理Peter Radde?"]


# ---- fakes -------------------------------------------------------------------------------------

class HashEmbeddings(Embeddings):
    """A fast stand-in for e5 where vectors do not matter: 16 numbers from each text's hash."""

    @property
    def model_id(self) -> str:  # what Store records and checks, as with STEmbeddings
        return "test:hash-16"

    def _vector(self, text: str) -> list[float]:
        v = np.frombuffer(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:16], np.uint8) + 1.0
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class ProbeModel(BaseChatModel):
    """A chat model answering from its prompt, which records every prompt and how many threads were inside at once.

    Answer prompts (they hold "Passages:"): `reply` if given, else the passage sentence sharing most characters
    with the question, with its passage's marker (a grounded answer to what was asked). The follow-up rewrite gets its last question back; any other prompt (query
    translation, answer re-translation) gets its last message back unchanged. hold: seconds spent inside each
    call; rendezvous: seconds each call waits inside for a second caller to come in (to catch overlap for sure).
    """

    reply: Optional[str] = None
    prefer: Optional[str] = None  # answer with the passage sentence holding this text, when there is one
    hold: float = 0.0
    rendezvous: float = 0.0
    prompts: list = Field(default_factory=list)  # each call's messages as (type, text) pairs
    loads: list = Field(default_factory=list)  # settings it was 'loaded' with, on the local-model path
    _state: dict = PrivateAttr(default_factory=lambda: {"inside": 0, "max": 0})
    _cond: Any = PrivateAttr(default_factory=threading.Condition)

    @property
    def _llm_type(self) -> str:
        return "probe"

    @property
    def max_inside(self) -> int:
        return self._state["max"]

    def answer_calls(self) -> list[list[tuple[str, str]]]:
        return [p for p in self.prompts if "Passages:" in p[-1][1]]

    def answer_prompts(self) -> list[str]:
        return [p[-1][1] for p in self.answer_calls()]

    def condense_prompts(self) -> list[str]:
        return [p[-1][1] for p in self.prompts if "Standalone question:" in p[-1][1]]

    def _reply(self, last: str) -> str:
        if "Passages:" in last:
            if self.reply is not None:
                return self.reply
            asked = set(last.split("\nQuestion: ", 1)[-1].split("\n", 1)[0])
            found = [(bool(self.prefer and self.prefer in s), len(asked & set(s)), -int(n), s.strip(), n)
                     for n, text in re.findall(r"^\[(\d+)\] (?:«[^»\n]*» )?(.+)$", last, re.M)
                     for s in split_sentences(text) if s.strip()]
            if not found:
                return "NOT_FOUND"
            *_, sentence, n = max(found)
            return f"{sentence}[{n}]"
        if "Standalone question:" in last:
            return last.split("Last question: ", 1)[1].split("\n", 1)[0]
        return last

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        with self._cond:
            self.prompts.append([(m.type, str(m.content)) for m in messages])
            self._state["inside"] += 1
            self._state["max"] = max(self._state["max"], self._state["inside"])
            self._cond.notify_all()
            if self.rendezvous:
                self._cond.wait_for(lambda: self._state["inside"] > 1, timeout=self.rendezvous)
        try:
            time.sleep(self.hold)
            text = self._reply(str(messages[-1].content))
            for i in range(0, len(text), 4):
                yield ChatGenerationChunk(message=AIMessageChunk(content=text[i:i + 4]))
        finally:
            with self._cond:
                self._state["inside"] -= 1

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        text = "".join(str(c.message.content) for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


class _Endpoint(BaseHTTPRequestHandler):
    """A fake 'OpenAI-compatible' endpoint: mode sleep (5 s, then 503), html (200, a web page), sse (200, not JSON)."""

    mode = "sleep"

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            if self.mode == "sleep":
                time.sleep(5)
                self.send_error(503)
                return
            kind, body = (("text/html", b"<html><body>Sign in to the proxy</body></html>") if self.mode == "html"
                          else ("text/event-stream", b"data: this is not json\n\n"))
            self.send_response(200)
            self.send_header("content-type", kind)
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up
            pass

    def log_message(self, *args):
        pass


def endpoint(mode: str):
    handler = type(f"_{mode}", (_Endpoint,), {"mode": mode})
    httpd = ThreadingHTTPServer((HOST, 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{HOST}:{httpd.server_address[1]}/v1"


# ---- shared fixtures ---------------------------------------------------------------------------

def make(settings: Settings, embeddings, model=None, **update) -> Assistant:
    return Assistant(settings.model_copy(update=update) if update else settings, chat_model=model,
                     embeddings=embeddings)


def stored_chunks(assistant: Assistant) -> dict[str, Any]:
    return {c.chunk_id: c for c in assistant.store.iter_all()}


def assert_cites_only_real_passages(result: Answer, assistant: Assistant, prompt: str) -> None:
    """Each citation names a stored chunk of that source, spans inside it, and was shown to the model."""
    chunks = stored_chunks(assistant)
    for cite in result.citations:
        chunk = chunks.get(cite.chunk_id)
        assert chunk is not None, cite
        assert chunk.metadata["source"] == cite.source
        assert chunk.metadata["start"] <= cite.start < cite.end <= chunk.metadata["end"], cite
        # as the prompt shows it: an English answer's passages carry "Latin (原名)" beside unfamiliar names
        shown = format_snippets([Snippet(1, cite.chunk_id, cite.source, "", cite.snippet)], names=True)
        assert cite.snippet in prompt or shown.removeprefix("[1] ") in prompt, cite
    assert [c.marker for c in result.citations] == list(range(1, len(result.citations) + 1))
    assert set(map(int, re.findall(r"\[(\d+)\]", result.text))) <= {c.marker for c in result.citations}


def saw(model: ProbeModel, text: str) -> bool:
    """Whether any prompt the model was given contains text."""
    return any(text in content for messages in model.prompts for _, content in messages)


def cli(args: list[str], env: dict) -> Any:
    return CliRunner().invoke(cli_app, args, env=env)


@pytest.fixture(scope="module")
def ui(seeded, embeddings):
    """The app over the seeds with a ProbeModel, launched with defaults while GRADIO_SERVER_NAME asks for 0.0.0.0."""
    model = ProbeModel(hold=0.05)
    assistant = make(seeded, embeddings, model)
    port = free_port()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
        app = launch(assistant, port=port, ingest=False, prevent_thread_lock=True, quiet=True)
    yield app, port, model
    app.close()
