"""The rows of the branch office's payment file: headers in English or Indonesian, months or a paid-through date,
amounts as people write them, and every refusal with its line number and a message that says what to fix."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rules.payment_rows import (
    MAX_MONTHS,
    PaymentRow,
    RowError,
    column_map,
    missing_columns,
    parse_month,
    parse_row,
)

TODAY = date(2026, 11, 22)
NIK = "6310054508800001"
ENGLISH = ["NIK", "paid_from", "months", "amount", "reference"]
COLUMNS = column_map(ENGLISH)


def row(nik: object = NIK, first: object = "2026-01", months: object = "12", amount: object = "201600", ref="BR-1"):
    return [nik, first, months, amount, ref]


# -- headers --------------------------------------------------------------------------------------


def test_an_english_header_maps_every_field():
    assert COLUMNS == {"nik": 0, "paid_from": 1, "months": 2, "amount": 3, "reference": 4}
    assert missing_columns(COLUMNS) == []


def test_an_indonesian_header_in_another_order_and_case_maps_every_field():
    header = ["No Referensi", "Iuran", "Jumlah Bulan", "Bulan Mulai", " nik "]
    assert column_map(header) == {"reference": 0, "amount": 1, "months": 2, "paid_from": 3, "nik": 4}
    assert column_map(["NIK", "Dari", "Sampai", "Jumlah", "Kwitansi"]) == {
        "nik": 0,
        "paid_from": 1,
        "paid_through": 2,
        "amount": 3,
        "reference": 4,
    }


def test_spaces_dashes_and_underscores_in_header_names_are_the_same():
    assert column_map(["NIK", "Paid-From", "PAID  THROUGH", "amount", "ref"]) == {
        "nik": 0,
        "paid_from": 1,
        "paid_through": 2,
        "amount": 3,
        "reference": 4,
    }


def test_a_header_without_a_required_column_says_which_are_missing():
    assert missing_columns(column_map(["NIK", "paid_from", "amount"])) == ["reference", "months or paid_through"]
    assert missing_columns(column_map(["paid_from", "months", "amount", "reference"])) == ["nik"]
    assert missing_columns(column_map(["NIK", "paid_from", "paid_through", "amount", "reference"])) == []
    assert missing_columns(column_map([])) == ["nik", "paid_from", "amount", "reference", "months or paid_through"]


# -- valid rows -----------------------------------------------------------------------------------


def test_a_valid_row_with_a_number_of_months():
    assert parse_row(2, row(), COLUMNS, TODAY) == PaymentRow(2, NIK, date(2026, 1, 1), 12, 201600, "BR-1")


@pytest.mark.parametrize("amount", ["201.600", "Rp201.600", "201600", "Rp 201.600", "rp. 201.600,00", "201,600"])
def test_amounts_as_people_write_them(amount):
    parsed = parse_row(2, row(amount=amount), COLUMNS, TODAY)
    assert isinstance(parsed, PaymentRow) and parsed.amount == 201600


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-01", date(2026, 1, 1)),
        ("2026/1", date(2026, 1, 1)),
        ("2026-01-15", date(2026, 1, 1)),
        ("01/2026", date(2026, 1, 1)),
        ("Januari 2026", date(2026, 1, 1)),
        ("agustus 2026", date(2026, 8, 1)),
        ("Agt 2026", date(2026, 8, 1)),
        ("December 2026", date(2026, 12, 1)),
    ],
)
def test_the_first_month_in_the_forms_offices_use(text, month):
    assert parse_month(text) == month


def test_a_paid_through_date_gives_the_number_of_months_instead():
    columns = column_map(["NIK", "paid_from", "paid_through", "amount", "reference"])
    for through in ("2026-12-31", "31-12-2026", "31 Desember 2026", "2026-12-01"):
        parsed = parse_row(3, [NIK, "2026-01", through, "201.600", "BR-1"], columns, TODAY)
        assert parsed == PaymentRow(3, NIK, date(2026, 1, 1), 12, 201600, "BR-1"), through
    one = parse_row(3, [NIK, "2026-12", "2026-12-31", "16800", "BR-1"], columns, TODAY)
    assert isinstance(one, PaymentRow) and one.months == 1


def test_months_win_over_paid_through_when_a_file_has_both():
    columns = column_map(["NIK", "paid_from", "months", "paid_through", "amount", "reference"])
    parsed = parse_row(2, [NIK, "2026-01", "3", "2026-12-31", "50400", "BR-1"], columns, TODAY)
    assert isinstance(parsed, PaymentRow) and parsed.months == 3


def test_spreadsheet_cells_numbers_and_dates_are_read_as_their_text():
    parsed = parse_row(2, [int(NIK), datetime(2026, 1, 1), 12.0, 201600.0, "BR-1"], COLUMNS, TODAY)
    assert parsed == PaymentRow(2, NIK, date(2026, 1, 1), 12, 201600, "BR-1")


def test_a_nik_typed_with_spaces_or_dots_is_accepted_as_its_digits():
    parsed = parse_row(2, row(nik="6310 0545 0880 0001"), COLUMNS, TODAY)
    assert isinstance(parsed, PaymentRow) and parsed.nik == NIK


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (row(nik="631005450880001"), "NIK '631005450880001' is not valid (length)"),
        (row(nik=""), "NIK '' is not valid (length)"),
        (row(nik="63100545O8800001"), "NIK '63100545O8800001' is not valid (digits)"),
        (row(nik="6310059908800001"), "NIK '6310059908800001' is not valid (date)"),
        (row(nik="6310054508800000"), "NIK '6310054508800000' is not valid (serial)"),
        (row(first="2026-13"), "paid-from month '2026-13' is not a month like 2026-01"),
        (row(first="next year"), "paid-from month 'next year' is not a month like 2026-01"),
        (row(first=""), "paid-from month '' is not a month like 2026-01"),
        (row(months="0"), f"months '0' must be a whole number from 1 to {MAX_MONTHS}"),
        (row(months="25"), f"months '25' must be a whole number from 1 to {MAX_MONTHS}"),
        (row(months="1.5"), f"months '1.5' must be a whole number from 1 to {MAX_MONTHS}"),
        (row(months="-3"), f"months '-3' must be a whole number from 1 to {MAX_MONTHS}"),
        (row(months="²"), f"months '²' must be a whole number from 1 to {MAX_MONTHS}"),
        (row(months=""), "give the number of months or a paid-through date"),
        (row(amount="dua ratus ribu"), "amount 'dua ratus ribu' is not a whole Rupiah amount"),
        (row(amount="201.60"), "amount '201.60' is not a whole Rupiah amount"),
        (row(amount="-16800"), "amount '-16800' is not a whole Rupiah amount"),
        (row(amount=""), "amount '' is not a whole Rupiah amount"),
        (row(ref=""), "reference is missing or longer than 60 characters"),
        (row(ref="R" * 61), "reference is missing or longer than 60 characters"),
    ],
)
def test_every_refusal_names_its_line_and_what_is_wrong(values, message):
    assert parse_row(7, values, COLUMNS, TODAY) == RowError(7, message)


def test_a_paid_through_date_that_cannot_be_read_or_is_out_of_range_is_refused():
    columns = column_map(["NIK", "paid_from", "paid_through", "amount", "reference"])

    def error(through: str) -> RowError | PaymentRow:
        return parse_row(4, [NIK, "2026-06", through, "16800", "BR-1"], columns, TODAY)

    assert error("") == RowError(4, "give the number of months or a paid-through date")
    assert error("kapan-kapan") == RowError(4, "paid-through 'kapan-kapan' is not a date like 2026-12-31")
    assert error("2026-05-31") == RowError(
        4, f"paid-through '2026-05-31' must be 1 to {MAX_MONTHS} months after paid-from"
    )
    assert error("2028-06-30") == RowError(
        4, f"paid-through '2028-06-30' must be 1 to {MAX_MONTHS} months after paid-from"
    )


def test_the_first_problem_of_a_row_is_the_one_reported():
    parsed = parse_row(9, ["123", "later", "0", "x", ""], COLUMNS, TODAY)
    assert parsed == RowError(9, "NIK '123' is not valid (length)")


def test_a_short_row_is_a_refusal_not_a_crash():
    assert parse_row(5, [NIK, "2026-01"], COLUMNS, TODAY) == RowError(
        5, "give the number of months or a paid-through date"
    )


# -- never a crash ----------------------------------------------------------------------------------

_cells = st.one_of(
    st.text(max_size=30),
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.dates(),
    st.sampled_from(["2026-01", "12", "201.600", NIK, "2026-12-31", "Rp16.800", "²", "١٢", "0", "9999-99"]),
)


@given(st.lists(_cells, max_size=7), st.integers(min_value=2, max_value=10**6))
@example([NIK, "2026-01", "²", "16800", "BR"], 2)
@example([NIK, "2026-01", "", "16800", "BR"], 2)
@example([NIK, "0000-01", "1", "16800", "BR"], 2)
@example([NIK, "2026-00", "1", "16800", "BR"], 2)
def test_parse_row_never_raises_on_arbitrary_cells(values, line):
    parsed = parse_row(line, values, COLUMNS, TODAY)
    assert isinstance(parsed, PaymentRow | RowError)
    assert parsed.line == line
    if isinstance(parsed, PaymentRow):
        assert 1 <= parsed.months <= MAX_MONTHS and parsed.amount >= 0 and len(parsed.nik) == 16
        assert parsed.first_month.day == 1 and 1 <= len(parsed.reference) <= 60


@given(st.lists(st.text(max_size=12), max_size=8))
def test_column_map_never_raises_on_an_arbitrary_header(header):
    columns = column_map(header)
    assert set(columns) <= {"nik", "paid_from", "months", "paid_through", "amount", "reference"}
    assert all(0 <= index < len(header) for index in columns.values())
