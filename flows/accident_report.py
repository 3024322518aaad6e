""" "Lapor kecelakaan kerja" (JKK): who reports, which worker, when and where it happened, what happened, at work or
on the way, a road accident or not, the injuries and where the worker is treated (partner facilities advised),
witnesses and photos. The case is opened with a KLM- reference, the cadre and admins are told, reminders to the cadre
are recorded for 24 h and 40 h, and the reporter learns the stage-I deadline (2 × 24 h) in the village's time zone,
what JKK covers and the documents of the claim."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flows.claim_parsers import local_moment, read_moment, read_optional_words, read_words
from flows.claim_steps import (
    chosen_village,
    current_worker,
    named_worker,
    photo_files,
    photo_steps,
    reporter_name,
    reporter_phone,
    reporter_steps,
    show_phone,
    village_of_report,
    worker_steps,
)
from flows.claim_texts import (
    accident_documents_text,
    cover_text,
    coverage,
    coverage_text,
    deadline_text,
    local_time,
    zone_of,
)
from flows.i18n import Translator
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Valid
from flows.text import NO_WORDS, YES_WORDS
from rules.claims import accident_cover, stage_one_deadline
from rules.dates import InvalidDateError
from rules.regions import village_info
from storage import claims, villages
from storage.claims import ACCIDENT, CONFIRMED, NewClaim, OpenedClaim
from storage.models import Worker

REPORT_ACCIDENT = "report_accident"
SELF, FAMILY, CADRE = "self", "family", "cadre"
AT_WORK, ON_THE_WAY = "at_work", "commute"
PHOTO = "accident_photo"  # the kind of a photo kept with the case
# A moment a few minutes ahead is a clock set slightly fast, not the future.
_CLOCK_SLACK = timedelta(minutes=10)

_WHO_CHOICES = (
    Choice(SELF, "claims.who.self", aliases=("saya", "saya sendiri", "me", "myself", "pekerja")),
    Choice(FAMILY, "claims.who.family", aliases=("keluarga", "family")),
    Choice(CADRE, "claims.who.cadre", aliases=("kader", "cadre")),
)
_COMMUTE_CHOICES = (
    Choice(AT_WORK, "claims.commute.at_work", aliases=("bekerja", "saat bekerja", "at work", "kerja")),
    Choice(ON_THE_WAY, "claims.commute.on_the_way", aliases=("perjalanan", "berangkat", "pulang", "on the way")),
)
_ROAD_CHOICES = (
    Choice("yes", "claims.road.yes", aliases=tuple(YES_WORDS)),
    Choice("no", "claims.road.no", aliases=tuple(NO_WORDS)),
)


async def _zone(ctx: Context) -> str:
    return zone_of(await village_of_report(ctx))


async def _parse_moment(text: str, ctx: Context) -> Parsed:
    """The day and hour of the accident in the village's time zone; not in the future."""
    zone = await _zone(ctx)
    village = await village_of_report(ctx)
    try:
        day, at = read_moment(text, ctx.today(village))
    except InvalidDateError as error:
        return Invalid("claims.moment.no_time" if str(error) == "no_time" else "claims.moment.invalid")
    moment = local_moment(day, at, zone)
    if moment > ctx.now + _CLOCK_SLACK:
        return Invalid("claims.moment.future", {"moment": local_time(ctx.t, moment, zone)})
    return Valid(moment.isoformat())


async def _show_moment(value: Any, ctx: Context) -> str:
    return local_time(ctx.t, datetime.fromisoformat(str(value)), await _zone(ctx))


def _words(text: str, ctx: Context) -> Parsed:
    return read_words(text)


def _optional_words(text: str, ctx: Context) -> Parsed:
    return read_optional_words(text)


def _show_optional(value: Any, ctx: Context) -> str:
    return str(value) if value else ctx.t("claims.summary.none")


def _show_treatment(value: Any, ctx: Context) -> str:
    return str(value) if value else ctx.t("claims.summary.not_treated")


# -- what staff are told ------------------------------------------------------------------------------------------


def _staff_text(language: str, facts: dict[str, Any], point: str | None = None) -> str:
    t = Translator(language)
    params = {
        "reference": facts["reference"],
        "worker": facts["worker"],
        "village": facts["village"],
        "moment": local_time(t, facts["at"], facts["zone"]),
        "deadline": local_time(t, facts["deadline"], facts["zone"]),
    }
    if point is not None:
        return t("claims.staff.reminder", hours=point.removesuffix("h"), **params)
    return t(
        "claims.staff.accident",
        place=facts["place"],
        reporter=facts["reporter"],
        phone=facts["phone"],
        trust=t("claims.staff.trust.accident_confirmed" if facts["match"] == CONFIRMED else "claims.staff.trust.check"),
        **params,
    )


async def _notify(ctx: Context, opened: OpenedClaim, worker: Worker | None, at: datetime, deadline: datetime) -> None:
    village = village_info(await village_of_report(ctx) or "")
    facts = {
        "reference": opened.reference,
        "worker": f"{worker.name} ({worker.registration_number})" if worker is not None else named_worker(ctx) or "-",
        "village": village.name if village is not None else "-",
        "at": at,
        "deadline": deadline,
        "zone": await _zone(ctx),
        "place": ctx.answers["place"],
        "reporter": reporter_name(ctx),
        "phone": show_phone(reporter_phone(ctx), ctx),
        "match": opened.match,
    }
    await claims.notify_staff(ctx.session, opened.id, lambda language: _staff_text(language, facts))
    await claims.schedule_accident_reminders(
        ctx.session, opened.id, deadline, lambda language, point: _staff_text(language, facts, point), now=ctx.now
    )


async def _save(ctx: Context) -> Outcome:
    worker = await current_worker(ctx)
    at = datetime.fromisoformat(str(ctx.answers["moment"]))
    deadline = stage_one_deadline(at)
    village = chosen_village(ctx)
    if worker is None and village is not None and (info := village_info(village)) is not None:
        await villages.ensure_village(ctx.session, info)
    road = ctx.answers.get("road") == "yes"
    details: dict[str, Any] = {
        key: ctx.answers.get(key) for key in ("who", "place", "story", "injuries", "treatment", "witnesses")
    }
    details["road"] = road
    if ctx.answers.get("phone"):
        details["typed_phone"] = ctx.answers["phone"]
    new = NewClaim(
        kind=ACCIDENT,
        event_date=at.date(),
        event_at=at,
        reporter_name=reporter_name(ctx),
        worker_id=worker.id if worker is not None else None,
        village_code=None if worker is not None else village,
        named_worker=None if worker is not None else named_worker(ctx),
        cause=str(ctx.answers["commute"]),
        details=details,
        reporter_contact_id=ctx.contact.id,
        reporter_person_id=ctx.staff.person_id if ctx.staff is not None else None,
        reporter_relation=str(ctx.answers.get("who") or CADRE),
        reporter_phone=ctx.contact.phone,
    )
    opened = await claims.open_claim(ctx.session, new, now=ctx.now)
    for file in photo_files(ctx, "photos", "photos_retry"):
        await claims.attach_document(ctx.session, opened.id, kind=PHOTO, contact_id=ctx.contact.id, **file)
    await _notify(ctx, opened, worker, at, deadline)
    t = ctx.t
    cover = accident_cover(worker.declared_income) if worker is not None and opened.match == CONFIRMED else None
    zone = await _zone(ctx)
    texts = [t("claims.accident.opened", reference=opened.reference)]
    if cover is not None and worker is not None:  # someone stands behind the report: whether the day was protected
        day = at.astimezone(ZoneInfo(zone)).date()
        texts.append(coverage_text(t, await coverage(ctx, worker, day), day, accident=True))
    texts += [
        deadline_text(t, at, deadline, ctx.now, zone),
        t("claims.accident.treatment_advice"),
        cover_text(t, cover),
        accident_documents_text(t, road),
        t("claims.documents.where"),
    ]
    return Outcome(texts=["\n\n".join(texts)], then="menu")


def accident_report_flow() -> Flow:
    """Who reports, the worker, when, where and what happened; the case, the deadline, the cover, the documents."""
    name, phone = reporter_steps()
    return Flow(
        name=REPORT_ACCIDENT,
        title="claims.accident.title",
        intro="claims.accident.intro",
        confirm=True,
        complete=_save,
        steps=(
            Step(
                "who",
                "claims.accident.who",
                choices=_WHO_CHOICES,
                condition=lambda ctx: not ctx.is_staff,
                summary_label="claims.summary.who",
            ),
            *worker_steps("claims.accident.worker", "claims.accident.worker_name"),
            Step(
                "moment",
                "claims.accident.moment",
                parse=_parse_moment,
                summary_label="claims.summary.moment",
                show=_show_moment,
            ),
            Step("place", "claims.accident.place", parse=_words, summary_label="claims.summary.place"),
            Step("story", "claims.accident.story", parse=_words, summary_label="claims.summary.story"),
            Step(
                "commute", "claims.accident.commute", choices=_COMMUTE_CHOICES, summary_label="claims.summary.commute"
            ),
            Step("road", "claims.accident.road", choices=_ROAD_CHOICES, summary_label="claims.summary.road"),
            Step("injuries", "claims.accident.injuries", parse=_words, summary_label="claims.summary.injuries"),
            Step(
                "treatment",
                "claims.accident.treatment",
                parse=_optional_words,
                summary_label="claims.summary.treatment",
                show=_show_treatment,
            ),
            Step(
                "witnesses",
                "claims.accident.witnesses",
                parse=_optional_words,
                summary_label="claims.summary.witnesses",
                show=_show_optional,
            ),
            name,
            phone,
            *photo_steps("photos", "claims.accident.photos", "claims.summary.photos_label"),
        ),
    )
