"""The rows of the branch office's payment file: headers in English or Indonesian, months or a paid-through date,
amounts as people write them, and every refusal with its line number and a message that says what to fix."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rules.payment_rows import (
    DEFAULT_MAX_MONTHS_AHEAD,
    MAX_MONTHS,
    PayingWorker,
    PaymentRow,
    RecordedPayment,
    RowError,
    check_rows,
    column_map,
    missing_columns,
    parse_month,
    parse_row,
    registration_month,
    rupiah_text,
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


# -- checks against the register ----------------------------------------------------------------------

OTHER = "6310051203750002"


def worker(
    nik: str = NIK,
    id: int = 1,
    registered: date = date(2025, 12, 1),
    segment: str = "BPU",
    income: int = 1_000_000,
    programmes: str = "JKK,JKM",
    occupation: str = "petani",
    payer: str = "village",
) -> PayingWorker:
    return PayingWorker(id, nik, segment, income, programmes, occupation, payer, registered)


def paying(line: int, first: date, months: int, amount: int, reference: str = "BR-1", nik: str = NIK) -> PaymentRow:
    return PaymentRow(line, nik, first, months, amount, reference)


def checked(rows, workers=(), recorded=None, today=TODAY, **options):
    return check_rows(
        rows, {w.nik: w for w in workers or [worker()]}, recorded or {}, today, source="import", **options
    )


def test_a_row_paying_the_contribution_of_its_months_passes_and_is_to_be_recorded():
    row = paying(2, date(2026, 1, 1), 12, 201_600)
    checks = checked([row])
    assert (checks.valid, checks.new, checks.errors, checks.unpriced) == ([row], [row], [], 0)


def test_an_amount_that_is_not_the_contribution_names_the_expected_and_the_found_amount():
    checks = checked([paying(7, date(2026, 9, 1), 3, 20_000)])
    assert checks.errors == [
        RowError(
            7,
            "amount Rp20.000 does not match the contribution Rp50.400 for 3 months from 2026-09 (NIK 631005******0001)",
        )
    ]
    assert checks.valid == checks.new == []
    one = checked([paying(3, date(2026, 9, 1), 1, 16_000)]).errors
    assert one == [
        RowError(
            3,
            "amount Rp16.000 does not match the contribution Rp16.800 for 1 month from 2026-09 (NIK 631005******0001)",
        )
    ]


def test_each_month_is_priced_at_its_own_rate_with_the_transport_discount_until_march_2027():
    ojek = worker(occupation="ojek_sopir", payer="worker")
    # December 2026 to March 2027 at half (Rp8.400), April and May 2027 at the full Rp16.800.
    good = paying(2, date(2026, 12, 1), 6, 4 * 8_400 + 2 * 16_800)
    assert checked([good], [ojek]).new == [good]
    (error,) = checked([paying(4, date(2026, 12, 1), 6, 100_800)], [ojek]).errors
    assert error == RowError(
        4,
        "amount Rp100.800 does not match the contribution Rp67.200 (4 × Rp8.400 + 2 × Rp16.800) for 6 months "
        "from 2026-12 (NIK 631005******0001)",
    )


def test_jht_and_a_higher_income_are_priced_too():
    jht = worker(income=2_500_000, programmes="JKK,JKM,JHT")
    # JKK 25.000 + JKM 6.800 + JHT 50.000 = 81.800 a month.
    assert checked([paying(2, date(2026, 1, 1), 2, 163_600)], [jht]).errors == []
    assert (
        "the contribution Rp163.600 for 2 months"
        in checked([paying(2, date(2026, 1, 1), 2, 33_600)], [jht]).errors[0].message
    )


def test_a_pu_workers_amount_is_not_checked_and_is_counted_as_unpriced():
    pu = worker(segment="PU")
    row = paying(2, date(2026, 1, 1), 12, 123_456)
    checks = checked([row], [pu])
    assert (checks.new, checks.errors, checks.unpriced) == ([row], [], 1)


def test_an_unregistered_nik_is_refused_with_the_nik_masked():
    checks = checked([paying(5, date(2026, 1, 1), 1, 16_800, nik=OTHER)])
    assert checks.errors == [RowError(5, "NIK 631005******0002 is not registered")]


def test_months_before_the_registration_month_are_refused_with_the_month_to_pay_from():
    march = worker(registered=date(2026, 3, 1))
    assert checked([paying(3, date(2026, 3, 1), 2, 33_600)], [march]).errors == []
    assert checked([paying(3, date(2026, 2, 1), 2, 33_600)], [march]).errors == [
        RowError(
            3,
            "paid-from month 2026-02 is before the registration month 2026-03; pay from 2026-03 on "
            "(NIK 631005******0001)",
        )
    ]


def test_the_registration_month_is_the_month_in_the_villages_time_zone():
    # 28 February 16:30 UTC is already 1 March 00:30 in Tanah Bumbu (WITA, +8), still 28 February 23:30 in
    # Sukamara (WIB, +7).
    late = datetime(2026, 2, 28, 16, 30, tzinfo=UTC)
    assert registration_month(late, "63.10.02.2003") == date(2026, 3, 1)
    assert registration_month(late, "62.08.01.2001") == date(2026, 2, 1)


def test_months_more_than_twelve_months_ahead_are_refused_with_the_last_month_that_can_be_paid():
    assert DEFAULT_MAX_MONTHS_AHEAD == 12
    # Today is in November 2026: November 2027 is 12 months ahead, December 2027 is 13.
    assert checked([paying(2, date(2027, 6, 1), 6, 100_800)]).errors == []
    assert checked([paying(2, date(2027, 7, 1), 6, 100_800)]).errors == [
        RowError(
            2,
            "6 months from 2027-07 run to 2027-12, more than 12 months ahead; the last month that can be paid now "
            "is 2027-11 (NIK 631005******0001)",
        )
    ]


def test_the_months_ahead_are_an_option():
    assert checked([paying(2, date(2026, 12, 1), 1, 16_800)], max_months_ahead=0).errors == [
        RowError(
            2,
            "1 month from 2026-12 run to 2026-12, more than 0 months ahead; the last month that can be paid now "
            "is 2026-11 (NIK 631005******0001)",
        )
    ]
    assert checked([paying(2, date(2026, 11, 1), 1, 16_800)], max_months_ahead=0).errors == []
    assert checked([paying(2, date(2028, 11, 1), 1, 16_800)], max_months_ahead=24).errors == []


def test_months_paid_by_a_recorded_payment_are_refused_and_the_payment_named():
    recorded = {1: [RecordedPayment(date(2026, 1, 1), 12, 201_600, "import", "BR-1")]}
    assert checked([paying(4, date(2026, 11, 1), 3, 50_400, "BR-2")], recorded=recorded).errors == [
        RowError(4, "2026-11 to 2026-12 already paid by payment BR-1 (NIK 631005******0001)")
    ]
    cadre = {1: [RecordedPayment(date(2027, 1, 1), 1, 16_800, "cadre", "KW-7")]}
    assert checked([paying(4, date(2026, 12, 1), 2, 33_600, "BR-2")], recorded=cadre).errors == [
        RowError(4, "2027-01 already paid by payment KW-7 (cadre) (NIK 631005******0001)")
    ]
    # The next months are free.
    assert checked([paying(4, date(2027, 1, 1), 3, 50_400, "BR-2")], recorded=recorded).errors == []


def test_the_identical_row_again_passes_and_records_nothing():
    recorded = {1: [RecordedPayment(date(2026, 1, 1), 12, 201_600, "import", "BR-1")]}
    row = paying(2, date(2026, 1, 1), 12, 201_600, "BR-1")
    checks = checked([row], recorded=recorded)
    assert (checks.valid, checks.new, checks.errors) == ([row], [], [])
    # The same reference and first month with other months or another amount is not the same payment.
    changed = checked([paying(2, date(2026, 1, 1), 6, 100_800, "BR-1")], recorded=recorded)
    assert changed.errors == [RowError(2, "2026-01 to 2026-06 already paid by payment BR-1 (NIK 631005******0001)")]
    # A cadre's payment with the same reference is another payment: its months are taken.
    by_cadre = {1: [RecordedPayment(date(2026, 1, 1), 12, 201_600, "cadre", "BR-1")]}
    assert checked([row], recorded=by_cadre).errors[0].message.startswith("2026-01 to 2026-12 already paid")


def test_rows_of_one_file_may_not_pay_the_same_month_twice_but_a_repeated_row_is_a_no_op():
    first = paying(2, date(2026, 1, 1), 6, 100_800, "BR-1")
    again = paying(3, date(2026, 1, 1), 6, 100_800, "BR-1")
    overlapping = paying(4, date(2026, 6, 1), 3, 50_400, "BR-2")
    other_worker = paying(5, date(2026, 6, 1), 3, 50_400, "BR-2", nik=OTHER)
    checks = checked([first, again, overlapping, other_worker], [worker(), worker(OTHER, id=2)])
    assert checks.valid == [first, again, other_worker]
    assert checks.new == [first, other_worker]
    assert checks.errors == [RowError(4, "2026-06 already paid by line 2 (NIK 631005******0001)")]


def test_an_invalid_row_does_not_take_its_months():
    bad = paying(2, date(2026, 1, 1), 6, 1, "BR-1")
    good = paying(3, date(2026, 1, 1), 6, 100_800, "BR-2")
    checks = checked([bad, good])
    assert [e.line for e in checks.errors] == [2] and checks.new == [good]


def test_the_first_failed_check_is_the_one_reported():
    march = worker(registered=date(2026, 3, 1))
    # Before the registration and a wrong amount: the registration is reported.
    (error,) = checked([paying(2, date(2026, 1, 1), 12, 5)], [march]).errors
    assert error.message.startswith("paid-from month 2026-01 is before the registration month 2026-03")


def test_rupiah_are_written_with_dots():
    assert [rupiah_text(n) for n in (0, 8_400, 16_800, 201_600, 1_234_567)] == [
        "Rp0",
        "Rp8.400",
        "Rp16.800",
        "Rp201.600",
        "Rp1.234.567",
    ]


def test_many_rows_of_workers_on_the_same_terms_are_all_checked():
    workers = [worker(f"631005{n // 9000 + 1:02d}0170{n % 9000 + 1:04d}", id=n) for n in range(3000)]
    rows = [paying(n + 2, date(2026, 1, 1), 12, 201_600, nik=w.nik) for n, w in enumerate(workers)]
    checks = checked(rows, workers)
    assert len(checks.new) == 3000 and checks.errors == []
