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
