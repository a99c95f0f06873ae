"""The web chat: Gradio Blocks whose handlers only translate between Gradio and the Assistant."""
from __future__ import annotations

import html
import logging
import os
import threading
import time

from . import render
from ..errors import AssistantError
from ..types import Sources

log = logging.getLogger(__name__)

CSS = """
.sources { margin-top: .6em; border-top: 1px solid var(--border-color-primary); padding-top: .4em; font-size: .92em; }
.sources-head { font-weight: 600; margin-bottom: .2em; }
.source { margin: .45em 0; }
.source .marker { font-weight: 700; margin-right: .2em; }
.source .passage { margin: .2em 0 0 1.6em; color: var(--body-text-color-subdued); }
.source mark { background: #ffe58a; color: #000; padding: 0 .1em; }
a.cite { text-decoration: none; font-weight: 600; }
"""


class Warmup:
    """Ingests (when asked) and loads the models in the background, so the page is never frozen."""

    def __init__(self, assistant, ingest: bool = False):
        self.assistant, self.ingest = assistant, ingest
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._started: float | None = None
        self._lock = threading.Lock()

    def start(self) -> "Warmup":
        with self._lock:
            if self._started is None:
                self._started = time.monotonic()
                threading.Thread(target=self._run, name="assistant-warmup", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            if self.ingest:
                self.assistant.ensure_ingested()
            self.assistant.embeddings.embed_query("warm-up")  # the embedder loads on first use
            chat = self.assistant.chat  # builds the retriever and loads the chat model
            if hasattr(chat, "warm_up"):
                chat.warm_up()  # evaluates the fixed prompt prefixes: the first question starts fast
        except Exception as exc:  # shown in the status line; each question then retries and reports
            log.exception("warm-up failed")
            self.error = exc
        finally:
            self.done.set()

    def status(self, articles: int = 0) -> str:
        if not self.done.is_set():
            return render.status_line("loading", time.monotonic() - (self._started or time.monotonic()))
        if self.error is not None:
            return render.status_line("error", detail=str(self.error))
        return render.status_line("ready", detail=f"{articles} article{'' if articles == 1 else 's'} indexed.")


class Handlers:
    """Gradio-facing functions; per-session history lives in a gr.State the caller passes in.

    keep: what to yield for an output that must not change (gr.skip()), so streaming does not
    wipe a question the user is already typing.
    """

    def __init__(self, assistant, warmup: Warmup, keep=None):
        self.assistant, self.warmup, self.keep = assistant, warmup, keep

    def _articles(self) -> dict[str, dict]:
        try:
            return {a["source"]: a for a in self.assistant.retriever.articles()}
        except Exception:  # metadata only decorates the sources; never fail an answer for it
            return {}

    def _ready(self) -> None:
        self.warmup.start()
        self.warmup.done.wait()

    def respond(self, message, chat, history):
        """Stream one answer into the chat; yields (textbox, chat, history)."""
        history = list(history or [])
        chat = list(chat or []) + [{"role": "user", "content": html.escape(str(message or ""), quote=False)}]
        pending = {"role": "assistant", "content": "Loading models…" if not self.warmup.done.is_set() else "…"}
        yield "", chat + [pending], history
        self._ready()
        turn = 1 + sum(1 for role, _ in history if role == "user")
        streamed, reading, articles = "", "", None
        try:
            for item in self.assistant.stream_answer(message, history):
                if not isinstance(item, str) and articles is None:  # read once per answer, when first needed
                    articles = self._articles()
                if isinstance(item, Sources):  # shown at once, the answer streams in below it
                    reading = render.reading_block(item, articles)
                    yield self.keep, chat + [{"role": "assistant", "content": reading}], history
                elif isinstance(item, str):
                    streamed += item
                    draft = reading + "\n\n" + html.escape(streamed, quote=False) if reading else \
                        html.escape(streamed, quote=False)
                    yield self.keep, chat + [{"role": "assistant", "content": draft}], history
                else:
                    shown = render.render_answer(item, turn, articles)
                    history = history + [("user", str(message)), ("assistant", item.text)]
                    yield self.keep, chat + [{"role": "assistant", "content": shown}], history
        except Exception as exc:  # the message goes into the chat; the app stays up
            if not isinstance(exc, AssistantError):
                log.exception("answering failed")
            yield self.keep, chat + [{"role": "assistant", "content": render.error_message(exc)}], history

    def ask(self, question, history):
        """The /ask API: the final answer with its sources as markdown (plain text)."""
        self._ready()
        history = list(history or [])
        try:
            result = self.assistant.answer(question, history)
        except Exception as exc:
            if not isinstance(exc, AssistantError):
                log.exception("answering failed")
            return render.error_message(exc), history
        return render.plain_answer(result, self._articles()), history + [("user", question), ("assistant", result.text)]

    def status(self):
        """Page load: a status line that counts while models load, then the articles panel."""
        self.warmup.start()
        while not self.warmup.done.wait(0.5):
            yield self.warmup.status(), render.article_rows([])
        articles = list(self._articles().values())
        yield self.warmup.status(len(articles)), render.article_rows(articles)


def create_app(assistant, warmup: Warmup | None = None):
    """The Blocks app; nothing is loaded until a page opens or a question comes (see Warmup)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    h = Handlers(assistant, warmup or Warmup(assistant), keep=gr.skip())
    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown("## News assistant\nAnswers from the indexed news articles, with numbered sources.")
        status = gr.Markdown(render.status_line("loading"), elem_id="status")
        history = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", elem_id="chat", height=560, buttons=["copy"],
                                  feedback_options=None, placeholder="Ask a question about the articles.")
                with gr.Row():
                    box = gr.Textbox(show_label=False, scale=6, min_width=300, elem_id="question", autofocus=True,
                                     placeholder="Ask in English, 简体中文, 繁體中文 or 日本語…", container=False)
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, size="md", elem_id="send")
                    new = gr.Button("New chat", scale=1, min_width=110, size="md", elem_id="new-chat")
                gr.Markdown("**Examples**")
                with gr.Row():
                    examples = [gr.Button(q, size="sm") for q in render.EXAMPLES]
            with gr.Column(scale=2):
                with gr.Accordion("Indexed articles", open=True):
                    table = gr.Dataframe(headers=["Title", "Date", "Language", "Chunks", "Event record"],
                                         interactive=False, wrap=True, elem_id="articles",
                                         column_widths=["30%", "14%", "10%", "8%", "38%"], show_label=False)
        answer = dict(fn=h.respond, inputs=[box, chat, history], outputs=[box, chat, history],
                      concurrency_limit=4, concurrency_id="answer", api_visibility="undocumented")
        gr.on([box.submit, send.click], **answer)  # one event: no second question while one streams
        for button in examples:
            button.click(lambda q: q, button, box, queue=False, api_visibility="private").then(**answer)
        new.click(lambda: ([], [], ""), None, [chat, history, box], queue=False, api_visibility="private")
        chat.clear(lambda: [], None, history, queue=False, api_visibility="private")  # the chatbot's own bin
        ask_box, ask_out = gr.Textbox(visible=False), gr.Markdown(visible=False, label="answer")
        ask_box.submit(h.ask, [ask_box, history], [ask_out, history], api_name="ask",
                       concurrency_limit=4, concurrency_id="answer")
        app.load(h.status, None, [status, table], concurrency_limit=None, show_progress="hidden",
                 api_visibility="private")
    return app


def launch(assistant, host: str = "127.0.0.1", port: int = 7860, ingest: bool = True, **launch_kwargs):
    """Start loading (and ingesting) in the background, then serve on host:port; returns the app."""
    warmup = Warmup(assistant, ingest=ingest)
    app = create_app(assistant, warmup)
    warmup.start()  # only now: a first import of numpy racing gradio's in another thread can fail
    app.queue(default_concurrency_limit=4)
    # no allowed_paths: the app serves its own assets only, never files from this machine
    app.launch(server_name=host, server_port=port, css=CSS, ssr_mode=False, mcp_server=False, pwa=False,
               enable_monitoring=False, footer_links=["api"], show_error=False, max_file_size="1mb", **launch_kwargs)
    return app
