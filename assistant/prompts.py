"""Prompt texts and the messages built from them; no I/O. The fixed system prompt comes first so
llama.cpp can reuse its evaluated prefix from one question to the next."""
from __future__ import annotations

from .language import LANG_NAMES

NOT_FOUND = "NOT_FOUND"

SYSTEM = (
    "You answer questions about news articles. Use only the numbered passages given with the "
    "question, never outside knowledge.\n"
    "Rules:\n"
    "1. Answer in the language the user asks for, in one or two short sentences.\n"
    "2. End each sentence with the number of the passage that supports it, like [2].\n"
    "3. Copy names, numbers and dates exactly from the passages. In an English answer, "
    "write the original Chinese or Japanese name in brackets after a translated name.\n"
    f"4. If the passages do not state the answer, reply with exactly: {NOT_FOUND}"
)

# Worked examples (invented articles) sit in the fixed prefix: llama.cpp evaluates them once and
# reuses them, so they cost no time per question and show a 1.5B model what is wanted.
EXAMPLES = [
    ("[1] «杭州数字经济论坛开幕» 3月8日,2022杭州数字经济论坛在杭州国际博览中心开幕。论坛由杭州市人民政府主办,市经信局承办。\n"
     "[2] «杭州数字经济论坛开幕» 会上共签约项目12个,总投资达56亿元。",
     "论坛由哪个单位主办?", "zh-Hans", "论坛由杭州市人民政府主办[1]。"),
    ("[1] «台中智慧機械展» 台中市政府與德國弗勞恩霍夫研究所簽署合作備忘錄,共同推動智慧製造。",
     "Which German institute signed a memorandum with the Taichung city government?", "en",
     "The Fraunhofer Institute (弗勞恩霍夫研究所) signed the memorandum with the Taichung city government [1]."),
    ("[1] «成都科技周» 本届科技周共吸引观众超过8万人次,展出科技成果300余项。",
     "科学技術週間の来場者数は何人でしたか?", "ja", "来場者数は8万人を超えました[1]。"),
    ("[1] «深圳创新大会» 大会期间发布了5项人才政策,吸引了200多家企业参加。",
     "What was the budget of the Shenzhen innovation conference?", "en", NOT_FOUND),
    ("[1] «合肥国际合作» 4月12日,合肥市与德国汉诺威市签署友好城市协议。",
     "合肥與哪個德國城市簽署了友好城市協議?", "zh-Hant", "合肥與德國漢諾威市簽署了友好城市協議[1]。"),
]

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


def _user(passages: str, question: str, lang: str) -> str:
    return (f"Passages:\n{passages}\n\nQuestion: {question}\n"
            f"Answer in {LANG_NAMES.get(lang, 'English')}, citing passage numbers like [1].")


def answer_messages(question: str, snippets, lang: str) -> list[tuple[str, str]]:
    """System rules, the worked examples, then this question: everything before it is fixed."""
    messages = [("system", SYSTEM)]
    for passages, q, q_lang, reply in EXAMPLES:
        messages += [("human", _user(passages, q, q_lang)), ("ai", reply)]
    return messages + [("human", _user(format_snippets(snippets), question, lang))]


def condense_messages(question: str, history: list[tuple[str, str]]) -> list[tuple[str, str]]:
    turns = "\n".join(f"{'User' if role in ('user', 'human') else 'Assistant'}: {text}"
                      for role, text in history[-6:])
    return [("system", CONDENSE_SYSTEM),
            ("human", f"Conversation:\n{turns}\n\nLast question: {question}\n\nStandalone question:")]
