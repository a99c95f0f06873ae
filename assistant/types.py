"""The product's vocabulary as frozen dataclasses: article, chunk, passage, citation, answer."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One cleaned article (a seed file) with the metadata read from it."""

    source: str  # file name, e.g. 000_a8e4c96704b3803b.txt
    text: str  # cleaned text; chunk offsets point into it
    title: str = ""
    published: str = ""  # ISO date of publication, "" when unknown
    event_dates: tuple[str, ...] = ()  # ISO dates of the event(s)
    place: str = ""
    outlet: str = ""
    lang: str = ""  # zh-Hans, zh-Hant, ja, en, ...
    raw_chars: int = 0
    path: str = ""


@dataclass(frozen=True)
class Chunk:
    """A stored piece of an article; start/end are offsets into Article.text."""

    chunk_id: str
    source: str
    text: str
    start: int
    end: int
    title: str = ""
    metadata: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its score and the relevance signals behind it.

    score: the fused ranking score (comparable within one result list only); dense: the e5 cosine
    of question and chunk (0 when the chunk came from the keyword side alone); keyword_evidence:
    whether the keyword side had evidence for the query (it matched words of the corpus).
    """

    chunk_id: str
    source: str
    title: str
    text: str
    score: float
    start: int = 0
    end: int = 0
    metadata: dict = field(default_factory=dict, hash=False, compare=False)
    dense: float = 0.0
    keyword_evidence: bool = False


@dataclass(frozen=True)
class Citation:
    marker: int
    source: str
    title: str
    snippet: str
    chunk_id: str
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Sources:
    """What an answer is being drawn from, yielded by stream_answer before any text: the passages the
    model is about to read. A preliminary one (final=False) comes from the question as asked while a
    translation or follow-up rewrite is still being made; the final one is what the prompt holds. The
    Answer's citations, not these, are the sources it rests on."""

    passages: tuple[Passage, ...]
    final: bool = True


class Refusal:
    """The gates that refuse an answer (Answer.refused_by), in the order the pipeline meets them."""

    NO_EVIDENCE = "no evidence"  # nothing found, or nothing close enough to the question (Tuning.min_dense)
    UNHEARD_OF = "unheard of"  # a rare word of the question that no indexed passage holds
    MODEL = "model"  # the model said its passages do not answer
    UNSUPPORTED = "unsupported"  # the citation check: no sentence of the answer borne out by a passage
    KIND = "kind"  # the support states no count / date / person where one was asked
    PREMISE = "premise"  # the cited passages do not state what the question takes as given (year, count)
    NAMES = "names"  # the cited article does not hold the names the question gives
    ENGLISH = "english words"  # an English answer adds words its cited passages lack (Tuning.english_min)
    CHECK = "model check"  # the model's own P(yes) that the passages state the answer (Tuning.verify_min_yes)
    NOBODY = "nobody"  # a part pointing at a person after a "who" part the articles do not answer
    NO_ARTICLE = "no article"  # a question across articles: no article gave a line


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    refused: bool = False
    lang: str = ""
    # why a refused answer was refused: the gate that stopped it (Refusal), "direct>pivot" when an English or
    # Japanese question was refused in its own language and then again through the Chinese pivot
    refused_by: str = ""


@dataclass(frozen=True)
class RecordField:
    """One fact of an event record and the sentence (offsets into Article.text) it was read from."""

    name: str  # dates | organisers | countries | people | signed | attended
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class EventRecord:
    """What an article reports about its event, built at ingest (corpus/records.py)."""

    source: str
    title: str = ""
    published: str = ""
    event_dates: tuple[str, ...] = ()
    place: str = ""
    outlet: str = ""
    fields: tuple[RecordField, ...] = ()

    def values(self, name: str) -> list[str]:
        return [f.value for f in self.fields if f.name == name]

    def stated_date(self) -> str:
        """The event's date as the article writes it ("4月19日至21日"): all there is when it gives no year."""
        return next(iter(self.values("dates")), "")

    def label(self) -> str:
        """What names the event in a line of an answer across articles: the article's title and the event's
        date ("《…2019中芬合作平台高层会谈及项目对接会在甬举行》, 2019-05-20"). Not its place: the Wuxi
        delegation's place is 法国、德国, the Shandong–Hong Kong meeting's 上海協力機構モデル区, and a
        reader asking which events or where learnt neither Wuxi nor Shandong from the line."""
        date = self.event_dates[0] if self.event_dates else self.published or self.stated_date()
        name = f"《{self.title}》" if self.title else self.place
        return f"{name}, {date}" if date else name

    def line(self) -> str:
        """One line for a prompt or the articles panel: title | date | place | published | outlet | facts."""
        dates = ",".join(self.event_dates) or self.stated_date()
        parts = [self.title, f"date {dates}" if dates else "",
                 f"place {self.place}" if self.place else "", f"published {self.published}" if self.published else "",
                 f"source {self.outlet}" if self.outlet else ""]
        for name in ("organisers", "countries", "people", "signed", "attended"):
            if values := self.values(name):
                parts.append(f"{name} {'、'.join(values)}")
        return " | ".join(p for p in parts if p)
