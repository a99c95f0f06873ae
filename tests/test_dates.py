"""Years and date numbers (text/dates.py): what the date filters and the year filter compare."""
import pytest

from assistant.text.dates import YEAR, ymd


@pytest.mark.parametrize("text, number", [
    ("2019-05-20", 20190520), ("2019-5-3", 20190503), ("2019/05/20", 20190520), ("20190520", 20190520),
    ("2019-05", 20190501), ("2019", 20190101),  # a month or a year counts from its first day
    ("2023-06-02/2023-06-09", 20230602),  # an interval: its start
    ("2019-05-20T10:00", 20190520), ("", 0), ("May 2019", 0), (None, 0),
])
def test_ymd_is_a_number_that_orders_like_the_date(text, number):
    assert ymd(text) == number


def test_a_partial_date_filter_brackets_the_full_dates_of_its_period():
    assert ymd("2019") <= ymd("2019-01-01") <= ymd("2019-05-20") < ymd("2020")


def test_years_are_whole_four_digit_numbers_of_the_last_and_this_century():
    assert YEAR.findall("2019中芬合作平台 and the 2022年 meeting, 2023-06-02") == ["2019", "2022", "2023"]
    assert YEAR.findall("12019, 1899, 20190520") == []


@pytest.mark.parametrize("text, english", [
    ("held on 3月25日 [1].", "held on March 25 [1]."),
    ("from 4月19日至21日 in Jinhua", "from April 19–21 in Jinhua"),
    ("on 2023年4月19日.", "on April 19, 2023."),
    ("in 2021年8月,", "in August 2021,"),
    ("6月2日-9日", "June 2–9"),
    ("13月 and 2016年度", "13月 and 2016年度"),  # not a month; a fiscal year stays as written
])
def test_a_chinese_date_in_english_text_is_written_the_english_way(text, english):
    from assistant.text.dates import english_dates

    assert english_dates(text) == english


def test_a_guessed_year_is_dropped_with_the_words_that_attach_it():
    from assistant.text.dates import drop_years

    assert drop_years("It took place from April 19 to 21, 2021, in Jinhua [1].", {"2021"}) == \
        "It took place from April 19 to 21, in Jinhua [1]."
    assert drop_years("于2021年4月19日至21日举行", {"2021"}) == "于4月19日至21日举行"
    assert drop_years("It was held in 2021 in Jinhua.", {"2021"}) == "It was held in Jinhua."


@pytest.mark.parametrize("question, months", [
    ("這幾篇報道中,哪些活動是在春季(3月至5月)舉行的?", {3, 4, 5}),
    ("Which events were held in spring?", {3, 4, 5}),
    ("Which events took place between March and May?", {3, 4, 5}),
    ("これらの記事で、春に開かれたイベントはどれですか?", {3, 4, 5}),
    ("哪些活动在11月至2月举行?", {11, 12, 1, 2}),  # a range past December wraps
    ("三月举行的活动有哪些?", {3}), ("会议在6月份举行吗?", {6}), ("What happened in the fall?", {9, 10, 11}),
    ("Which meetings were in May?", {5}),
    ("哪些活动在5月20日举行?", set()),  # a day makes it a date: a number the passage must state
    ("May I ask what was signed?", set()), ("春风十里,哪些项目签约了?", set()), ("How many in 2023?", set()),
])
def test_the_months_a_question_asks_about(question, months):
    from assistant.text.dates import asked_months

    assert asked_months(question) == months


def test_without_its_months_a_question_keeps_what_it_asks_about():
    from assistant.text.dates import without_months

    assert "春季" not in without_months("哪些活動是在春季(3月至5月)舉行的?")
    assert without_months("Which events took place between March and May?").split() == ["Which", "events", "took",
                                                                                         "place", "?"]
    assert without_months("哪些活动涉及传感器?") == "哪些活动涉及传感器?"


def test_the_months_a_text_dates():
    from assistant.text.dates import stated_months

    assert stated_months("4月19日至21日,在科技部的指导下") == {4}
    assert stated_months("5月30日至6月2日") == {5, 6} and stated_months("2023年6月2日-9日") == {6}
    assert stated_months("没有日期") == set()
