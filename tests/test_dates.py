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
