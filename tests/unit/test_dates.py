"""Filter dates are checked once, in assistant/dates.py: a date that does not exist is an error naming it,
for the CLI, the UI and the Python API alike, never a silent "no matching papers"."""

from datetime import date

import pytest

from assistant.dates import check_date_range, date_range
from assistant.errors import UsageError
from assistant.store import Filters


@pytest.mark.parametrize("value, first, last", [
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
    (" 2024-07-26 ", date(2024, 7, 26), date(2024, 7, 26)),
])
def test_a_bound_covers_its_whole_period(value, first, last):
    assert date_range(value) == (first, last)


@pytest.mark.parametrize("value", ["2025-13", "2024-02-30", "2024-00", "24", "2024/05", "May 2024", "2024-5", ""])
def test_a_date_that_does_not_exist_names_itself_and_the_accepted_forms(value):
    with pytest.raises(UsageError) as error:
        date_range(value, "--from")
    assert error.value.friendly() == f"--from '{value}' is not a date — write it as YYYY, YYYY-MM or YYYY-MM-DD"
    assert error.value.exit_code == 2


def test_a_range_that_ends_before_it_starts_is_refused():
    check_date_range("2024-05", "2024")  # inside the year: fine
    check_date_range("2024", None)
    with pytest.raises(UsageError, match="--from 2025 is after --to 2024"):
        check_date_range("2025", "2024", ("--from", "--to"))


def test_the_python_api_filters_check_their_dates():
    assert Filters(date_from="2020", date_to="2021-06").date_to == "2021-06"
    with pytest.raises(UsageError, match="date_to '2024-02-30' is not a date"):
        Filters(date_to="2024-02-30")
    with pytest.raises(UsageError, match="date_from 2025 is after date_to 2024"):
        Filters(date_from="2025", date_to="2024")
