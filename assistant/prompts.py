"""Prompt texts and the messages built from them; no I/O. The fixed system prompt comes first so
llama.cpp can reuse its evaluated prefix from one question to the next."""
from __future__ import annotations

from .language import LANG_NAMES

NOT_FOUND = "NOT_FOUND"

SYSTEM = (
    "You answer questions about news articles. Use only the numbered passages given with the "
    "question, never outside knowledge.\n"
    "Rules:\n"
    "1. Answer in the language the user asks for, in one to three short sentences.\n"
    "2. End each sentence with the number of the passage that supports it, like [2].\n"
    "3. Copy names, numbers and dates exactly from the passages. In an English answer, "
    "write the original Chinese or Japanese name in brackets after a translated name.\n"
    f"4. If the passages do not state the answer, reply with exactly: {NOT_FOUND}"
)

CONDENSE_SYSTEM = (
    "Rewrite the user's last question as one standalone question that can be understood "
    "without the conversation: replace words like 'that', 'it', 'there' with what they refer to. "
    "Keep the language of the last question. Output only the rewritten question."
)

REFUSALS = {
    "en": "The articles do not contain the answer to this question.",
    "zh-Hans": "文章中没有找到这个问题的答案。",
    "zh-Hant": "文章中沒有找到這個問題的答案。",
    "ja": "記事の中にこの質問の答えは見つかりませんでした。",
}


def refusal(lang: str) -> str:
    return REFUSALS.get(lang, REFUSALS["en"])


def format_snippets(snippets) -> str:
    """[n] «title» text — one line per supporting snippet."""
    return "\n".join(f"[{s.marker}] «{s.title}» {s.text}" if s.title else f"[{s.marker}] {s.text}"
                     for s in snippets)


def answer_messages(question: str, snippets, lang: str, catalogue: str = "") -> list[tuple[str, str]]:
    parts = []
    if catalogue:
        parts.append("Articles in the collection (one line each):\n" + catalogue)
    parts.append("Passages:\n" + format_snippets(snippets))
    parts.append(f"Question: {question}")
    parts.append(f"Answer in {LANG_NAMES.get(lang, 'English')}, citing passage numbers like [1].")
    return [("system", SYSTEM), ("human", "\n\n".join(parts))]


def condense_messages(question: str, history: list[tuple[str, str]]) -> list[tuple[str, str]]:
    turns = "\n".join(f"{'User' if role in ('user', 'human') else 'Assistant'}: {text}"
                      for role, text in history[-6:])
    return [("system", CONDENSE_SYSTEM),
            ("human", f"Conversation:\n{turns}\n\nLast question: {question}\n\nStandalone question:")]
