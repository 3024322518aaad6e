"""What a death or accident report says back: who the worker is (as much as the asker may see), coverage on the day,
the entitlement with its breakdown, the documents, the stage-I deadline, what JKK covers, and what staff are told.
Every figure comes from rules/claims.py and rules/benefits.py; money is formatted by the Translator (Babel)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.i18n import Translator
from flows.model import Context
from rules.benefits import JKK, JKM, SCHOLARSHIP
from rules.claims import (
    ARREARS,
    BUKU_NIKAH,
    LAPSED,
    NOT_STARTED,
    PROTECTED,
    SCHOLARSHIP_NO_MINIMUM,
    SCHOLARSHIP_TOO_SHORT,
    SPOUSE,
    AccidentCover,
    Entitlement,
    accident_documents,
    coverage_on,
    death_documents,
    right_lapses_on,
    time_left,
)
from rules.name_titles import canonical_title
from rules.nik import mask_nik
from rules.timezones import JAKARTA, zone_for_village, zone_label
from storage import payments
from storage.models import Worker

UNREGISTERED = "unregistered"


def first_name(name: str) -> str:
    """The first word of a name after any titles ("H. Abdul Karim, S.Pd" → "Abdul"): all a stranger is shown."""
    for word in (w.rstrip(",") for w in name.split()):
        if word and canonical_title(word) is None:
            return word
    return name


def serves(ctx: Context, worker: Worker) -> bool:
    """Whether the asker is an admin or a cadre of the worker's village (and may see the worker's details)."""
    staff = ctx.staff
    return staff is not None and (staff.is_admin or (staff.is_cadre and worker.village_code in staff.village_codes))


def who(ctx: Context, worker: Worker) -> str:
    """The worker as the asker may see them: name and registration number for their cadre or an admin, else the first
    name and the masked NIK."""
    if serves(ctx, worker):
        return ctx.t("claims.shown.staff", name=worker.name, registration=worker.registration_number or "-")
    return ctx.t("claims.shown.stranger", name=first_name(worker.name), nik=mask_nik(worker.nik))


def zone_of(village_code: str | None) -> str:
    """The village's IANA time zone, WIB when the village is unknown."""
    try:
        return zone_for_village(village_code) if village_code else JAKARTA
    except ValueError:
        return JAKARTA


def registered_on(worker: Worker) -> date:
    """The day the worker was registered, in their village's time zone."""
    return worker.registered_at.astimezone(ZoneInfo(zone_of(worker.village_code))).date()


async def paid_months(ctx: Context, worker: Worker) -> list[tuple[date, int]]:
    """The worker's payments as (first month, months), read once per message."""
    key = ("claim-paid-months", worker.id)
    if key not in ctx.memo:
        ctx.memo[key] = await payments.paid_months(ctx.session, worker.id)
    return list(ctx.memo[key])


async def coverage(ctx: Context, worker: Worker, day: date) -> str:
    """PROTECTED, ARREARS, LAPSED or NOT_STARTED on the day (coverage_on in rules/claims.py)."""
    return coverage_on(day, registered_on=registered_on(worker), paid_months=await paid_months(ctx, worker))


def coverage_text(t: Translator, code: str, day: date, *, accident: bool = False) -> str:
    """What coverage on the day means for the family; arrears said as uncertain (docs/domain.md marks it [L])."""
    if code == PROTECTED:
        return t("claims.coverage.accident_protected" if accident else "claims.coverage.protected", date=t.date(day))
    if code == ARREARS:
        return t("claims.coverage.arrears", month=t.month(day))
    if code == LAPSED:
        return t("claims.coverage.lapsed", date=t.date(day))
    if code == NOT_STARTED:
        return t("claims.coverage.not_started", date=t.date(day))
    return t("claims.coverage.unregistered")


def _levels(t: Translator) -> str:
    return ", ".join(
        t("claims.scholarship.level", level=level.level, amount=t.money(level.per_year), years=level.years)
        for level in SCHOLARSHIP.levels
    )


def _scholarship_params(t: Translator) -> dict[str, object]:
    return {
        "children": SCHOLARSHIP.max_children,
        "max_total": t.money(SCHOLARSHIP.max_total),
        "years": SCHOLARSHIP.min_contribution_years,
        "age": SCHOLARSHIP.max_age,
        "levels": _levels(t),
    }


def scholarship_text(t: Translator, rule: str, months: int) -> str:
    """The children's scholarship: possible (with its amounts and end), too few months paid, or no minimum (JKK)."""
    params = _scholarship_params(t)
    if rule == SCHOLARSHIP_TOO_SHORT:
        return t("claims.scholarship.too_short", months=months, **params)
    if rule == SCHOLARSHIP_NO_MINIMUM:
        return t("claims.scholarship.no_minimum", **params)
    return t("claims.scholarship.min_period", **params)


def entitlement_text(t: Translator, entitlement: Entitlement, *, work_accident: bool, income: int, months: int) -> str:
    """The death entitlement with its breakdown, and the scholarship."""
    parts = {part.key: t.money(part.amount) for part in entitlement.parts}
    if work_accident:
        main = t(
            "claims.entitlement.jkk",
            total=t.money(entitlement.total),
            multiplier=JKK.death_multiplier,
            income=t.money(income),
            multiple=parts["income_multiple"],
            funeral=parts["funeral"],
            periodic=parts["periodic"],
        )
    else:
        main = t(
            "claims.entitlement.jkm",
            total=t.money(entitlement.total),
            lump_sum=parts["lump_sum"],
            periodic=parts["periodic"],
            periodic_months=JKM.periodic_months,
            periodic_monthly=t.money(JKM.periodic_monthly),
            funeral=parts["funeral"],
        )
    return "\n".join([main, scholarship_text(t, entitlement.scholarship_rule, months)])


def entitlement_rules(t: Translator, *, work_accident: bool) -> str:
    """The death entitlement as rules, with nothing about the worker (for a report not yet confirmed)."""
    if work_accident:
        main = t(
            "claims.entitlement.jkk_rule",
            multiplier=JKK.death_multiplier,
            funeral=t.money(JKK.death_funeral),
            periodic=t.money(JKK.death_periodic),
        )
    else:
        main = t(
            "claims.entitlement.jkm",
            total=t.money(JKM.total),
            lump_sum=t.money(JKM.lump_sum),
            periodic=t.money(JKM.periodic),
            periodic_months=JKM.periodic_months,
            periodic_monthly=t.money(JKM.periodic_monthly),
            funeral=t.money(JKM.funeral),
        )
    rule = "no_minimum" if work_accident else "rule"
    return "\n".join([main, t(f"claims.scholarship.{rule}", **_scholarship_params(t))])


def _items(t: Translator, keys: tuple[str, ...]) -> str:
    return "\n".join(f"☐ {t(f'claims.doc.{key}')}" for key in keys)


def death_documents_text(t: Translator, relation: str) -> str:
    """The documents to bring for this relation (a buku nikah "if the heir is the spouse" for anyone else reporting)."""
    keys = death_documents(relation)
    items = _items(t, keys)
    if relation != SPOUSE and BUKU_NIKAH not in keys:
        items += f"\n☐ {t('claims.doc.buku_nikah_if_spouse')}"
    return t("claims.documents.death", items=items)


def accident_documents_text(t: Translator, road: bool) -> str:
    """The documents of a work-accident claim (a police report for a road accident)."""
    return t("claims.documents.accident", items=_items(t, accident_documents(road)))


def duration(t: Translator, left: timedelta) -> str:
    """A time left in hours and minutes ("31 jam 20 menit")."""
    minutes = int(left.total_seconds() // 60)
    return t("claims.time.duration", hours=minutes // 60, minutes=minutes % 60)


def local_time(t: Translator, moment: datetime, zone: str) -> str:
    """A moment in the zone, in words, with its label: "1 Desember 2026 15.00 WITA"."""
    local = moment.astimezone(ZoneInfo(zone))
    return t("claims.time.at", date=t.date(local.date()), time=local.strftime("%H.%M"), zone=zone_label(zone))


def deadline_text(t: Translator, accident_at: datetime, deadline: datetime, now: datetime, zone: str) -> str:
    """The stage-I deadline with the time left in the village's zone, or passed (which does not void the right)."""
    left = time_left(deadline, now)
    when = local_time(t, deadline, zone)
    if left is not None:
        return t("claims.deadline.left", deadline=when, left=duration(t, left))
    lapses = right_lapses_on(accident_at.astimezone(ZoneInfo(zone)).date())
    return t("claims.deadline.passed", deadline=when, lapses=t.date(lapses))


def cover_text(t: Translator, cover: AccidentCover | None) -> str:
    """What JKK covers: amounts from the declared income when known, else the rules."""
    transport = {
        "land": t.money(JKK.transport_land),
        "sea": t.money(JKK.transport_sea),
        "air": t.money(JKK.transport_air),
    }
    if cover is None:
        return t(
            "claims.cover.rule",
            months=JKK.stmb_full_months,
            disability=JKK.disability_multiplier,
            death=JKK.death_multiplier,
            **transport,
        )
    return t(
        "claims.cover.amounts",
        months=cover.stmb_full_months,
        stmb_full=t.money(cover.stmb_full_monthly),
        stmb_later=t.money(cover.stmb_later_monthly),
        disability=t.money(cover.disability),
        death=t.money(cover.death),
        **transport,
    )
