"""Prompt texts and the messages built from them; no I/O. The fixed system prompt comes first so
llama.cpp can reuse its evaluated prefix from one question to the next."""
from __future__ import annotations

from ..text.language import LANG_NAMES, has_kana
from ..text.lexical import person_names
from .naming import romanised_names
from ..text.numbers import gloss_numerals

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
    ("«杭州数字经济论坛开幕»\n[1] 3月8日,2022杭州数字经济论坛在杭州国际博览中心开幕。论坛由杭州市人民政府主办,市经信局承办。\n"
     "[2] 会上共签约项目12个,总投资达56亿元。",
     "论坛由哪个单位主办?", "zh-Hans", "论坛由杭州市人民政府主办[1]。"),
    ("«台中智慧機械展»\n[1] 台中市政府與德國弗勞恩霍夫研究所簽署合作備忘錄,共同推動智慧製造。",
     "Which German institute signed a memorandum with the Taichung city government?", "en",
     "The Fraunhofer Institute (弗勞恩霍夫研究所) signed the memorandum with the Taichung city government [1].",
     "哪个德国研究所与台中市政府签署了备忘录?"),
    ("«成都科技周»\n[1] 本届科技周共吸引观众超过8万人次,展出科技成果300余项。",
     "科学技術週間の来場者数は何人でしたか?", "ja", "来場者数は8万人を超えました[1]。", "科技周的观众有多少人?"),
    ("«深圳创新大会»\n[1] 大会期间发布了5项人才政策,吸引了200多家企业参加。",
     "What was the budget of the Shenzhen innovation conference?", "en", NOT_FOUND, "深圳创新大会的预算是多少?"),
    ("«合肥国际合作»\n[1] 4月12日,合肥市与德国汉诺威市签署友好城市协议。",
     "合肥與哪個德國城市簽署了友好城市協議?", "zh-Hant", "合肥與德國漢諾威市簽署了友好城市協議[1]。"),
    ("[1] 2021杭州人工智能大会 | date 2021-09-10 | place 杭州 — 大会发布了10项成果。\n"
     "[2] 2022洛阳港口论坛 | date 2022-05-18 | place 洛阳 — 论坛签约项目8个。",
     "Which events were held in 2022?", "en",
     "The 2022 Luoyang Port Forum (2022洛阳港口论坛) was held in Luoyang (洛阳) on 2022-05-18 [2].",
     "哪些活动是在2022年举行的?"),
    ("«洛阳智能制造展»\n[1] 展会共吸引参展企业320家,签约金额达15亿元。",
     "How much was signed at the Luoyang expo?", "en",
     "Contracts worth 1.5 billion yuan (15亿元) were signed at the expo [1].", "洛阳展会签约金额是多少?"),
    # a list of people with their offices: the one whose office is asked, named as the passage names him
    ("«蘇州ロボット産業フォーラム»\n[1] 江蘇省科学技術庁副庁長の王立新氏、蘇州工業園区管理委員会副主任の周偉氏、"
     "蘇州大学学長の陳暁紅氏がフォーラムに出席した。",
     "Which deputy director of the Suzhou Industrial Park management committee attended the forum?", "en",
     "Zhou Wei (周偉), deputy director of the Suzhou Industrial Park management committee, attended the forum [1].",
     "哪位苏州工业园区管委会副主任出席了论坛?"),
    # two things asked, both answered, each with its passage
    ("«厦门海洋经济博览会»\n[1] 11月6日至8日,第十届厦门海洋经济博览会在厦门国际会展中心举行。\n"
     "[2] 本届博览会共有来自18个国家和地区的520家企业参展。",
     "博覧会はいつ開かれ、何社が出展しましたか?", "ja", "博覧会は11月6日から8日まで開かれ[1]、520社が出展しました[2]。",
     "博览会何时举办,有多少家企业参展?"),
    # a Chinese question over a Japanese passage is answered in Chinese words, not the passage's Japanese
    ("«広州バイオ医薬サミット»\n[1] サミットでは、広州開発区と香港大学が共同でバイオ医薬イノベーションセンターを"
     "設立することが発表された。",
     "廣州開發區與哪所大學共建創新中心?", "zh-Hant", "廣州開發區與香港大學共建生物醫藥創新中心[1]。"),
    ("«青岛海洋科技大会»\n[1] 9月15日,2022青岛海洋科技大会在青岛西海岸新区开幕。",
     "When did the 2022 Qingdao marine technology conference open?", "en",
     "It opened on September 15 in the West Coast New Area (西海岸新区) of Qingdao (青岛) [1].",
     "2022青岛海洋科技大会是哪天开幕的?"),
]

CONDENSE_SYSTEM = (
    "Rewrite the user's last question as one standalone question in Simplified Chinese that can be "
    "understood without the conversation: replace words that point back (that, it, he, there; 他, 她, "
    "它, 这, 那, 该; 彼, その, この, 同) with the name or thing they refer to. Keep names, numbers and dates. "
    "Output only the rewritten question."
)

TRANSLATE_SYSTEM = (
    "Translate the user's question into Simplified Chinese, the language of the articles it will be "
    "searched in. Keep names, numbers and dates; write a foreign place or organisation by its usual "
    "Chinese name. Output only the translated question."
)
# fixed, so llama.cpp keeps the evaluated prefix; invented questions, not the seed articles'
TRANSLATE_EXAMPLES = [
    ("Which company did the Hangzhou delegation visit in Munich?", "杭州代表团在慕尼黑拜访了哪家公司?"),
    ("成都の科学技術週間には何人が来場しましたか?", "成都科技周有多少人参观?"),
    ("Who opened the Xiaoshan robotics forum?\n(Names in the articles: Xiaoshan = 萧山)", "谁为萧山机器人论坛致开幕辞?"),
]

REFUSALS = {
    "en": "The articles do not contain the answer to this question.",
    "zh-Hans": "文章中没有找到这个问题的答案。",
    "zh-Hant": "文章中沒有找到這個問題的答案。",
    "ja": "記事の中にこの質問の答えは見つかりませんでした。",
}


# before a checked answer given in the article's language when its translation failed the check
ORIGINAL_WORDS = {"en": "In the article's words: ", "ja": "記事の原文では："}


def refusal(lang: str) -> str:
    return REFUSALS.get(lang, REFUSALS["en"])


def format_snippets(snippets, names: bool = False) -> str:
    """«title» once per run of snippets from one article, then "[n] text" lines: a title repeated on
    every line cost up to a third of the prompt, and each prompt token costs ~20 ms here.

    names: a Chinese passage's people and unfamiliar names written "Pinyin (原名)", for an answer in English:
    the model romanised them by guesswork ("Radonfoss" for 拉德芳斯, "SouthYuan" for 南苑)."""
    lines, title = [], None
    for s in snippets:
        if s.title and s.title != title and not s.text.startswith(s.title):  # a catalogue line has its own
            lines.append(f"«{s.title}»")
        title = s.title
        text = gloss_numerals(s.text)
        if names and not has_kana(text):
            text = romanised_names(text, person_names(text))
        lines.append(f"[{s.marker}] {text}")
    return "\n".join(lines)


def _user(passages: str, question: str, lang: str, search_form: str = "") -> str:
    gloss = f"\n(The same question in Chinese, to find it in the passages: {search_form})" \
        if search_form and search_form != question else ""
    return (f"Passages:\n{passages}\n\nQuestion: {question}{gloss}\n"
            f"Answer in {LANG_NAMES.get(lang, 'English')}, citing passage numbers like [1].")


def answer_messages(question: str, snippets, lang: str, search_form: str = "") -> list[tuple[str, str]]:
    """System rules, the worked examples, then this question: everything before it is fixed.

    search_form: the question as it was searched (its Chinese translation, or the standalone form of a
    follow-up), shown beside it so the model meets the passages' own words."""
    messages = [("system", SYSTEM)]
    for passages, q, q_lang, reply, *gloss in EXAMPLES:
        messages += [("human", _user(passages, q, q_lang, *gloss)), ("ai", reply)]
    return messages + [("human", _user(format_snippets(snippets, names=lang == "en"), question, lang, search_form))]


# invented conversations: the rewrite asks what the last question asks (a 1.5B model given none repeated the
# question before it: "是在哪一天?" came back as "…举行了什么会议?")
CONDENSE_EXAMPLES = [
    ([("user", "厦门海洋经济博览会由哪个单位主办?"), ("assistant", "博览会由厦门市人民政府主办[1]。")],
     "是哪天开幕的?", "厦门海洋经济博览会是哪天开幕的?"),
    ([("user", "Who opened the Suzhou robotics forum?"), ("assistant", "Wang Lixin (王立新) opened it [1].")],
     "Which company did he found?", "王立新创办了哪家公司?"),
    ([("user", "成都の科学技術週間の来場者数は何人でしたか?"), ("assistant", "来場者数は8万人を超えました[1]。")],
     "その週間では何が展示されましたか?", "成都科技周展出了什么?"),
]


def _condense_user(question: str, history: list[tuple[str, str]]) -> str:
    turns = "\n".join(f"{'User' if role in ('user', 'human') else 'Assistant'}: {text}"
                      for role, text in history[-6:])
    return f"Conversation:\n{turns}\n\nLast question: {question}\n\nStandalone question:"


def condense_messages(question: str, history: list[tuple[str, str]]) -> list[tuple[str, str]]:
    messages = [("system", CONDENSE_SYSTEM)]
    for turns, last, rewrite in CONDENSE_EXAMPLES:
        messages += [("human", _condense_user(last, turns)), ("ai", rewrite)]
    return messages + [("human", _condense_user(question, history))]


def translate_messages(question: str, names: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """names: (name as the question writes it, the articles' own form) pairs, so a place keeps its
    article name (Jinhua → 金华) instead of a guessed one."""
    messages = [("system", TRANSLATE_SYSTEM)]
    for q, t in TRANSLATE_EXAMPLES:
        messages += [("human", q), ("ai", t)]
    gloss = "; ".join(f"{a} = {b}" for a, b in names)
    return messages + [("human", f"{question}\n(Names in the articles: {gloss})" if gloss else question)]


ANSWER_TRANSLATE_SYSTEM = (
    "Translate the Chinese answer into {name}. Keep every [n] marker after the sentence it belongs to. "
    "Keep numbers and dates exact. {names} Output only the translation."
)
NAMES_RULE = {
    "en": "After each translated name of a person, place or organisation, write the original Chinese in brackets.",
    "ja": "Write the names of people, places and organisations in their original kanji.",
}
ANSWER_TRANSLATE_EXAMPLES = {
    "en": ("论坛由杭州市人民政府主办,签约项目12个[1]。", "The forum was hosted by the Hangzhou Municipal People's "
           "Government (杭州市人民政府), and 12 projects were signed [1]."),
    "ja": ("论坛由杭州市人民政府主办,签约项目12个[1]。", "フォーラムは杭州市人民政府が主催し、12件のプロジェクトが調印されました[1]。"),
}


def translate_answer_messages(answer: str, lang: str) -> list[tuple[str, str]]:
    """A checked Chinese answer, to be put into the question's language (fixed prefix per language)."""
    example = ANSWER_TRANSLATE_EXAMPLES.get(lang, ANSWER_TRANSLATE_EXAMPLES["en"])
    system = ANSWER_TRANSLATE_SYSTEM.format(name=LANG_NAMES.get(lang, "English"),
                                           names=NAMES_RULE.get(lang, NAMES_RULE["en"]))
    return [("system", system),
            ("human", example[0]), ("ai", example[1]), ("human", answer)]


def retranslate_messages(answer: str, lang: str) -> list[tuple[str, str]]:
    """An answer that came out in the wrong language, to be put into the question's."""
    name = LANG_NAMES.get(lang, "English")
    return [("system", f"Translate the text into {name}. Keep every [n] marker where it is. After a translated "
                       "name, write the original in brackets. Output only the translation."),
            ("human", answer)]


VERIFY_SYSTEM = "You are a strict fact checker."


def verify_messages(question: str, answer: str, passages: list[str]) -> list[tuple[str, str]]:
    """Whether the cited passages state this answer to this question, asked of the model as Yes or No.

    A 1.5B model answers from a passage that is about the question but does not state what was asked
    (the gold passage left out of the index); asked afterwards about the one answer and its passages,
    it tells those apart from supported answers (docs/answers.md, tenth session)."""
    text = "\n".join(passages)
    return [("system", VERIFY_SYSTEM),
            ("human", f"Passage:\n{text}\n\nQuestion: {question}\nProposed answer: {answer}\n\n"
                      "Does the passage explicitly state the proposed answer to this question? Answer Yes or No.")]


# the answer check asked in a Chinese question's own words (the Yes/No read stays English: the reader compares
# those tokens' logits), measured by `assistant bench checks --check own` and not used in answers: it tells right
# answers from wrong ones better than verify_messages on CMRC, but its floor there refused 8 right XQuAD answers
# for 3 wrong. A Japanese wording gave every JSQuAD answer P(yes) ≥ .8 (docs/answers.md, thirty-seventh session)
VERIFY_OWN = {
    "zh-Hans": ("你是严格的事实核查员。",
                "文章：\n{text}\n\n问题：{question}\n回答：{answer}\n\n文章是否明确写出了这个回答，作为这个问题的答案？只回答 Yes 或 No。"),
    "zh-Hant": ("你是嚴格的事實核查員。",
                "文章：\n{text}\n\n問題：{question}\n回答：{answer}\n\n文章是否明確寫出了這個回答，作為這個問題的答案？只回答 Yes 或 No。"),
}


def verify_own_messages(question: str, answer: str, passages: list[str], lang: str) -> list[tuple[str, str]]:
    """verify_messages asked in a Chinese question's language (verify_messages itself for any other)."""
    if lang not in VERIFY_OWN:
        return verify_messages(question, answer, passages)
    system, ask = VERIFY_OWN[lang]
    return [("system", system), ("human", ask.format(text="\n".join(passages), question=question, answer=answer))]


def claim_messages(answer: str, passages: list[str]) -> list[tuple[str, str]]:
    """Whether the cited passages state this answer as a claim of its own, the question left out: a second
    check measured against verify_messages by `assistant bench checks` and not used in answers. Replayed on
    the public sets it refused more answers to left-out questions, but end to end on the seed questions it
    refused right answers and no unanswerable one more (docs/answers.md, twenty-fourth session)."""
    text = "\n".join(passages)
    return [("system", VERIFY_SYSTEM),
            ("human", f"Passage:\n{text}\n\nClaim: {answer}\n\n"
                      "Does the passage explicitly state this claim? Answer Yes or No.")]
