"""condense → retrieve → pick evidence → answer (streamed) → check citations; the Answer object."""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Generator, Iterator, Sequence

from .citations import (CitationChecker, Snippet, answers_kind, as_read, english_share, novel_share, novel_support,
                        numbers_in_any, renumber_markers, states_premise)
from ..config import Settings
from ..errors import InputError
from .naming import BRACKETED, drop_echoed_brackets, drop_honorifics, gloss_english_names, romanised_names
from .evidence import SentenceScorer, is_cross_article, select_snippets
from ..text.asked import (DATE, NUMBER, PERSON, asked_kind, asks_people_count, content_words, points_back,
                          people_bounds, points_to_person, question_parts, time_bounds, translated_kind,
                          without_bounds)
from ..text.lexical import common_word, fold, person_names, verbs
from ..text.numbers import stated_values
from ..text.names import names_stated, question_names, rare_words
from ..corpus.records import asked_offices, holders, japanese_country_names, region_countries
from ..text.dates import (YEAR as _YEAR, asked_months, drop_years, english_dates, month_span, stated_months,
                          without_months)
from ..text.language import detect_lang, family_of, han_count, has_kana, lang_family, match_script, question_lang
from ..text.segment import clauses, map_markers, strip_markers
from ..llm.adapters import stream_text, yes_probability
from ..retrieval.hybrid import halfway, question_vector
from .prompts import (NOT_FOUND, ORIGINAL_WORDS, answer_messages, condense_messages, refusal, retranslate_messages, verify_messages,
                      translate_answer_messages, translate_messages)
from ..types import Answer, Citation, Passage, RecordField, Refusal, Sources


def clean_question(question, max_chars: int) -> str:
    if not isinstance(question, str):
        raise InputError(f"The question must be text, not {type(question).__name__}.")
    text = "".join(ch for ch in question if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    text = " ".join(text.split())
    if not text:
        raise InputError("The question is empty. Type a question about the articles.")
    if len(text) > max_chars:
        raise InputError(f"The question is {len(text):,} characters long; the limit is {max_chars:,} "
                         "(ASSISTANT_MAX_QUESTION_CHARS). Shorten it to the part you want answered.")
    return text


def _history(history) -> list[tuple[str, str]]:
    out = []
    for item in history or []:
        role, text = (item["role"], item["content"]) if isinstance(item, dict) else item
        if isinstance(text, str) and text.strip():
            out.append((str(role), text))
    return out


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


_QUOTED = re.compile(r"「[^「」]*」|『[^『』]*』")


def wrong_language(answer: str, lang: str) -> bool:
    """An English answer that is mostly Chinese outside its brackets (a Han character stands for about a
    word, so more than one per three Latin letters), or a Japanese one without kana.

    "The 2019中芬合作平台高层会谈…在宁波市南苑饭店[1]。" has English words, yet nobody reading English can use
    it; "The Fraunhofer Institute (弗勞恩霍夫研究所) signed …" keeps the original name as asked. Nor is
    "中国 SAE 为瑞安设计了「オーダーメイド」平台" Japanese: its only kana is a quoted term. A Chinese answer
    with kana outside quotes and brackets is partly Japanese."""
    if lang == "en":
        plain = BRACKETED.sub("", answer)
        latin = sum(len(w) for w in _LATIN_WORD.findall(plain))
        return latin == 0 or 3 * han_count(plain) > latin
    # kana only inside a quoted term (「オーダーメイド」) leaves a Chinese sentence, not a Japanese one; a
    # Chinese answer read off a Japanese passage keeps its katakana words (人工知能、バイオメディカル)
    kana = has_kana(_QUOTED.sub("", BRACKETED.sub("", answer)))
    return not kana if lang == "ja" else kana


def _mostly(snippets, family: str) -> bool:
    """Whether more than half the snippets' text is in one language family ("zh" for both scripts)."""
    own = sum(len(s.text) for s in snippets if lang_family(s.text) == family)
    return 2 * own > sum(len(s.text) for s in snippets)


def _maybe_refusal(raw: str) -> bool:
    head = raw.lstrip()
    return NOT_FOUND.startswith(head) or head.startswith(NOT_FOUND)


def for_translation(text: str, lang: str, people: Sequence[str] = ()) -> str:
    """Checked Chinese text as it goes to the translation into lang: for English each name the model would
    guess at written "Pinyin (原名)" (people: the names of persons among them); for Japanese each country
    as Japanese writes it (芬兰 → フィンランド, not フェンツ)."""
    if lang == "en":
        return romanised_names(text, people)
    return japanese_country_names(text) if lang == "ja" else text


def event_months(record) -> set[int]:
    """The months of the year an event record dates its event in (an interval's months all); from the date
    as the article writes it when it gives no year (4月19日至21日); empty when it is not dated."""
    months: set[int] = set()
    for interval in record.event_dates:
        ends = [int(d[5:7]) for d in interval.split("/") if re.fullmatch(r"\d{4}-\d\d(?:-\d\d)?", d)]
        if ends:
            months.update(month_span(ends[0], ends[-1]))
    return months or stated_months(record.stated_date())


def in_time(records: dict, question: str, search_form: str = "") -> tuple[dict, set[str]]:
    """The event records a question across articles can be about, by the time it names: the years it names
    (2023), its bounds (before 2022) and its months (in spring, 3月至5月), each judged on the record's dates
    (a year from the event or the publication). Those whose dates meet every condition, and the set of
    them; a record that states no year, or no month, cannot be shown to meet it and goes (the 1.5B model,
    shown 4月19日至21日 with no year, put that event before 2022). When no record meets the conditions,
    they rule none out (and the set is empty)."""
    both = f"{without_bounds(question)} {without_bounds(search_form)}"
    years = set(_YEAR.findall(both))
    bounds = time_bounds(question) + time_bounds(search_form)
    months = asked_months(question) | asked_months(search_form)

    def year_of(r) -> list[int]:
        return [int(y) for y in _YEAR.findall(" ".join(r.event_dates) or r.published)]

    conditions = []  # each: the record → met (True), not met (False), cannot tell (None)
    if years:
        conditions.append(lambda r: bool(years & set(_YEAR.findall(" ".join(r.event_dates) + " " + r.published)))
                          if r.event_dates or r.published else None)
    if bounds:  # before 2022: the events of a year before it
        conditions.append(lambda r: all(any(y < year if op == "<" else y > year for y in year_of(r))
                                        for op, year in bounds) if year_of(r) else None)
    if months:
        conditions.append(lambda r: bool(event_months(r) & months) if event_months(r) else None)
    timed = {src for src, r in records.items() if conditions and all(met(r) for met in conditions)}
    return ({src: r for src, r in records.items() if src in timed}, timed) if timed else (records, set())


def by_turnout(records: dict, question: str, search_form: str = "") -> tuple[dict, dict[str, RecordField]]:
    """The event records a question across articles can be about, by the bound it sets on how many people
    took part (200人以上, more than 200 participants): those whose record counts a turnout within it, each
    with the field that does. A record that counts no one cannot bear out "more than 200 came" and goes;
    when no record meets the bound, it rules none out (and keeps none for it)."""
    bounds = people_bounds(question) + people_bounds(search_form)
    if not bounds:
        return records, {}
    met = {}
    for src, record in records.items():
        for f in record.fields:
            values = stated_values(f.value) if f.name == "attended" else set()
            if values and all(max(values) >= n if op == "≥" else max(values) <= n for op, n in bounds):
                met[src] = f
                break
    return ({src: records[src] for src in met}, met) if met else (records, {})


def join_answers(parts: Sequence[str], results: Sequence[Answer], lang: str) -> Answer:
    """One answer to a question of several parts: each part's answer a paragraph of its own, the citations numbered
    through (a passage two parts cite keeps one number), a part the articles do not answer given as its
    question and the refusal; refused only when every part is."""
    passages = tuple({p.chunk_id: p for r in results for p in r.passages}.values())
    if all(r.refused for r in results):
        return Answer(text=refusal(lang), passages=passages, refused=True, lang=lang,
                      refused_by=" | ".join(r.refused_by for r in results))
    lines, citations, number = [], [], {}
    for part, result in zip(parts, results):
        if result.refused:
            lines.append(f"{part} {refusal(lang)}")
            continue
        numbers = {}
        for c in result.citations:
            key = (c.chunk_id, c.start, c.end)
            if key not in number:
                number[key] = len(number) + 1
                citations.append(replace(c, marker=number[key]))
            numbers[c.marker] = number[key]
        lines.append(map_markers(result.text, numbers))
    return Answer(text="\n\n".join(lines), citations=tuple(citations), passages=passages, lang=lang)


@dataclass
class _Turn:
    """One question on its way through the pipeline."""
    question: str
    standalone: str  # the question as searched: its Chinese translation, or a follow-up made standalone
    lang: str
    kind: str | None  # the kind of fact asked (text.asked), if any
    across: bool  # a question across the articles
    names: list[str] = field(default_factory=list)  # names the question gives, in its own script (text.names)
    mapped: list[str] = field(default_factory=list)  # the corpus's Chinese form of its Latin names (Wuxi → 无锡)
    people: bool = False  # a count of people is asked (几名, 何人; an English question by its translation)
    passages: tuple[Passage, ...] = ()
    snippets: list[Snippet] = field(default_factory=list)
    streamed: bool = False  # draft text has been yielded

    @property
    def asked(self) -> str:
        """The question as asked and as searched, what an answer's words are compared with."""
        return f"{self.question}\n{self.standalone}"


class Chat:
    """The answering pipeline; the chat model and its lock are injected (fakes in tests)."""

    def __init__(self, settings: Settings, retriever, chat_model, lock=None, embeddings=None):
        self.settings = settings
        self.retriever = retriever
        self.model = chat_model
        self.lock = lock or threading.Lock()
        self.embeddings = embeddings or retriever.embeddings
        self.scorer = SentenceScorer(self.embeddings, getattr(retriever, "keyword_overlap", None))
        self.checker = CitationChecker(self._embed_pairs, settings.tuning)

    def _embed_pairs(self, sentences: list[str], snippets: list[str]):
        """Cosine of each sentence with each snippet: the best of the whole snippet and its clauses,
        since a short answer ("8 tasks") sits far from a long passage but close to its own clause."""
        import numpy as np

        out = np.full((len(sentences), len(snippets)), -1.0, dtype=np.float32)
        if not sentences or not snippets:
            return out.tolist()
        qs = np.asarray(self.embeddings.embed_documents(sentences), dtype=np.float32)
        parts = [[snippet] + [c for c in clauses(snippet) if len(c) >= 6]
                 for snippet in snippets]
        sims = qs @ self.scorer.vectors([p for ps in parts for p in ps]).T  # one encoder call for all snippets
        lo = 0
        for j, ps in enumerate(parts):
            out[:, j] = sims[:, lo:lo + len(ps)].max(axis=1)
            lo += len(ps)
        return out.tolist()

    def _generate(self, messages) -> Iterator[str]:
        yield from stream_text(self.model, messages, self.settings, self.lock)

    def warm_up(self) -> None:
        """Evaluate the fixed prompt prefixes once (translation, answer), so the first question starts fast."""
        gloss_english_names("Warm Up [1].", ["预热"])  # loads what names in English answers need: pinyin,
        # jieba's transliteration characters
        # an English search loads the English→Chinese keyword dictionary (1.6 s) the first English
        # question's sources would otherwise wait for
        self.retriever.search("warm-up search", k=1)
        for messages in (translate_messages("warm-up"), answer_messages("warm-up", [], "en"),
                         translate_answer_messages("warm-up", "en")):
            for _ in self._generate(messages):
                break

    def search_form(self, question: str, lang: str, history: list[tuple[str, str]],
                    glossary: list[tuple[str, str]] | None = None) -> str:
        """The question as the articles would put it: one model call at most, none for a Chinese
        question without history.

        A follow-up is rewritten into a standalone Simplified Chinese question; an English or Japanese
        question is translated. e5-small ranks passages of the question's own language first and BM25
        cannot match across languages, so a translation finds the Chinese passage both ways."""
        if history:
            question = self._rewrite(condense_messages(question, history), question)
            lang = detect_lang(question)  # the model does not always write the rewrite in Chinese
        if lang.startswith("zh") or not self.settings.translate_queries:
            return question
        glossary = self.retriever.glossary(question) if glossary is None else glossary
        return self._rewrite(translate_messages(question, glossary), question)

    def _rewrite(self, messages, fallback: str) -> str:
        rewritten = "".join(self._generate(messages)).strip()
        rewritten = rewritten.splitlines()[0].strip() if rewritten else ""
        return rewritten if 3 <= len(rewritten) <= 4 * len(fallback) + 200 else fallback

    def query_vector(self, question: str, search_form: str = "", known=None) -> list[float]:
        """The question's e5 vector; with a search form (translation), the vector halfway between the two.
        A Chinese question's own vector is the one halfway between its two scripts (Tuning.both_scripts): a
        Traditional question finds Simplified passages as well as Traditional ones, and the reverse.
        known: the question's own vector, when it was already computed for this question."""
        if known is None:
            known = question_vector(self.embeddings, question, self.settings.tuning.both_scripts)
        if search_form and search_form != question:
            return halfway(known, self.embeddings.embed_query(search_form))
        return list(known)

    def searched(self, question: str, search_form: str = "", known=None,
                 asked: Sequence[Passage] = ()) -> tuple[list[Passage], str, list[float]]:
        """The passages found for evidence() and the words and vector their sentences are then scored by: the
        search form's, or the question's own where the translation found mostly its own language's passages."""
        qvec = self.query_vector(question, search_form, known)
        words = search_form or question
        passages = self.retriever.search(words, k=self.settings.top_k, vector=qvec)
        if asked and passages and words != question and _mostly(passages, lang_family(question)):
            seen = {p.chunk_id for p in asked}
            passages = list(asked) + [p for p in passages if p.chunk_id not in seen]
            words, qvec = question, self.query_vector(question, "", known)
        return passages, words, qvec

    def evidence(self, question: str, search_form: str = "", known=None,
                 asked: Sequence[Passage] = ()) -> tuple[list[Passage], list[Snippet]]:
        """Passages and the snippets for the prompt; a search form (translation) is searched along with
        the question: keywords from it, the vector halfway between the two.

        asked: the passages the question as asked found (the preliminary sources' search). When the
        translation finds mostly passages in the question's own language, it found nothing the question's
        own words would not, and its errors cost: those passages come first, and sentences are scored by the
        question's own words and vector (JSQuAD, gold passage among the snippets .82 -> .93). Where it finds
        Chinese passages (XQuAD en->zh, most dev questions) nothing changes: adding the question's own-language
        passages there put another article's Japanese sentence into the prompt (docs/answers.md)."""
        passages, words, qvec = self.searched(question, search_form, known, asked)
        if not passages or not self._relevant(passages):
            return passages, []
        # the best sentence alone only where it was scored by the question's own words: a translation's
        # wording ranks sentences less surely (XQuAD en->zh: more right answers refused, docs/answers.md)
        sure = self.settings.tuning.sure_margin if words == question else 0.0
        return passages, self._select(words, qvec, passages, sure_margin=sure)

    def _select(self, question: str, qvec, passages, budget_chars: int = 0, max_sentences: int = 0,
                holding: Sequence[str] = (), sure_margin: float = 0.0) -> list[Snippet]:
        tuning = self.settings.tuning
        return select_snippets(question, qvec, passages, self.scorer, budget_chars or tuning.evidence_chars,
                               max_sentences or tuning.evidence_sentences, tuning.sentence_max,
                               tuning.neighbour_bonus, holding, sure_margin)

    def across_evidence(self, question: str, search_form: str = "",
                        known=None) -> tuple[list[Passage], list[Snippet]]:
        """For a question across the articles: one numbered snippet per article, its event record (title,
        dates, place, outlet, organisers, countries, people, signings) and its best sentence for the
        question. A question naming a time (2023, before 2022, in spring) keeps the articles its records date
        in it (`in_time`; one whose date cannot be judged is not read), a bound on the turnout those counting
        one within it (`by_turnout`); a big store keeps the max_catalogue articles its best passages come
        from; names the question gives (a region: its countries) keep the articles that hold them."""
        qvec = self.query_vector(question, search_form, known)
        query = search_form or question
        records, timed = in_time(self.retriever.records(), question, search_form)
        records, turnout = by_turnout(records, question, search_form)
        most = self.settings.tuning.max_catalogue
        if len(records) > most:
            ranked = self.retriever.search(query, k=10 * most, vector=qvec)
            keep = list(dict.fromkeys(p.source for p in ranked if p.source in records))[:most]
            records = {src: records[src] for src in keep}
        records, telling = self._named(records, question_names(question) + question_names(search_form) +
                                       [fold(zh) for _, zh in self.retriever.glossary(question)] +
                                       region_countries(f"{question} {search_form}"))  # 北欧 → 芬兰, 挪威…
        if not telling:  # no name tells the articles apart: the uncommon words asked about may (传感器, 机器人)
            frame = verbs(query)
            subject = [w for w in content_words(without_months(query)) if not common_word(w) and w not in frame]
            records, telling = self._named(records, subject, lang_family(query))
        passages, snippets = [], []
        for n, (src, record) in enumerate(records.items(), start=1):
            found = self.retriever.search(query, k=2, vector=qvec, source=src)
            # an article kept for a name the question gives ("Ukrainian" → 乌克兰) is read at that name: its
            # sentence best for the question as a whole may not hold it
            held = [t for t in telling if t in fold(self.retriever.article_text(src))]
            if held:
                found += [p for p in self.retriever.search(" ".join(held), k=3, mode="keyword", source=src)
                          if p.chunk_id not in {f.chunk_id for f in found}]
            best = self._select(query, qvec, found, self.settings.tuning.article_chars,
                                self.settings.tuning.article_sentences, held)
            text = f"{record.line()} — {' … '.join(b.text for b in best)}" if best else record.line()
            cid, start, end = (best[0].chunk_id, best[0].start, best[0].end) if best else \
                (found[0].chunk_id if found else "", 0, 0)
            # kept for the time the question names, which its record's date meets, and for nothing else: its
            # label, cited to the sentence dating its event, answers "which events…" (`_dated`)
            dates = next((f for f in record.fields if f.name == "dates"), None)
            dated = (dates.start, dates.end) if dates and src in timed and not telling else ()
            # kept for how many took part: the record's count answers "which events had 200+ people"
            counted = (turnout[src].start, turnout[src].end, turnout[src].value) if src in turnout else ()
            snippets.append(Snippet(n, cid, src, record.title, text, start, end, tuple(held), dated, counted))
            passages += found
        return passages, snippets

    def _named(self, records: dict, names: list[str], family: str = "") -> tuple[dict, list[str]]:
        """The articles a question across articles names ("the Wuxi visit and the Shandong meeting"): those
        holding a name the question gives that not every article holds, with those names; all of them and
        no names when none does. family: the names' language family, when only articles written in it can
        be told apart by them (words of a Chinese question say nothing about a Japanese article, which is
        kept)."""
        texts = {src: fold(self.retriever.article_text(src)) for src in records} if names else {}
        judged = {src: t for src, t in texts.items() if not family or lang_family(t) == family}
        telling = [n for n in dict.fromkeys(names) if judged and not all(n in t for t in judged.values())]
        named = {src: r for src, r in records.items()
                 if src not in judged or any(n in texts[src] for n in telling)}
        if not telling or not named:
            return records, []
        return named, [n for n in telling if any(n in t for t in texts.values())]

    def _unheard_of(self, question: str, snippets) -> list[str]:
        """The question's rare words (text.names.rare_words) that no indexed passage holds: it is about
        something the articles never mention, and no passage can answer it. Looked for only when the
        evidence is mostly in the question's own language: over an article in another, the question's words
        are its own (ウルヴィラ and 欧州 for a Chinese article's 乌尔维拉 and 欧洲; 上合 where the Japanese
        article writes 上海協力機構)."""
        if not _mostly(snippets, lang_family(question)):
            return []
        han, katakana = rare_words(question)
        return [w for w in han + katakana if not self.retriever.mentions(w)]

    def _relevant(self, passages: Sequence[Passage]) -> bool:
        top = passages[0]
        return top.dense >= self.settings.tuning.min_dense or top.keyword_evidence

    def stream(self, question, history=None) -> Iterator[str | Sources | Answer]:
        """Yield what is being read (Sources: a preliminary one while the question is translated, then
        the passages of the prompt), the text pieces as they come, then the final Answer (its text is
        the checked version).

        The pieces are the draft as the model writes it; when the check refuses a streamed draft, the
        refusal comes only in the final Answer (the draft is not followed by a second text)."""
        question = clean_question(question, self.settings.max_question_chars)
        parts = question_parts(question)
        if len(parts) > 1:
            yield from self._stream_parts(question, parts, _history(history))
        else:
            yield from self._stream_one(question, _history(history))

    def _stream_parts(self, question: str, parts: list[str], history: list[tuple[str, str]]
                      ) -> Iterator[str | Sources | Answer]:
        """Two questions in one (text.asked.question_parts), each answered on its own, so each has the evidence
        for its own fact (one search for both found one part's sentence and not the other's, and the answer
        then gave one part only). A part that points back ("他擔任什麼職務?", "Who led it?", "是在哪一天?") is
        a follow-up of the parts before it; one that names what it asks about is asked as it stands. One answer
        holds them all, its citations numbered through; a part the articles do not answer is said to be
        unanswered after its own question; the answer is refused only when every part is."""
        lang = question_lang(question)
        shown: tuple[Passage, ...] = ()
        results: list[Answer] = []
        before: list[tuple[str, str]] = []  # the parts answered so far, as turns of the conversation
        for n, part in enumerate(parts):
            back = n > 0 and points_back(part)
            if back and results[-1].refused and asked_kind(parts[n - 1]) == PERSON and points_to_person(part):
                # "他擔任什麼職務?" after a "who" the articles do not answer: nobody to ask about
                results.append(Answer(text=refusal(lang), refused=True, lang=lang, refused_by=Refusal.NOBODY))
            else:
                seen, last, started = {p.chunk_id for p in shown}, shown, False
                for item in self._stream_one(part, history + before if back else history, lang):
                    if isinstance(item, Sources):
                        last = shown + tuple(p for p in item.passages if p.chunk_id not in seen)
                        yield Sources(last, final=item.final)
                    elif isinstance(item, Answer):
                        results.append(item)
                    else:  # a part's draft starts a new paragraph
                        yield item if started or not results else "\n\n" + item
                        started = True
                shown = last
            before += [("user", part), ("assistant", results[-1].text)]
        yield join_answers(parts, results, lang)

    def _stream_one(self, question: str, history: list[tuple[str, str]], lang: str = ""
                    ) -> Iterator[str | Sources | Answer]:
        lang = lang or question_lang(question)
        early_asked, early_vector, early = "", None, []
        previous = next((t for r, t in reversed(history) if r == "user"), "")
        if history or (not lang.startswith("zh") and self.settings.translate_queries):
            # a model call (translation, follow-up rewrite) comes before the search: meanwhile the question
            # as asked (e5 across languages, the glossary's names; a follow-up with the question before it)
            # finds the articles to show
            early_asked = " ".join([previous, question]).strip()
            early_vector = self.query_vector(early_asked)
            early = self.retriever.search(early_asked, k=self.settings.top_k, vector=early_vector)
            yield Sources(tuple(early), final=False)
        glossary = [] if lang.startswith("zh") else self.retriever.glossary(question)
        standalone = self.search_form(question, lang, history, glossary)
        # a follow-up points back at one thing ("that conference"): its rewrite ("…有哪些活动") does not make
        # it a question across the articles, only the user's own words can
        across = is_cross_article(question) or (not history and is_cross_article(standalone, translated=True))
        kind = asked_kind(question)
        # a follow-up is searched by the conversation's last question with it (the vector halfway to its
        # standalone rewrite; keywords of both): a 1.5B rewrite often keeps the pronoun (他提到…) or names
        # another event, while the question before it names the article meant
        asked, form = (early_asked, f"{standalone} {previous}".strip()) if history else (question, standalone)
        if asked_kind(standalone) != kind and (kind in (NUMBER, DATE) or history):
            # the translation dropped what is asked ("on what date…?" came back as a statement, 何件 as
            # 哪些), or a follow-up's rewrite asks another thing (是在哪一天? came back as the question before
            # it, "which body initiated it" as 是什么时候成立的): it still finds the passages, but is neither
            # shown to the model nor answered in Chinese. Not for a translated "who": 谁 often becomes 哪支球队 /
            # 哪个单位, which is what was asked (XQuAD en→zh)
            standalone = question
        turn = _Turn(question, standalone, lang, kind or translated_kind(standalone), across,
                     names=question_names(question), mapped=[zh for _, zh in glossary],
                     people=asks_people_count(question) or asks_people_count(standalone))
        known = early_vector if early_asked == asked else None  # the question's vector, embedded once
        if across:
            passages, turn.snippets = self.across_evidence(asked, form, known)
        else:
            passages, turn.snippets = self.evidence(asked, form, known, early)
        turn.passages = tuple(passages)
        yield Sources(tuple(Passage(sn.chunk_id, sn.source, sn.title, sn.text, 0.0, sn.start, sn.end)
                            for sn in turn.snippets))
        if not turn.snippets:
            yield from self._refuse(lang, turn.passages, Refusal.NO_EVIDENCE)
            return
        if not across and self._unheard_of(question, turn.snippets):
            yield from self._refuse(lang, turn.passages, Refusal.UNHEARD_OF)
            return
        pivot = "" if across else self._pivot(lang, standalone, turn.snippets)
        first = self.settings.pivot == "first" and pivot
        result = yield from (self._answer_across(turn) if across else
                             self._answer_via(pivot, turn) if first else self._answer_direct(turn))
        if result.refused and pivot and self.settings.pivot == "fallback":
            # refused in the question's language: the Chinese answer, checked word against word, may hold
            direct = result.refused_by
            result = yield from self._answer_via(pivot, turn)
            if result.refused:
                result = replace(result, refused_by=f"{direct}>{result.refused_by}")
        if result.refused and not turn.streamed:
            yield result.text
        yield result

    def _answer_direct(self, turn: _Turn) -> Generator[str, None, Answer]:
        """Answer in the question's language (streamed) and return the checked Answer."""
        lang, raw = turn.lang, ""
        held = True  # a refusal token is held back until it can be told apart from an answer
        # the Chinese search form helps the model find the question in Chinese passages; beside passages in
        # the question's own language it is only a worse wording (a Japanese question's machine translation
        # over Japanese passages led the answer into Chinese and into the translation's errors)
        own = not lang.startswith("zh") and _mostly(turn.snippets, lang_family(turn.question))
        gloss = "" if own else turn.standalone
        for piece in self._generate(answer_messages(turn.question, turn.snippets, lang, gloss)):
            raw += piece
            if not held:
                yield match_script(piece, lang)
            elif not _maybe_refusal(raw):
                held = False
                yield from self._emit(turn, match_script(raw, lang))
        if NOT_FOUND not in raw and wrong_language(raw, lang):
            # a 1.5B model often copies a Chinese passage instead of answering in English or Japanese:
            # one more call puts the answer into the question's language, markers kept
            raw = "".join(self._generate(retranslate_messages(raw.strip(), lang)))
            yield from self._emit(turn, raw)
        return self._finish(raw, turn, lang)

    def _answer_across(self, turn: _Turn) -> Generator[str, None, Answer]:
        """A question across the articles, asked of each article on its own (its event record and best
        sentence), each answer checked against that article alone; the answers that hold make one line
        each. Given every article in one prompt, the 1.5B model mixed their facts up or answered one
        article only (docs/answers.md). English and Japanese questions are asked in their Chinese
        search form and the joined answer is translated once, markers kept.

        A question about the holders of an office ("which mayors…", 各活动的书记) is answered from the
        event records' people instead: each holder as the article names them, cited to the sentence the
        record took them from; the model read every person in a record as holding the office asked."""
        lang = turn.lang
        pivot = "zh-Hans" if lang in ("en", "ja") and lang_family(turn.standalone) == "zh" else ""
        # the standalone form: the translation, or a follow-up rewritten (a Chinese question as asked)
        question = turn.standalone if pivot or lang.startswith("zh") else turn.question
        records = self.retriever.records()
        offices = asked_offices(question)
        held = {sn.source: holders(records[sn.source], offices) for sn in turn.snippets
                if offices and sn.source in records}
        if any(held.values()):
            lines, citations = self._holder_lines(held, records)
            if not pivot:
                lines = [match_script(line, lang) for line in lines]
                yield from self._emit(turn, "\n".join(lines))
        else:
            lines, citations = [], []
            for snippet in turn.snippets:
                one = replace(snippet, marker=1)
                # the article's record (its dates, place, outlet) is what the article states, too: an article
                # published 2023-06-13 about "6月2日-9日" is a 2023 event. An article that does not state the
                # question's premises gives no line, whatever the model answers: it is not asked
                stated = [self.retriever.article_text(snippet.source), one.text]
                if not one.counted and not states_premise(question, stated, stated):  # 300 people meet 200人以上
                    continue
                if one.counted and turn.kind in (None, NUMBER):  # "which events had more than 200 people?"
                    start, end, shown = one.counted
                    cited = (self._record_citation(one.source, one.title, start, end, chunk_id=one.chunk_id),)
                    text = f"{match_script(shown, pivot or lang)}[1]"
                elif one.dated and turn.kind in (None, DATE):  # "which events were held in spring (and when)?"
                    text, cited = "", self._dated(turn, one)
                else:
                    raw = "".join(self._generate(answer_messages(question, [one], pivot or lang)))
                    text, cited = ("", ()) if NOT_FOUND in raw or not raw.strip() else \
                        self.checker.check(match_script(raw.strip(), pivot or lang), [one], f"{turn.question}\n{question}")
                if not cited or not answers_kind(turn.kind, text, cited, turn.people):
                    text, cited = self._quoted(turn, one, pivot or lang)
                    if not cited:
                        text, cited = "", self._dated(turn, one)
                    if not cited:
                        continue
                n = len(citations) + 1
                citations.append(replace(cited[0], marker=n))
                if (pivot or lang).startswith("zh"):  # an English line gets its names after the translation
                    text = self._names(text, cited, pivot or lang)
                # the line names its event by the record (place, date): the model's own words often name
                # the event the question names first, whichever article it read
                label = records[snippet.source].label() if snippet.source in records else ""
                line = (f"- {label}: " if label else "- ") + text.replace("[1]", f"[{n}]") if text else \
                    f"- {label or snippet.title}[{n}]"
                lines.append(line)
                if not pivot:
                    yield from self._emit(turn, line, "\n")
        if not citations:
            return Answer(text=refusal(lang), passages=turn.passages, refused=True, lang=lang,
                          refused_by=Refusal.NO_ARTICLE)
        text = "\n".join(lines)
        if pivot:
            text = yield from self._translate_lines(turn, lines, citations, self._people_named(citations))
        return Answer(text=text, citations=tuple(citations), passages=turn.passages, lang=lang)

    def _quoted(self, turn: _Turn, snippet: Snippet, lang: str) -> tuple[str, tuple[Citation, ...]]:
        """An article kept for a name the question gives ("Which articles mention the United States?" → 美国)
        whose own answer failed (the 1.5B model, shown one article, answers "which article" with NOT_FOUND
        or "第1篇") is answered by its sentence holding that name, cited there; in the answer's language
        family only (a Japanese sentence is no line of a Chinese answer), and of the kind asked."""
        if not snippet.held or snippet.end <= snippet.start:
            return "", ()
        sentence = self.retriever.article(snippet.source)["text"][snippet.start:snippet.end].strip()
        if lang_family(sentence) != family_of(lang):
            return "", ()
        cited = (Citation(1, snippet.source, snippet.title, sentence, snippet.chunk_id, snippet.start, snippet.end),)
        if not answers_kind(turn.kind, sentence, cited, turn.people):
            return "", ()
        return match_script(sentence, lang) + "[1]", cited

    def _dated(self, turn: _Turn, snippet: Snippet) -> tuple[Citation, ...]:
        """An article kept for the time a question names ("which events were held in spring / before 2022")
        and for nothing else is answered by its event's label (title and date), cited to the sentence dating
        it: the code compared its record's date with the question's time (`in_time`). Shown one article and
        asked which events were held in spring, the 1.5B model answered NOT_FOUND, repeated the question, or
        named an event the article does not ("2019年5月20日的青岛海洋科技大会" for the Ningbo talks): it is
        asked only when the question wants more than which events and when, and this answers when its
        answer fails. The label, not the sentence: a long lead sentence came back from the translation
        into English as one name."""
        if not snippet.dated:
            return ()
        cited = (self._record_citation(snippet.source, snippet.title, *snippet.dated, chunk_id=snippet.chunk_id),)
        return cited if answers_kind(turn.kind, cited[0].snippet, cited, turn.people) else ()

    def _record_citation(self, source: str, title: str, start: int, end: int, marker: int = 1,
                         chunk_id: str = "") -> Citation:
        """The citation of the sentence of an article between these offsets (a record field's), in the stored
        chunk that holds it (else chunk_id)."""
        sentence = self.retriever.article(source)["text"][start:end].strip()
        chunk = self.retriever.passage_at(source, start)
        return Citation(marker, source, title, sentence, chunk.chunk_id if chunk else chunk_id, start, end)

    def _holder_lines(self, held: dict, records: dict) -> tuple[list[str], list[Citation]]:
        """One line per article with holders of the office asked: "- 市长尤卡·莫拉讷恩[1]", each cited to
        the sentence of the article its record took them from."""
        lines, citations = [], []
        for src, fields in held.items():
            if not fields:
                continue
            n = len(citations) + 1
            first = fields[0]
            citations.append(self._record_citation(src, records[src].title, first.start, first.end, n))
            lines.append(f"- {records[src].label()}: " + "、".join(f.value.replace(" ", "") for f in fields) + f"[{n}]")
        return lines, citations

    def _people_named(self, citations) -> list[str]:
        """The names of the people the cited articles' event records hold (without their office)."""
        records = self.retriever.records()
        return [f.value.split(" ", 1)[-1] for src in dict.fromkeys(c.source for c in citations) if src in records
                for f in records[src].fields if f.name == "people"]

    def _translate_lines(self, turn: _Turn, lines: list[str], citations: list[Citation],
                         people: Sequence[str]) -> Generator[str, None, str]:
        """The checked Chinese lines of an answer across articles in the question's language, markers kept
        (streamed). Translated at once; when that comes back in the wrong language (the 1.5B model then
        copies the Chinese), line by line, and a line that still fails stays as checked."""
        lang = turn.lang
        translated = ""
        for piece in self._generate(translate_answer_messages(for_translation("\n".join(lines), lang, people), lang)):
            yield from (self._emit(turn, piece) if not translated else [piece])
            translated += piece
        translated = renumber_markers(translated.strip(), [c.marker for c in citations])
        if translated and not wrong_language(translated, lang):
            return self._names(translated, citations, lang, source="\n".join(lines))
        out = []
        for line, cite in zip(lines, citations):
            one = "".join(self._generate(translate_answer_messages(
                for_translation(line.removeprefix("- "), lang, people), lang))).strip()
            one = renumber_markers(one, [cite.marker]) if one else ""
            out.append("- " + (self._names(one, [cite], lang, source=line) if one and not wrong_language(one, lang) else
                               line.removeprefix("- ")))
        text = "\n".join(out)
        yield from self._emit(turn, text)
        return text

    @staticmethod
    def _emit(turn: _Turn, text: str, after: str = "\n\n") -> Iterator[str]:
        """A new block of draft text: after earlier draft text, a blank line first (a line break
        between the lines of an answer across articles)."""
        yield (after if turn.streamed else "") + text
        turn.streamed = True

    def _refuse(self, lang: str, passages, why: str) -> Iterator[str | Answer]:
        text = refusal(lang)
        yield text
        yield Answer(text=text, passages=tuple(passages), refused=True, lang=lang, refused_by=why)

    @staticmethod
    def _pivot(lang: str, standalone: str, snippets) -> str:
        """The language to answer in first: Chinese, when an English or Japanese question (translated into
        Chinese for the search) meets evidence that is mostly Chinese. A 1.5B model answers a Chinese
        question over Chinese passages far better than across languages, and the citation check then
        compares words within one language; the short checked answer is translated afterwards."""
        if lang not in ("en", "ja") or lang_family(standalone) != "zh":
            return ""
        return "zh-Hans" if _mostly(snippets, "zh") else ""

    def _answer_via(self, pivot: str, turn: _Turn) -> Generator[str, None, Answer]:
        """Answer the translated question in the pivot language, check it there, then translate the checked
        answer into the question's language with its [n] markers (streamed); returns the Answer."""
        lang = turn.lang
        raw = "".join(self._generate(answer_messages(turn.standalone, turn.snippets, pivot)))
        checked = self._finish(raw, turn, pivot)
        if checked.refused:
            return replace(checked, text=refusal(lang), lang=lang)
        translated = ""
        # the people the cited articles' records or jieba name (an English translation romanises them)
        people = self._people_named(checked.citations) + person_names(checked.text) if lang == "en" else []
        source = for_translation(checked.text, lang, people)
        for piece in self._generate(translate_answer_messages(source, lang)):
            if translated:
                yield piece
            else:
                yield from self._emit(turn, piece)
            translated += piece
        text = renumber_markers(translated.strip(), [c.marker for c in checked.citations])
        # the translation is checked too: its numbers are the checked answer's values ("200 million euros"
        # came back for 200万欧元, two million)
        if not text or wrong_language(text, lang) or not numbers_in_any(
                strip_markers(text), [checked.text] + [c.snippet for c in checked.citations], 1):
            # the translation failed: the checked answer is still true, said in the article's words
            text = ORIGINAL_WORDS.get(lang, "") + checked.text
            yield from self._emit(turn, text)
        else:
            text = self._names(text, checked.citations, lang, source=checked.text)
            if not self._adds_what_it_cites(text, turn, checked.citations):
                # "…is held by Doctor Who" for a checked 神秘博士: the passage answered another question
                return replace(checked, text=refusal(lang), citations=(), refused=True, lang=lang,
                               refused_by=Refusal.ENGLISH)
        return Answer(text=text, citations=checked.citations, passages=turn.passages, lang=lang)

    def _finish(self, raw: str, turn: _Turn, lang: str) -> Answer:
        """The refusal policy, in one place. Refused, in the question's language: no answer; no sentence the
        passages bear out; support that does not state the kind of fact asked (a count, a date, a person);
        or cited passages that do not state what the question takes as given (its year, edition, count,
        and, but for a question across articles, the names it gives); and, when Tuning.verify_min_yes is set, the
        model's own low P(yes) that its cited passages state the answer."""
        passages = turn.passages
        def refused(why: str) -> Answer:
            return Answer(text=refusal(turn.lang), passages=passages, refused=True, lang=turn.lang, refused_by=why)

        if NOT_FOUND in raw or not raw.strip():
            return refused(Refusal.MODEL)
        text, citations = self._checked(match_script(raw.strip(), lang), turn)
        answer, why = self._judged(text, citations, turn, lang)
        if why == Refusal.CHECK and (other := self._recited(text, turn, citations)) is not None:
            # the model check reads only what the answer cites, and a right answer citing the wrong one of its
            # passages ("徐刚[1]" over the opening sentence, the one naming him [3]) fails it: the passage of
            # the prompt holding most of what the answer adds is cited instead, and every gate is met again.
            # Chinese and Japanese answers only: an English one refused here is answered through Chinese next
            recited, _ = self._judged(*other, turn, lang)
            if recited is not None:
                return recited
        return answer if answer is not None else refused(why)

    def _judged(self, text: str, citations, turn: _Turn, lang: str) -> tuple[Answer | None, str]:
        """The gates of _finish on one checked answer and its citations, in order: the Answer, or None
        and the Refusal that stopped it."""
        passages = turn.passages
        # not one sentence borne out by the passages: the model answered from elsewhere (its own
        # knowledge, or a guess); a cited passage that states no count for "how many", or the 2019 meeting
        # for a question about the 2022 one, or another person or place than the one asked about,
        # answers another question. An answer nobody can check is not given.
        cited = {c.chunk_id for c in citations}
        premise = [c.snippet for c in citations] + [f"{p.title}\n{p.text}" for p in passages if p.chunk_id in cited]
        question = turn.question
        sources = list(dict.fromkeys(c.source for c in citations))
        articles = [self.retriever.article_text(src) for src in sources]
        records = self.retriever.records()  # an article's dates are what it states too (its publication date)
        dated = [records[src].line() for src in sources if src in records]
        if not citations:
            return None, Refusal.UNSUPPORTED
        if not answers_kind(turn.kind, text, citations, turn.people):
            return None, Refusal.KIND
        if not states_premise(question, premise, articles + dated):
            return None, Refusal.PREMISE
        # the names a question gives may stand anywhere in the cited article: its city in the title or
        # first paragraph, the speaker a sentence before the cited one
        if not turn.across and not names_stated(question, articles, turn.names, turn.mapped):
            return None, Refusal.NAMES
        text = self._names(text, citations, lang, [s.text for s in turn.snippets])
        # refused, an English question tries the Chinese answer next
        if not self._adds_what_it_cites(text, turn, citations):
            return None, Refusal.ENGLISH
        # last, the model itself is asked whether the passages it cites state this answer: a sentence
        # close to its passage in words and vector may still answer another question than the one asked
        if not self._stated(turn.question if lang == turn.lang else turn.standalone, text, citations):
            return None, Refusal.CHECK
        return Answer(text=text, citations=citations, passages=passages, lang=lang), ""

    def _recited(self, text: str, turn: _Turn, citations) -> tuple[str, tuple[Citation, ...]] | None:
        """A Chinese or Japanese answer cited to the one passage of its prompt, not among those it cites, that
        holds most of what it adds to the question, in any script (fold() reads 劉太広 as 刘太广); None when no
        other passage holds enough of it (Tuning.novel_min) or more than the cited ones, or the citation check
        does not bear it out there."""
        if lang_family(strip_markers(text)) == "en":
            return None
        cited = {c.chunk_id for c in citations}

        def held(texts: list[str]) -> float:
            return novel_support(text, turn.asked, texts) or 0.0

        best = self._saying_most(turn, held, [s for s in turn.snippets if s.chunk_id not in cited])
        # it must hold more of the answer than what the answer cites: else the check said no to the answer
        if best is None or held([as_read(best)]) <= held([as_read(c) for c in citations]):
            return None
        text, recited = self._cited_to(text, best, turn)
        return (text, recited) if recited and {c.chunk_id for c in recited} != cited else None

    def _checked(self, text: str, turn: _Turn) -> tuple[str, tuple[Citation, ...]]:
        """The citation check, and two repairs of what a 1.5B model gets wrong around a right answer:
        a year that neither its passages nor the question state ("April 19 to 21, 2021" over a passage
        saying 4月19日至21日) is dropped when nothing holds with it; and when the passages the answer cites
        (or none, for a bare "徐刚") do not hold what it adds to the question while another passage of the
        prompt does, that passage is cited instead. An answer whose cited passages still do not hold what it
        adds to the question comes back without citations (refused)."""
        asked = turn.asked
        text, citations = self.checker.check(text, turn.snippets, asked)
        stated = set(_YEAR.findall(asked + "\n".join(s.text for s in turn.snippets)))
        guessed = set(_YEAR.findall(strip_markers(text))) - stated
        if not citations and guessed:
            text, citations = self.checker.check(drop_years(text, guessed), turn.snippets, asked)
        if citations and self._says_more(text, turn, citations):
            return text, citations
        best = self._saying_most(turn, lambda texts, answer=text: novel_share(answer, asked, texts) or 0.0)
        if best is not None:
            text, citations = self._cited_to(text, best, turn)
            if citations and self._says_more(text, turn, citations):
                return text, citations
        return text, ()

    def _saying_most(self, turn: _Turn, held, snippets: Sequence[Snippet] | None = None) -> Snippet | None:
        """The snippet (of the prompt's, or those given) that holds most of what the answer adds to the
        question, if it holds enough (Tuning.novel_min). held: that share for a list of texts (novel_share
        within the answer's language, or novel_support in any script)."""
        scored = [(held([as_read(s)]), s) for s in (turn.snippets if snippets is None else snippets)]
        share, best = max(scored, key=lambda x: x[0], default=(0.0, None))
        return best if best is not None and share > 0 and share >= self.settings.tuning.novel_min else None

    def _cited_to(self, text: str, snippet: Snippet, turn: _Turn) -> tuple[str, tuple[Citation, ...]]:
        """The answer, its markers replaced by that snippet's, through the citation check."""
        return self.checker.check(f"{strip_markers(text).rstrip()}[{snippet.marker}]", turn.snippets, turn.asked)

    def _says_more(self, text: str, turn: _Turn, citations) -> bool:
        """What the answer says beyond the question stands in the passages it cites, compared within one
        language (a Chinese answer over Chinese passages, a Japanese one over Japanese): an answer naming
        what its passages never do (a laureate's name over a passage saying only that laureates came) is
        no answer they state. An answer that only recombines the question's words is let through: "シベリア
        気団" answers "シベリアから…を覆うものは何気団か" (JSQuAD) with nothing but the question's words."""
        # across languages the words cannot be compared (novel_share None): the citation check's vectors did
        share = novel_share(text, turn.asked, [as_read(c) for c in citations])
        return share is None or share >= self.settings.tuning.novel_min

    def _adds_what_it_cites(self, text: str, turn: _Turn, citations) -> bool:
        """An English answer over Chinese passages, read word by word once its names stand beside their
        originals, whether given directly or translated from the checked Chinese answer: what it adds to the
        question must stand in what it cites (Tuning.english_min). "…was Michael Jordan" over a passage
        naming nobody of that name does not; nor does a translation that needed words its passage lacks,
        most often the sign that the passage answers another question (XQuAD with the gold passage left out)."""
        floor = self.settings.tuning.english_min
        if floor <= 0 or turn.lang != "en":  # 0 turns it off (config.Tuning)
            return True
        share = english_share(text, turn.question, [as_read(c) for c in citations])
        return share is None or share >= floor

    def _stated(self, question: str, text: str, citations) -> bool:
        floor = self.settings.tuning.verify_min_yes
        if floor <= 0:
            return True
        messages = verify_messages(question, strip_markers(text), [as_read(c) for c in citations])
        share = yes_probability(self.model, messages, self.settings, self.lock)
        return share is None or share >= floor

    @staticmethod
    def _names(text: str, citations, lang: str, read: Sequence[str] = (), source: str = "") -> str:
        """An English answer carries each name as the cited article writes it, a Chinese one without the
        Japanese honorific a Japanese passage it read (or cites) writes after it, and neither a Chinese nor
        a Japanese one repeats a name in brackets (answering/naming.py). source: the checked Chinese text an
        English answer was translated from."""
        if lang.startswith("zh"):
            return drop_echoed_brackets(drop_honorifics(text, list(read) + [c.snippet for c in citations]))
        if lang == "ja":
            return drop_echoed_brackets(text)
        if lang != "en" or wrong_language(text, lang):  # still Chinese: no pinyin for whole sentences
            return text
        return gloss_english_names(english_dates(text), [c.snippet for c in citations], source)

    def answer(self, question, history=None) -> Answer:
        result = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                result = item
        return result
