"""Event records built at ingest from the real seed articles: every field from a sentence that states it."""
import pytest

from assistant.config import PROJECT_ROOT
from assistant.corpus.reader import read_article
from assistant.corpus.records import build_record, record_from_json, record_to_json
from assistant.text.lexical import fold

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def records():
    return {p.name[:3]: (read_article(p), build_record(read_article(p))) for p in sorted(SEEDS.glob("*.txt"))}


def test_organisers_countries_people_and_signings_are_read(records):
    _, ningbo = records["000"]
    assert any("宁波市政府" in v for v in ningbo.values("organisers"))
    assert {"芬兰", "中国"} <= set(ningbo.values("countries"))
    assert "市长 尤卡·莫拉讷恩" in ningbo.values("people")
    _, wuxi = records["003"]
    assert {"法国", "德国"} <= set(wuxi.values("countries"))  # Traditional 法國/德國 named in Simplified
    assert any("7個" in v for v in wuxi.values("signed"))
    _, shandong = records["004"]  # Japanese: 青島市党委員会副書記・市長の趙豪志氏
    assert "市長 趙豪志" in shandong.values("people")


def test_every_field_points_at_the_sentence_it_came_from(records):
    for article, record in records.values():
        assert record.fields
        for f in record.fields:
            sentence = article.text[f.start:f.end]
            if f.name == "countries":
                assert f.value in fold(sentence) or f.value == "中国"
            else:
                assert f.value.split(" ")[-1] in sentence, (f, sentence)


def test_a_record_survives_its_json_form_and_reads_as_one_line(records):
    _, record = records["002"]
    again = record_from_json(record_to_json(record))
    assert again == record
    line = record.line()
    assert line.startswith(record.title) and "place 金华" in line and "\n" not in line
    assert record_from_json("not json") is None


def test_the_store_keeps_each_articles_record(seeded_assistant):
    records = seeded_assistant.retriever.records()
    assert sorted(records) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert "市長 趙豪志" in records["004_24e069c5cde581db.txt"].values("people")
    panel = {a["source"]: a for a in seeded_assistant.retriever.articles()}
    assert panel["000_a8e4c96704b3803b.txt"]["record"].values("countries")


def test_a_line_across_articles_names_its_event_by_the_articles_title_not_its_place():
    """The Wuxi delegation's place is 法国、德国: a line labelled so never said which city's visit it was."""
    from assistant.types import EventRecord

    record = EventRecord("003.txt", "无锡高新区代表团出访欧洲", event_dates=("2023-06-02",), place="法国、德国")
    assert record.label() == "《无锡高新区代表团出访欧洲》, 2023-06-02"
    assert EventRecord("x.txt", "", place="金华").label() == "金华"
