"""Citations checked in code: every [n] must point at a snippet that supports its sentence."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ..config import Tuning
from ..text.asked import NUMBER, premise_values, states_kind, states_people_count
from ..text.dates import YEAR
from ..text.language import CJK, HAN, KATAKANA, lang_family
from ..text.lexical import STOP_WORDS, fold
from ..text.numbers import MEASURE_WORDS, answer_values, share_or_score, stated_values
from ..text.segment import (SEMICOLONS, STOPS, clauses, has_marker, keep_markers, marker_numbers, sentence_pieces,
                             strip_markers)
from ..types import Citation

_CJK = re.compile(f"[{CJK}]+")
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


@dataclass(frozen=True)
class Snippet:
    """A numbered piece of evidence shown to the model."""

    marker: int
    chunk_id: str
    source: str
    title: str
    text: str
    start: int = 0
    end: int = 0
    held: tuple[str, ...] = ()  # across articles: the names the question gives that its sentence holds
    dated: tuple[int, int] = ()  # across articles: the sentence dating the event, when kept for its time
    counted: tuple[int, int, str] = ()  # across articles: the sentence and count of who took part, kept for it


def units(text: str) -> set[str]:
    """Script-folded CJK character bigrams (and single characters) plus Latin words and numbers."""
    folded = fold(text)
    out: set[str] = set()
    for run in _CJK.findall(folded):
        out.update(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    out.update(w for w in _WORD.findall(folded) if w not in STOP_WORDS)
    return out


def lexical_support(sentence: str, snippet: str) -> float:
    sent = units(sentence)
    if not sent:
        return 0.0
    shared = len(sent & units(snippet))
    return shared / len(sent) if shared >= min(2, len(sent)) else 0.0  # one shared number is no support


def numbers_ok(sentence: str, snippet: str, min_len: int = 2, window: int = 4, given: frozenset = frozenset()) -> bool:
    """A number the sentence states must stand in the snippet (script-folded, separators removed), as
    written or as a value the snippet states another way (1,000 for 千名, 44.6 million for 4460万).
    given: numbers the question states (question_numbers); a sentence restating them ("in 2015, the
    Panthers made 24 interceptions") is not judged on them here: the premise check judges them against
    the cited articles (states_premise)."""
    return numbers_in_any(sentence, [snippet], min_len, window, given)


def question_numbers(question: str) -> frozenset:
    """The values of the numbers a question states in digits (folded: full-width digits too)."""
    return frozenset(value for _, value in answer_values(fold(question))) if question else frozenset()


def numbers_in_any(sentence: str, snippets: Sequence[str], min_len: int = 2, window: int = 4,
                   given: frozenset = frozenset()) -> bool:
    """numbers_ok, where each number may stand in any one of the snippets."""
    snips = [fold(s).replace(",", "") for s in snippets]
    sent = fold(sentence).replace(",", "")
    values: list[set | None] = [None] * len(snips)

    def stated(i: int, digits: str, value: float) -> bool:
        scaled = value != float(digits)  # "200 million", "4460万": the value counts, not the digits
        # the whole number: the 1 of "签约了1个项目" does not stand in "14の…プロジェクト", nor 19 in 2019
        written = re.search(rf"(?<![0-9.]){re.escape(digits)}(?![0-9])", snips[i]) is not None
        if written and not scaled:
            return _counts_the_same(sent, snips[i], digits, window)
        values[i] = stated_values(snips[i]) if values[i] is None else values[i]
        if scaled:  # 200万 is 2 million: "200 million euros" over it is a wrong answer, not a copied one
            return value in values[i] and (not written or _counts_the_same(sent, snips[i], digits, window))
        return value in values[i] or float(digits) in values[i]

    return all(any(stated(i, digits, value) for i in range(len(snips)))
               for digits, value in answer_values(sent) if len(digits) >= min_len and value not in given)


_HAN = re.compile(f"[{HAN}]")
# measure words and number words say nothing about *what* is counted
# (the measure words of text.numbers but 天, which this list has never held)
_COUNT_WORDS = set(MEASURE_WORDS.replace("天", "") + "万萬亿億千百十约約近共的了")


def _counts_the_same(sentence: str, snippet: str, digits: str, window: int = 4) -> bool:
    """A number in a Chinese or Japanese answer must count what the passage counts with it: the Han
    characters next to it in the answer (参加者数は861名) have to meet the passage's clause holding
    that number (引进海内外高层次人才861名), or the answer took a number meant for something else.
    An answer without Han characters beside its number (English) is not judged here, nor a share or a
    score (比例是2.8% over 新教徒占 2.8%, 比分是20-18 over 以 20–18 击败): it counts nothing."""
    number = re.compile(rf"(?<![0-9.]){re.escape(digits)}(?![0-9])")  # the whole number, not part of one
    near: set[str] = set()
    for m in number.finditer(sentence):
        if share_or_score(sentence, m.start(), m.end()):
            continue
        around = sentence[max(0, m.start() - window):m.start()] + sentence[m.end():m.end() + window]
        near.update(ch for ch in _HAN.findall(around) if ch not in _COUNT_WORDS)
    if not near:
        return True
    # a number with no Han character beside it in the passage (an ISO date in an event record) says
    # nothing there about what it counts, so nothing can be compared
    if not any(_HAN.search(snippet[max(0, m.start() - window):m.end() + window]) for m in number.finditer(snippet)):
        return True
    counting = [c for c in clauses(snippet, lists=True) if number.search(c)]
    return not counting or any(near & set(c) for c in counting)


def split_sentences(text: str) -> list[str]:
    """An answer's sentences, each with the [n] markers after it and the white space before it (a list
    item keeps its line break), so that they join back into the answer."""
    return [s for s in sentence_pieces(text) if s.strip()]


def as_read(item) -> str:
    """A snippet or citation as the model read it: its article's title (the prompt shows it as «title» above the
    snippets of that article) and its text. What an answer adds to the question may come from either: a
    headline names the delegation's leader or the event the body's sentence calls "the meeting"."""
    text = item.snippet if isinstance(item, Citation) else item.text
    return f"{item.title}\n{text}" if item.title and item.title not in text else text


class CitationChecker:
    """Scores support lexically and, when an embedder is given, by embedding similarity."""

    def __init__(self, embed_pairs: Callable[[list[str], list[str]], list[list[float]]] | None = None,
                 tuning: Tuning | None = None):
        self.embed_pairs = embed_pairs  # (sentences, snippets) -> cosine matrix
        self.tuning = tuning or Tuning()  # lexical_min, cited_min, embed_min, number_window

    def support_matrix(self, sentences: list[str], snippets: Sequence[Snippet],
                       given: frozenset = frozenset()) -> list[list[float]]:
        """given: the numbers the question states (numbers_ok). Words and numbers are looked for in each
        passage as the model read it, under its article's title (as_read): a headline states the year, the
        city or the leader that the passage's sentence calls "the meeting". Embedding similarity (across
        languages) compares the passage's own text, as its thresholds were calibrated."""
        window = self.tuning.number_window
        read = [as_read(sn) for sn in snippets]
        lex = [[lexical_support(s, text) if numbers_ok(s, text, window=window, given=given) else 0.0
                for text in read] for s in sentences]
        if self.embed_pairs is None or not sentences or not snippets:
            return lex
        # e5 puts any two texts of one language close (cosine ~0.8 for unrelated Chinese sentences), so
        # embedding similarity only vouches across languages; within one, the words must be there
        pairs = [(i, j) for i in range(len(sentences)) for j in range(len(snippets))
                 if lang_family(sentences[i]) != lang_family(snippets[j].text)]
        if not pairs:
            return lex
        rows = sorted({i for i, _ in pairs})
        cos = self.embed_pairs([sentences[i] for i in rows], [sn.text for sn in snippets])
        row_of = {i: r for r, i in enumerate(rows)}
        for i, j in pairs:
            if numbers_ok(sentences[i], read[j], window=window, given=given):
                lex[i][j] = max(lex[i][j], self._scaled(cos[row_of[i]][j]))
        return lex

    def _scaled(self, cos: float) -> float:
        """Map an e5 cosine onto the lexical scale: embed_min lands exactly on lexical_min."""
        return max(0.0, min(1.0, self.tuning.lexical_min + (cos - self.tuning.embed_min) * 4))

    def check(self, text: str, snippets: Sequence[Snippet], question: str = "") -> tuple[str, tuple[Citation, ...]]:
        """Drop unsupported markers, add one where a sentence is clearly supported, renumber 1..n.

        question: what was asked (as asked and as searched). When no sentence holds, the numbers the
        question states are taken as its premise and the check is made again without them: "In 2015 the
        Panthers made 24 interceptions" over a passage about that season that never names the year. They
        are still checked, against the cited articles, by states_premise. Only then: where the check
        passes as it is, a year in the sentence still picks the passage that states it."""
        result = self._check(text, snippets, frozenset())
        if not result[1] and (given := question_numbers(question)):
            result = self._check(text, snippets, given)
        return result

    def _check(self, text: str, snippets: Sequence[Snippet], given: frozenset) -> tuple[str, tuple[Citation, ...]]:
        tuning = self.tuning
        by_marker = {s.marker: s for s in snippets}
        read = {s.marker: as_read(s) for s in snippets}  # each passage as the model read it, under its title
        sentences = split_sentences(text)
        shown = [strip_markers(s) for s in sentences]  # keeps a list item's line break
        bare = [s.rstrip() for s in shown]
        scores = self.support_matrix(bare, list(snippets), given)
        chosen: list[list[int]] = []
        for i, sent in enumerate(sentences):
            cited = marker_numbers(sent)
            # a marker the model wrote needs less than one the checker would add on its own, provided
            # every number of the sentence, single digits too, stands in that passage
            valid = [m for m in dict.fromkeys(cited) if m in by_marker]
            ok = [m for m in valid if scores[i][snippets.index(by_marker[m])]
                  >= (tuning.cited_min if numbers_ok(bare[i], read[m], 1, tuning.number_window, given)
                      else tuning.lexical_min)]
            if len(valid) >= 2 and len(ok) < len(valid) and self._jointly_supported(
                    bare[i], [read[m] for m in valid], given):
                # "A was on 13 June and B on 28 April [4][5]": each passage states half of the sentence
                ok = [m for m in valid if m in ok or len(units(bare[i]) & units(read[m])) >= 2]
            if not ok and snippets and _has_content(bare[i]):
                best = max(range(len(snippets)), key=lambda j: scores[i][j])
                if scores[i][best] >= tuning.lexical_min:
                    ok = [snippets[best].marker]
            chosen.append(ok)
        return _render(shown, chosen, by_marker)

    def _jointly_supported(self, sentence: str, texts: list[str], given: frozenset = frozenset()) -> bool:
        """A sentence citing several passages, judged against them together: its numbers must stand in
        one of them and its words be shared with them as much as a single cited passage's would."""
        return (numbers_in_any(sentence, texts, 1, self.tuning.number_window, given)
                and lexical_support(sentence, "\n".join(texts)) >= self.tuning.cited_min)


def _has_content(sentence: str) -> bool:
    return len(units(sentence)) >= 2


def _render(sentences: list[str], chosen: list[list[int]], by_marker: dict[int, Snippet]):
    renumber: dict[int, int] = {}
    out = []
    for sent, markers in zip(sentences, chosen):
        for m in markers:
            renumber.setdefault(m, len(renumber) + 1)
        tail = "".join(f"[{renumber[m]}]" for m in markers)
        out.append(_attach(sent, tail))
    citations = tuple(Citation(marker=new, source=by_marker[old].source, title=by_marker[old].title,
                               snippet=by_marker[old].text, chunk_id=by_marker[old].chunk_id,
                               start=by_marker[old].start, end=by_marker[old].end)
                      for old, new in renumber.items())
    return "".join(out).strip(), citations


_WIDE_ENDS = "".join(c for c in STOPS + SEMICOLONS if not c.isascii())  # 。！？；
_ASCII_ENDS = "." + "".join(c for c in STOPS if c.isascii())  # .!?


def _attach(sentence: str, tail: str) -> str:
    """Put markers before the closing punctuation of CJK sentences, after it for others."""
    if not tail or not sentence.strip():
        return sentence
    body = sentence.rstrip()
    if body != sentence:  # a list item's line break stays after its markers
        return _attach(body, tail) + sentence[len(body):]
    if sentence and sentence[-1] in _WIDE_ENDS:
        return sentence[:-1] + tail + sentence[-1]
    if sentence and sentence[-1] in _ASCII_ENDS:
        return f"{sentence[:-1]} {tail}{sentence[-1]}"
    return f"{sentence} {tail}" if sentence[-1:].isascii() else sentence + tail


def answers_kind(kind: str | None, text: str, citations: Sequence[Citation], people: bool = False) -> bool:
    """An answer to "how many", "when" or "who" must state that kind of fact, and so must one of the
    passages it cites: a cited sentence that states no count cannot bear out a count, and one that counts
    projects does not say how many people came (people: the question asks a count of people)."""
    if kind is None:
        return True
    if people and kind == NUMBER and not any(states_people_count(c.snippet) for c in citations):
        return False
    return states_kind(strip_markers(text), kind) and any(states_kind(c.snippet, kind) for c in citations)


_LABEL = re.compile(r"^\s*(?:translation|english|japanese|英文|英语|英語|英訳|日本語訳|日本語|日文|日语|翻译|翻訳|译文|訳)"
                    r"\s*[:：]\s*", re.I)


def states_premise(question: str, passages: Sequence[str], articles: Sequence[str] = ()) -> bool:
    """Every number the question takes as given (a year, a count, an edition) stands in the passages an
    answer cites: a question about the 2022 meeting is not answered by the 2019 one.

    articles: the whole cited articles. A year the question gives cannot be checked against articles that
    state no year at all ("How many interceptions did the Panthers make in 2015?" over a report of the
    season that never names it); it is wanted only where the articles state some year."""
    wanted = premise_values(question)
    if not wanted:
        return True
    stated = set().union(*(stated_values(fold(p)) for p in passages)) if passages else set()
    dated = not articles or any(YEAR.search(fold(a)) for a in articles)
    years = set() if dated else {float(y) for y in YEAR.findall(fold(question))}  # as the question writes them
    return all(group & stated or group & years for group in wanted)


def renumber_markers(text: str, markers: Sequence[int]) -> str:
    """A translated answer keeps only markers the checked answer had; when the translation dropped them
    all, they go after its last sentence. A label the model put in front ("日本語訳：") goes."""
    text = _LABEL.sub("", text)
    allowed = set(markers)
    kept = keep_markers(text, allowed.__contains__)
    if markers and not has_marker(kept):
        kept = _attach(kept.rstrip(), "".join(f"[{m}]" for m in markers))
    return kept.strip()


_HAN_RUN = re.compile(f"[{HAN}]+")
_KATAKANA_RUN = re.compile(f"[{KATAKANA}]{{2,}}")
# characters that frame an answer around what it states (…是9家, 由…主办, 在…举行), not part of it
_FRAME = re.compile("[是的了在由和与與及为為等有于於其该該此这這那将將已被把对對向从從到至也都并並而且即共约約]")


def novel_units(answer: str, question: str) -> set[str]:
    """What an answer says beyond the question it answers: its Han bigrams outside the frame characters
    with a character the question lacks, its katakana words, its numbers and Latin words, less those the
    question has (as asked or as searched). Hiragana is left out: it is the grammar around them."""
    asked, chars = units(question), set(fold(question))
    folded = fold(strip_markers(answer))
    out = {w for w in _WORD.findall(folded) if w not in STOP_WORDS}
    out.update(w for w in _KATAKANA_RUN.findall(folded) if w not in fold(question))  # シベリア, モンスーン
    for run in _HAN_RUN.findall(folded):
        for piece in _FRAME.split(run):
            # a bigram of two characters the question has (策集 of 科技支持政策集中发布) only recombines it
            out.update(pair for pair in (piece[i:i + 2] for i in range(len(piece) - 1))
                       if not set(pair) <= chars)
    return out - asked


def novel_support(answer: str, question: str, snippets: Sequence[str]) -> float | None:
    """The share of what the answer says beyond the question that the passages it cites say too; None
    when it says nothing beyond the question (it echoes the question back)."""
    novel = novel_units(answer, question)
    if not novel:
        return None
    joined = "\n".join(snippets)
    stated, text = units(joined), fold(joined)
    # a number by its value: "3万" over 30000, "1个" over 一个 (a lone 一 is no value to stated_values)
    values = stated_values(text) | ({1.0} if "一" in joined else set())
    held = [u for u in novel if u in stated or u in text or (u[:1].isdigit() and _value(u) in values)]
    return len(held) / len(novel)


def novel_share(answer: str, question: str, snippets: Sequence[str]) -> float | None:
    """novel_support over the snippets written in the answer's own language family; None where the words
    cannot be compared (an English answer, no snippet in its language) or the answer adds nothing."""
    family = lang_family(answer)
    same = [s for s in snippets if lang_family(s) == family]
    if family == "en" or not same:
        return None
    return novel_support(answer, question, same)


_EN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|[0-9](?:[0-9.,]*[0-9])?")
# a name with its original after it, as answering.naming writes them: "Peyton Manning (曼宁)"
_GLOSSED = re.compile(r"((?:[A-Z][\w'’·-]*\s+){0,3}[A-Z][\w'’·-]*)\s*[(（]([^()（）]*)[)）]")
_POSSESSIVE = re.compile(r"['’]s?$")
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z])")  # "theWenzhoukenen", "includesKeerni": two words a small model ran together
_NAME_RUN = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+")
_TITLES = {"mr", "mrs", "ms", "dr", "prof", "sir", "madam"}  # a person's title says nothing of its own
# nor does a company's legal form: "Pulizi (普利兹) Technology Co., Ltd" is 普利兹科技有限公司, whose 有限公司 no
# dictionary rendering of "Co" or "Ltd" finds
_LEGAL_FORMS = {"co", "ltd", "inc", "corp", "llc", "plc", "gmbh"}
_NO_WORDS = STOP_WORDS | _TITLES | _LEGAL_FORMS  # what an English answer adds is counted without these
# fewer added words than this are too few to judge by a share (0 or 1): one romanisation the dictionary lacks
# would refuse an otherwise right answer. Replayed on recorded XQuAD en->zh runs (`assistant bench novel`), judging
# only answers adding two or more words refuses the same right answers (1 per run) and 7/5/7 instead of 9/6/9
# left-out answers (docs/answers.md)
_EN_MIN_WORDS = 2


def english_units(answer: str, question: str) -> list[str]:
    """The Latin words and numbers an English answer adds to its English question (by lemma, a possessive's
    's dropped), less stop words and titles. The answer's run-together words are split already (_GLUED)."""
    from ..retrieval.crosslingual import lemmas

    def forms(word: str) -> set[str]:
        return set(lemmas(_POSSESSIVE.sub("", word.lower())))

    asked = set().union(*(forms(w) for w in _EN_WORD.findall(question)))
    words = (_POSSESSIVE.sub("", w) for w in _EN_WORD.findall(answer))
    words = (w for w in words if len(w) > 1 and w.lower() not in _NO_WORDS)
    return [w for w in dict.fromkeys(words) if not forms(w) & asked]


def english_share(answer: str, question: str, snippets: Sequence[str]) -> float | None:
    """What an English answer says beyond its question that its Chinese cited passages state: the share of
    its added words held there as themselves (a Latin name, a number by its value), by one of their
    dictionary renderings (CC-CEDICT: "interceptions" → 抄截), as a name whose original stands after it and in
    the passages, or as a romanised name whose characters they hold (Rui'an → 瑞安). A name the passages never
    give ("Michael Jordan" over a passage naming 牛顿 and 沃德) holds nothing. None when the passages are not
    Chinese, the answer is not English (the article's words of a failed translation) or adds fewer than
    _EN_MIN_WORDS words."""
    from ..retrieval.crosslingual import QueryTranslator, renderings
    from .naming import BRACKETED

    same = [s for s in snippets if lang_family(s) == "zh"]
    if not same or lang_family(BRACKETED.sub("", answer)) != "en":  # the originals in brackets are no language
        return None
    text = fold("\n".join(same))
    plain = _GLOSSED.sub(lambda m: " " if fold(m.group(2)) in text else m.group(1),
                         _GLUED.sub(" ", strip_markers(answer)))
    added = english_units(BRACKETED.sub(" ", plain), question)
    if len(added) < _EN_MIN_WORDS:
        return None
    values, low = stated_values(text), text.lower()
    names = QueryTranslator(lambda word: word in text)
    # a Chinese name is read whole: "Chen Bingrong" is 陈炳荣, though "Chen" alone is one syllable
    named = {w for run in _NAME_RUN.findall(plain) if names.transliterate(re.sub(r"[ -]", "", run))
             for w in re.split(r"[ -]", run)}
    held = [w for w in added if w.lower() in low or (w[:1].isdigit() and _value(w) in values) or w in named
            or any(r in text for r in renderings(w)) or (w[:1].isupper() and names.transliterate(w))]
    return len(held) / len(added)


def _value(word: str) -> float | None:
    try:
        return round(float(word.replace(",", "")), 6)
    except ValueError:
        return None
