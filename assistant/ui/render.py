"""Answers, sources, article lists and errors turned into the HTML/markdown the web UI shows (no gradio)."""
from __future__ import annotations

import html
import re
from typing import Iterable
from urllib.parse import quote, unquote

from ..errors import AssistantError
from ..text.language import LANG_LABELS
from ..text.segment import MARKER
from ..types import Answer, Citation, Passage, Sources

EXAMPLES = [
    "Which university signed a strategic cooperation project with the Rui'an city government?",
    "瑞安建成了多少家博士后工作站?",
    "無錫高新區代表團拜訪了哪家德國公司?",
    "山東省副省長として交流会で挨拶したのは誰ですか?",
]


def _flat(text: str) -> str:
    # a blank line would end the markdown HTML block the sources live in
    return html.escape(re.sub(r"\s+", " ", str(text)))


def _one_line(text: str) -> str:
    return _flat(text).strip()


def _date(meta: dict) -> str:
    published = str(meta.get("published") or "")
    events = meta.get("event_dates") or ""
    events = ", ".join(events) if isinstance(events, (list, tuple)) else str(events)
    record = meta.get("record")  # the event's date as the article writes it, when it states no year
    return published or events or (record.stated_date() if hasattr(record, "stated_date") else "")


def _passage_for(cite: Citation, passages: Iterable[Passage]) -> Passage | None:
    passages = list(passages)
    same_chunk = [p for p in passages if p.chunk_id and p.chunk_id == cite.chunk_id]
    return same_chunk[0] if same_chunk else next((p for p in passages if p.source == cite.source), None)


def _find(text: str, snippet: str) -> tuple[int, int] | None:
    """Where the snippet stands in the text; whitespace may differ (snippets are joined sentences)."""
    chars = [re.escape(ch) for ch in snippet if not ch.isspace()]
    match = re.search(r"\s*".join(chars), text) if chars else None
    return match.span() if match else None


def highlight(passage_text: str, snippet: str, span: tuple[int, int] | None = None) -> str:
    """The passage, escaped, with the cited snippet in <mark>; the snippet alone when it is not in it.

    span: the citation's offsets relative to the passage, used when the text itself cannot be found.
    """
    found = _find(passage_text, snippet)
    if found is None and span and 0 <= span[0] < span[1] <= len(passage_text):
        found = span
    if found is None:
        return f"<mark>{_one_line(snippet)}</mark>"
    (a, b), text = found, passage_text
    return f"{_flat(text[:a]).lstrip()}<mark>{_one_line(text[a:b])}</mark>{_flat(text[b:]).rstrip()}"


def _heading(title: str, meta: dict) -> str:
    """An article's title in bold, then its date and outlet, escaped."""
    facts = [f for f in (_date(meta), str(meta.get("outlet") or "")) if f]
    return f'<b>{_one_line(title)}</b>' + "".join(f" · {_one_line(f)}" for f in facts)


def article_link(source: str, start: int = 0, end: int = 0) -> str:
    """The fragment a click on a source opens the whole article by (the page's script reads it)."""
    return f"#article:{quote(source, safe='')}:{int(start)}:{int(end)}"


def parse_article_link(ref: str) -> tuple[str, int, int]:
    """(source, start, end) from article_link's fragment, with or without its '#article:' prefix."""
    ref = str(ref or "").removeprefix("#").removeprefix("article:")
    source, _, span = ref.partition(":")
    start, _, end = span.partition(":")
    return unquote(source), int(start) if start.isdigit() else 0, int(end) if end.isdigit() else 0


def source_entry(cite: Citation, passage: Passage | None, turn: int, article: dict | None = None) -> str:
    meta = {**(article or {}), **(passage.metadata if passage else {})}
    head = _heading(cite.title or (passage.title if passage else "") or cite.source, meta)
    head = (f'<a class="open-article" title="Read the whole article" '
            f'href="{article_link(cite.source, cite.start, cite.end)}">{head}</a>')
    same_chunk = passage is not None and passage.chunk_id == cite.chunk_id
    span = (cite.start - passage.start, cite.end - passage.start) if same_chunk and cite.end > cite.start else None
    body = highlight(passage.text, cite.snippet, span) if same_chunk else f"<mark>{_one_line(cite.snippet)}</mark>"
    return (f'<div class="source" id="src-{turn}-{cite.marker}"><span class="marker">[{cite.marker}]</span> '
            f'{head} <code>{_one_line(cite.source)}</code><div class="passage">{body}</div></div>')


def link_markers(text: str, turn: int, markers: set[int]) -> str:
    """Escape the answer and turn each known [n] into a link to its source entry."""
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        return f'<a class="cite" href="#src-{turn}-{n}">[{n}]</a>' if n in markers else m.group(0)

    return MARKER.sub(link, html.escape(text, quote=False))


def render_answer(answer: Answer, turn: int, articles: dict[str, dict] | None = None) -> str:
    """The chat message for a finished answer: linked text, then its sources."""
    text = link_markers(answer.text, turn, {c.marker for c in answer.citations})
    if answer.refused:
        return text
    if not answer.citations:  # the checker removed every unsupported marker: say so rather than look sourced
        return f'{text}\n\n<div class="sources none">No passage supports this answer; check it in the articles.</div>'
    entries = "".join(source_entry(c, _passage_for(c, answer.passages), turn, (articles or {}).get(c.source))
                      for c in answer.citations)
    return f'{text}\n\n<div class="sources"><div class="sources-head">Sources</div>{entries}</div>'


def reading_block(sources: Sources, articles: dict[str, dict] | None = None, limit: int = 4) -> str:
    """While the answer is being written: the articles and passages it is drawn from (escaped), one entry
    per article, the first passage's opening beside it. The final answer replaces this with what it cites."""
    by_article: dict[str, Passage] = {}
    for p in sources.passages:
        by_article.setdefault(p.source, p)
    if not by_article:
        return '<div class="sources reading"><div class="sources-head">No passage found; checking…</div></div>'
    head = "Reading…" if sources.final else "Searching…"
    entries = []
    for p in list(by_article.values())[:limit]:
        title = _heading(p.title or p.source, {**(articles or {}).get(p.source, {}), **p.metadata})
        excerpt = _one_line(p.text[:160]) + ("…" if len(p.text) > 160 else "")
        entries.append(f'<div class="source">{title} <code>{_one_line(p.source)}</code>'
                       f'<div class="passage">{excerpt}</div></div>')
    return f'<div class="sources reading"><div class="sources-head">{head}</div>{"".join(entries)}</div>'


def plain_answer(answer: Answer, articles: dict[str, dict] | None = None, bullet: str = "") -> str:
    """Markdown for API clients: the answer, then one line per source (bullet: "- " makes them a list)."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"] + ([""] if bullet else [])
    for c in answer.citations:
        passage = _passage_for(c, answer.passages)
        meta = {**(articles or {}).get(c.source, {}), **(passage.metadata if passage else {})}
        facts = ", ".join(f for f in (c.source, _date(meta), str(meta.get("outlet") or "")) if f)
        lines.append(f"{bullet}[{c.marker}] {c.title or c.source} ({facts}): \"{' '.join(c.snippet.split())}\"")
    return "\n".join(lines)


def error_message(exc: BaseException) -> str:
    """What the user reads in the chat when something failed; typed errors already say what to do."""
    if isinstance(exc, AssistantError):
        return f"⚠️ {exc}"
    return (f"⚠️ Something went wrong ({type(exc).__name__}: {exc}). The app is still running; "
            "try again, and see the server log for details.")


def article_rows(articles: list[dict]) -> list[list]:
    """Rows for the articles panel: title, date, language, chunks, and the event record's facts."""
    return [[a.get("title") or a.get("source", ""), _date(a), LANG_LABELS.get(a.get("lang", ""), a.get("lang", "")),
             int(a.get("chunks", 0)), _facts(a.get("record"))] for a in articles]


def _facts(record) -> str:
    """organisers / countries / people / signed / attended of an event record, one 'name: values' per field."""
    if record is None:
        return ""
    parts = [f"{name}: {'、'.join(record.values(name))}"
             for name in ("organisers", "countries", "people", "signed", "attended") if record.values(name)]
    return " · ".join(parts)


def article_view(article: dict, start: int = 0, end: int = 0) -> str:
    """The whole cleaned article, escaped, one paragraph a line, the cited span [start, end) in
    <mark id="cited"> (the page scrolls to it); its heading names the title, date, outlet and file."""
    text = str(article.get("text", ""))
    head = _heading(article.get("title") or article.get("source", ""), article)
    if not 0 <= start < end <= len(text):
        start = end = 0

    paras, offset, first = [], 0, True
    for line in text.split("\n"):
        a, b = max(start, offset), min(end, offset + len(line))
        if a < b:  # this paragraph holds (part of) the cited span
            a, b = a - offset, b - offset
            anchor = ' id="cited"' if first else ""
            mark = f"<mark{anchor}>{html.escape(line[a:b])}</mark>"
            line_html, first = f"{html.escape(line[:a])}{mark}{html.escape(line[b:])}", False
        else:
            line_html = html.escape(line)
        if line.strip():
            paras.append(f"<p>{line_html}</p>")
        offset += len(line) + 1
    return (f'<div class="article"><div class="article-head">{head} <code>{_one_line(article.get("source", ""))}'
            f'</code></div><div class="article-body">{"".join(paras)}</div></div>')


def upload_summary(lines: list[str]) -> str:
    """The upload box's status: one escaped line per file."""
    return "\n".join(f"- {_one_line(line)}" for line in lines)


def article_choices(articles: list[dict]) -> list[tuple[str, str]]:
    """(label, source) for the remove menu: the title with the file name, so two like titles differ."""
    return [(f"{a.get('title') or a.get('source', '')} · {a.get('source', '')}", str(a.get("source", "")))
            for a in articles]


def transcript_entry(question: str, answer: Answer, articles: dict[str, dict] | None = None) -> str:
    """One question and its answer with numbered sources, as Markdown for the export."""
    return f"**Q:** {question}\n\n{plain_answer(answer, articles, bullet='- ')}"


def export_markdown(entries: list[str]) -> str:
    return "# News assistant: conversation\n\n" + "\n\n---\n\n".join(entries) + "\n"


def status_line(state: str, seconds: float = 0.0, detail: str = "") -> str:
    if state == "ready":
        return f"**Ready.** {detail}"
    if state == "error":
        return f"**Not ready:** {detail}"
    return f"**Loading models and the article index…** {seconds:.0f} s"
