"""The web chat: Gradio Blocks whose handlers only translate between Gradio and the Assistant."""
from __future__ import annotations

import hashlib
import html
import logging
import os
import queue
import secrets
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no call home
import gradio as gr  # noqa: E402

from . import render  # noqa: E402
from .auth import Authenticator, PageNeedsSignIn, is_loopback, users_path  # noqa: E402
from ..errors import AssistantError  # noqa: E402
from ..types import Sources  # noqa: E402

log = logging.getLogger(__name__)

CSS = """
.sources { margin-top: .6em; border-top: 1px solid var(--border-color-primary); padding-top: .4em; font-size: .92em; }
.sources-head { font-weight: 600; margin-bottom: .2em; }
.source { margin: .45em 0; }
.source .marker { font-weight: 700; margin-right: .2em; }
.source .passage { margin: .2em 0 0 1.6em; color: var(--body-text-color-subdued); }
.source mark { background: #ffe58a; color: #000; padding: 0 .1em; }
a.cite { text-decoration: none; font-weight: 600; }
a.open-article { color: inherit; text-decoration: underline dotted; cursor: pointer; }
.offscreen { display: none !important; }
#article-view .article-body { max-height: 560px; overflow-y: auto; padding-right: .4em; line-height: 1.7; }
#article-view .article-head { margin-bottom: .5em; }
#article-view mark { background: #ffe58a; color: #000; }
"""

# Installed once on page load: a click on a source's title (a link to #article:SOURCE:START:END) opens
# that article beside the chat instead of navigating; the value goes through a hidden textbox.
OPEN_ARTICLE_JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#article:"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#open-article textarea, #open-article input');
    const go = document.querySelector('#open-article-go');
    if (!box || !go) return;
    box.value = link.getAttribute('href');
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => go.click(), 60);
  }, true);
}
"""
SCROLL_TO_CITED_JS = """
() => { setTimeout(() => {
  const mark = document.querySelector('#article-view mark#cited');
  if (mark) mark.scrollIntoView({block: 'center', behavior: 'instant'});
}, 150); }
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


BUSY = "The assistant is busy: {waiting} questions are already waiting. Try again in a moment."
RATE = ("You asked {asked} questions in the last minute; the limit is {limit}. "
        "Try again in {wait:.0f} s.")
NOT_ADMIN = "Only administrators can add or remove articles; sign in as one (`assistant users add NAME --admin`)."


def waiting_in(app, concurrency_id: str) -> int:
    """Events waiting (not yet started) in one of Gradio's concurrency groups; 0 before the queue exists."""
    queue = getattr(getattr(app, "_queue", None), "event_queue_per_concurrency_id", {}).get(concurrency_id)
    return len(queue.queue) if queue is not None else 0


class Admission:
    """Turns a question away at once, before it queues: past the per-user rate, or when as many questions
    as the queue limit already wait for the model (Gradio runs it as the event's validator)."""

    def __init__(self, settings, waiting):
        self.settings, self.waiting = settings, waiting
        self._asked: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def refusal(self, who: str) -> str | None:
        now, limit = time.monotonic(), self.settings.rate_limit
        with self._lock:
            recent = [t for t in self._asked.get(who, []) if now - t < 60.0]
            if limit and len(recent) >= limit:
                self._asked[who] = recent
                return RATE.format(asked=len(recent), limit=limit, wait=max(1.0, 60.0 - (now - recent[0])))
            waiting = self.waiting()
            if waiting >= self.settings.queue_limit:
                return BUSY.format(waiting=waiting)
            self._asked[who] = recent + [now]
            if len(self._asked) > 10_000:  # sessions come and go: keep the recent ones only
                self._asked = {k: v for k, v in self._asked.items() if v and now - v[-1] < 60.0}
        return None

    @staticmethod
    def who(request) -> str:
        return (getattr(request, "username", None) or getattr(request, "session_hash", None) or "anonymous")

    def chat(self, message, chat, history, transcript, request: gr.Request = None):
        """The chat: raised as gr.Error, which the page shows at once in a notice (a validation message has
        no place on the borderless question box); the question stays in the box."""
        reason = self.refusal(self.who(request))
        if reason:
            raise gr.Error(reason, title="Not now")
        return [gr.validate(True, "")] * 4

    def api(self, question, history, request: gr.Request = None):
        """/ask: a validation error (HTTP 422), which gradio_client raises as ValidationError with the message."""
        reason = self.refusal(self.who(request))
        return [gr.validate(reason is None, reason or ""), gr.validate(True, "")]


class Handlers:
    """Gradio-facing functions; per-session history lives in a gr.State the caller passes in.

    keep: what to yield for an output that must not change (gr.skip()), so streaming does not
    wipe a question the user is already typing.
    """

    def __init__(self, assistant, warmup: Warmup, keep=None, auth: Authenticator | None = None):
        self.assistant, self.warmup, self.keep = assistant, warmup, keep
        self.auth = auth

    def may_manage(self, request=None) -> bool:
        """Whether this user may add or remove articles (everyone when sign-in is off)."""
        return self.auth is None or self.auth.may_manage(getattr(request, "username", None))

    def manage_panel(self, request: gr.Request = None):
        """Page load: the add/remove panel only for those who may use it."""
        return gr.update(visible=self.may_manage(request))

    def _articles(self) -> dict[str, dict]:
        try:
            return {a["source"]: a for a in self.assistant.retriever.articles()}
        except Exception:  # metadata only decorates the sources; never fail an answer for it
            return {}

    def _ready(self) -> None:
        if not self.warmup.done.is_set():  # a warm-up marked done (tests) is not started again
            self.warmup.start()
            self.warmup.done.wait()

    def respond(self, message, chat, history):
        """Stream one answer into the chat; yields (textbox, chat, history)."""
        for box, chat_now, history_now, _ in self._respond(message, chat, history):
            yield box, chat_now, history_now

    def respond_kept(self, message, chat, history, transcript):
        """respond, and the answer with its numbered sources added to the transcript (for the export);
        yields (textbox, chat, history, transcript)."""
        transcript = list(transcript or [])
        for box, chat_now, history_now, entry in self._respond(message, chat, history):
            if entry is not None:
                transcript = transcript + [entry]
            yield box, chat_now, history_now, transcript

    def _respond(self, message, chat, history):
        """respond's states, each with the answer's transcript entry once it is done (else None)."""
        history = list(history or [])
        chat = list(chat or []) + [{"role": "user", "content": html.escape(str(message or ""), quote=False)}]
        pending = {"role": "assistant", "content": "Loading models…" if not self.warmup.done.is_set() else "…"}
        yield "", chat + [pending], history, None
        self._ready()
        turn = 1 + sum(1 for role, _ in history if role == "user")
        streamed, reading, articles = "", "", None
        try:
            for item in self.assistant.stream_answer(message, history):
                if not isinstance(item, str) and articles is None:  # read once per answer, when first needed
                    articles = self._articles()
                if isinstance(item, Sources):  # shown at once, the answer streams in below it
                    reading = render.reading_block(item, articles)
                    yield self.keep, chat + [{"role": "assistant", "content": reading}], history, None
                elif isinstance(item, str):
                    streamed += item
                    draft = reading + "\n\n" + html.escape(streamed, quote=False) if reading else \
                        html.escape(streamed, quote=False)
                    yield self.keep, chat + [{"role": "assistant", "content": draft}], history, None
                else:
                    shown = render.render_answer(item, turn, articles)
                    history = history + [("user", str(message)), ("assistant", item.text)]
                    entry = render.transcript_entry(str(message), item, articles)  # the same article list
                    yield self.keep, chat + [{"role": "assistant", "content": shown}], history, entry
        except Exception as exc:  # the message goes into the chat; the app stays up
            if not isinstance(exc, AssistantError):
                log.exception("answering failed")
            yield self.keep, chat + [{"role": "assistant", "content": render.error_message(exc)}], history, None

    # -- the conversation in the browser (survives a reload), and its export
    @staticmethod
    def save(chat, history, transcript) -> dict:
        return {"chat": list(chat or []), "history": [list(turn) for turn in history or []],
                "transcript": list(transcript or [])}

    @staticmethod
    def restore(saved):
        """(chat, history, transcript) from what the browser kept; anything malformed starts afresh."""
        try:
            saved = saved if isinstance(saved, dict) else {}
            chat = [m for m in saved.get("chat") or [] if isinstance(m, dict) and m.get("role") in ("user", "assistant")]
            history = [(str(r), str(t)) for r, t in saved.get("history") or []]
            transcript = [str(e) for e in saved.get("transcript") or []]
            return chat, history, transcript
        except (TypeError, ValueError):
            return [], [], []

    @staticmethod
    def export(transcript):
        """A Markdown file of the conversation (questions, answers, numbered sources) for the download
        button, or None when nothing has been answered yet."""
        if not transcript:
            return None
        text = render.export_markdown(list(transcript))
        folder = Path(tempfile.gettempdir()) / "assistant-exports"
        folder.mkdir(exist_ok=True)
        path = folder / f"conversation-{hashlib.sha256(text.encode()).hexdigest()[:12]}.md"
        path.write_text(text, encoding="utf-8")
        return str(path)

    # -- the user's own articles
    def panel(self):
        """(status line, articles table rows, remove-menu update) as the index is now."""
        articles = list(self._articles().values())
        return (self.warmup.status(len(articles)), render.article_rows(articles),
                gr.update(choices=render.article_choices(articles), value=None))

    def add_files(self, files, request: gr.Request = None):
        """Add uploaded files one by one, reporting each step; yields (upload status, status line, table,
        remove menu, file box). A file that fails is reported and leaves the store as it was."""
        paths = [Path(f if isinstance(f, (str, Path)) else getattr(f, "name", "")) for f in files or []]
        lines: list[str] = []
        if paths and not self.may_manage(request):
            yield render.upload_summary([NOT_ADMIN]), self.keep, self.keep, self.keep, None
            return
        if not paths:
            yield self.keep, self.keep, self.keep, self.keep, self.keep
            return
        yield render.upload_summary(["Waiting for the models to load…"]), self.keep, self.keep, self.keep, self.keep
        self._ready()
        for path in paths:
            steps: queue.Queue = queue.Queue()
            outcome: dict = {}

            def work(path=path, steps=steps, outcome=outcome):
                try:
                    outcome["result"] = self.assistant.add_article(path, path.name, progress=steps.put)
                except Exception as exc:  # reported under the box; the next file still goes in
                    outcome["error"] = exc
                finally:
                    steps.put(None)

            threading.Thread(target=work, name="assistant-upload", daemon=True).start()
            while (step := steps.get()) is not None:
                yield render.upload_summary(lines + [step]), self.keep, self.keep, self.keep, self.keep
            if "error" in outcome:
                exc = outcome["error"]
                if not isinstance(exc, AssistantError):
                    log.error("adding %s failed", path.name, exc_info=exc)
                lines.append(f"Not added: {exc}" if isinstance(exc, AssistantError) else
                             f"Not added: {path.name}: {render.error_message(exc)}")
            else:
                lines.append(outcome["result"].message)
            yield (render.upload_summary(lines), *self.panel(), self.keep)
        yield render.upload_summary(lines), self.keep, self.keep, self.keep, None

    def remove(self, source, request: gr.Request = None):
        """Remove the chosen article; yields (upload status, status line, table, remove menu, reader)."""
        if not self.may_manage(request):
            return render.upload_summary([NOT_ADMIN]), self.keep, self.keep, self.keep, self.keep
        if not source:
            return render.upload_summary(["Choose an article to remove first."]), self.keep, self.keep, self.keep, \
                self.keep
        self._ready()
        try:
            message = self.assistant.remove(str(source)).message
        except AssistantError as exc:
            message = str(exc)
        return (render.upload_summary([message]), *self.panel(), "")

    def open_article(self, ref):
        """The whole article behind a clicked source, the cited span marked; (reader HTML, reader panel)."""
        source, start, end = render.parse_article_link(ref)
        try:
            shown = render.article_view(self.assistant.article(source), start, end)
        except AssistantError as exc:
            shown = f"<p>{html.escape(str(exc))}</p>"
        return shown, gr.Accordion(open=True)

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
            yield self.warmup.status(), render.article_rows([]), self.keep
        yield self.panel()


def _browser_secret(settings) -> str:
    """The key the conversation kept in the browser is encrypted with: made once, kept beside the store
    (so a conversation also survives a restart of the server), readable by its owner only."""
    path = settings.store_dir / ".ui_secret"
    try:
        return path.read_text().strip() or _new_secret(path)
    except OSError:
        return _new_secret(path)


def _new_secret(path: Path) -> str:
    secret = secrets.token_urlsafe(24)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secret)
    except OSError:  # a read-only store: the conversation then survives reloads until a restart
        log.warning("cannot keep the UI secret at %s", path)
    return secret


def create_app(assistant, warmup: Warmup | None = None, auth: Authenticator | None = None):
    """The Blocks app; nothing is loaded until a page opens or a question comes (see Warmup).

    auth: who is signed in decides who may add and remove articles (None: everyone, on loopback)."""
    from ..corpus.reader import SUFFIXES

    h = Handlers(assistant, warmup or Warmup(assistant), keep=gr.skip(), auth=auth)
    private = dict(queue=False, api_visibility="private")
    limit_mb = assistant.settings.max_upload_mb
    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown("## News assistant\nAnswers from the indexed news articles, with numbered sources. "
                    "Click a source's title to read the whole article.")
        status = gr.Markdown(render.status_line("loading"), elem_id="status")
        history, transcript = gr.State([]), gr.State([])
        saved = gr.BrowserState({"chat": [], "history": [], "transcript": []}, storage_key="news-assistant-chat",
                                secret=_browser_secret(assistant.settings))
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", elem_id="chat", height=560, buttons=["copy"],
                                  feedback_options=None, placeholder="Ask a question about the articles.")
                with gr.Row():
                    box = gr.Textbox(show_label=False, scale=6, min_width=300, elem_id="question", autofocus=True,
                                     placeholder="Ask in English, 简体中文, 繁體中文 or 日本語…", container=False)
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, size="md", elem_id="send")
                    new = gr.Button("New chat", scale=1, min_width=110, size="md", elem_id="new-chat")
                with gr.Row():
                    export = gr.DownloadButton("Export chat (Markdown)", value=None, size="sm", elem_id="export",
                                               variant="secondary")
                gr.Markdown("**Examples**")
                with gr.Row():
                    examples = [gr.Button(q, size="sm") for q in render.EXAMPLES]
            with gr.Column(scale=2):
                with gr.Accordion("Indexed articles", open=True):
                    table = gr.Dataframe(headers=["Title", "Date", "Language", "Chunks", "Event record"],
                                         interactive=False, wrap=True, elem_id="articles",
                                         column_widths=["30%", "14%", "10%", "8%", "38%"], show_label=False)
                with gr.Accordion("Add or remove articles", open=False, elem_id="manage") as manage:
                    upload = gr.File(label=f"Add articles: {' '.join(SUFFIXES)}, up to {limit_mb:g} MB each",
                                     file_count="multiple", file_types=list(SUFFIXES), type="filepath",
                                     elem_id="upload", height=140)
                    upload_status = gr.Markdown(elem_id="upload-status")
                    with gr.Row():
                        choice = gr.Dropdown(label="Remove an article", choices=[], value=None, scale=4,
                                             elem_id="remove-choice")
                        remove = gr.Button("Remove", variant="stop", scale=1, min_width=90, elem_id="remove")
                with gr.Accordion("Article", open=False, elem_id="reader") as reader:
                    article = gr.HTML("<p>Click a source's title in an answer to read its article here.</p>",
                                      elem_id="article-view")
                open_box = gr.Textbox(elem_id="open-article", elem_classes="offscreen", show_label=False,
                                      container=False)
                open_go = gr.Button("open", elem_id="open-article-go", elem_classes="offscreen")

        # one model answers one question at a time (an endpoint: ASSISTANT_CONCURRENCY); the others wait in
        # Gradio's queue, which shows each waiting user their place and an estimate; past the queue limit
        # (or the user's rate) a question is turned away at once by the admission check
        admission = Admission(assistant.settings, lambda: waiting_in(app, "answer"))
        concurrency = assistant.settings.answer_concurrency
        answer = dict(fn=h.respond_kept, inputs=[box, chat, history, transcript],
                      outputs=[box, chat, history, transcript], validator=admission.chat,
                      concurrency_limit=concurrency, concurrency_id="answer", api_visibility="undocumented")

        def keep_conversation(event):
            """After an answer: the conversation into the browser's storage, the export file renewed."""
            event.then(h.save, [chat, history, transcript], saved, **private) \
                .then(h.export, transcript, export, **private)

        keep_conversation(gr.on([box.submit, send.click], **answer))  # one event: no second question while one streams
        for button in examples:
            keep_conversation(button.click(lambda q: q, button, box, **private).then(**answer))
        cleared = dict(fn=lambda: ([], [], "", [], Handlers.save([], [], []), None),
                       outputs=[chat, history, box, transcript, saved, export], **private)
        new.click(inputs=None, **cleared)
        chat.clear(inputs=None, **cleared)  # the chatbot's own bin

        ask_box, ask_out = gr.Textbox(visible=False), gr.Markdown(visible=False, label="answer")
        ask_box.submit(h.ask, [ask_box, history], [ask_out, history], api_name="ask", validator=admission.api,
                       concurrency_limit=concurrency, concurrency_id="answer")

        upload.upload(h.add_files, upload, [upload_status, status, table, choice, upload],
                      concurrency_limit=1, concurrency_id="ingest", api_name="add_articles",
                      api_visibility="undocumented")
        remove.click(h.remove, choice, [upload_status, status, table, choice, article],
                     concurrency_limit=1, concurrency_id="ingest", api_visibility="private")
        open_go.click(h.open_article, open_box, [article, reader], **private) \
            .then(None, js=SCROLL_TO_CITED_JS, **private)

        app.load(h.status, None, [status, table, choice], concurrency_limit=None, show_progress="hidden",
                 api_visibility="private")
        app.load(h.manage_panel, None, manage, **private)
        app.load(h.restore, saved, [chat, history, transcript], **private) \
            .then(h.export, transcript, export, **private)
    return app


def launch(assistant, host: str = "127.0.0.1", port: int = 7860, ingest: bool = True, **launch_kwargs):
    """Start loading (and ingesting) in the background, then serve on host:port; returns the app."""
    auth = Authenticator(assistant.settings)
    if not auth and not is_loopback(host):
        raise AssistantError(
            f"Refusing to serve on {host} without sign-in: anyone who can reach it could read and change the "
            f"articles. Add a user first with `assistant users add NAME --admin` (it asks the password and keeps "
            f"only its scrypt hash, in {users_path(assistant.settings)}), or set ASSISTANT_USERS to "
            "NAME:HASH[:admin] made by `assistant users hash`; or serve on 127.0.0.1.")
    warmup = Warmup(assistant, ingest=ingest)
    app = create_app(assistant, warmup, auth if auth else None)
    warmup.start()  # only now: a first import of numpy racing gradio's in another thread can fail
    app.queue(default_concurrency_limit=4)
    # no allowed_paths: the app serves its own assets only, never files from this machine
    # uploads larger than the article limit are refused by Gradio before they are written to disk
    max_mb = assistant.settings.max_upload_mb
    if auth:
        from starlette.middleware import Middleware

        launch_kwargs.setdefault("auth", auth)
        launch_kwargs.setdefault("auth_message", "Sign in to ask about the news articles.")
        launch_kwargs.setdefault("app_kwargs", {"middleware": [Middleware(PageNeedsSignIn)]})
    app.launch(server_name=host, server_port=port, css=CSS, js=OPEN_ARTICLE_JS, ssr_mode=False, mcp_server=False,
               pwa=False, enable_monitoring=False, footer_links=["api"], show_error=False,
               max_file_size=f"{max(1, int(max_mb * 1000))}kb", **launch_kwargs)
    return app
