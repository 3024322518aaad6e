"""The registration conversation as data: one step a question, in the order they are asked, consent first."""

from __future__ import annotations

from flows.flow_options import FlowOptions
from flows.model import Flow, Step
from flows.register import parsers as p
from flows.register import questions as q
from flows.register import summary as s
from flows.register.answers import has_heir
from flows.register.saving import save_registration
from flows.staff_villages import several_villages, village_choices
from flows.worker_answers import (
    OCCUPATION_CHOICES,
    income_prompt,
    parse_free_occupation,
    parse_heir_name,
    parse_income,
    parse_optional_phone,
    relation_choices,
)

REGISTER = "register"


def _label(field: str) -> str:
    return f"register.summary.{field}"


def register_flow(options: FlowOptions | None = None) -> Flow:
    """The cadre's guided registration of a worker, ending in a summary to confirm (`ubah N` edits field N)."""
    birth_date = p.birth_date_parser(options or FlowOptions())
    # fmt: off
    steps = (
        # Consent first (UU 27/2022 PDP): no personal answer is asked, or kept, before the worker agreed.
        Step("consent", "register.consent.ask", choices=q.consent_choices, parse=p.parse_consent),
        Step("village", "register.village.ask", choices=village_choices, condition=several_villages,
             summary_label=_label("village"), show=s.show_village),
        Step("village_code", "register.village.ask_code", parse=p.parse_village_code,
             condition=q.admin_without_villages, summary_label=_label("village"), show=s.show_village),
        Step("nik", "register.nik.ask", parse=p.parse_new_nik, summary_label=_label("nik"), show=s.show_nik),
        Step("name", "register.name.ask", parse=p.parse_name, summary_label=_label("name")),
        Step("birth_date", "register.birth.ask", parse=birth_date, prompt_params=q.birth_prompt,
             summary_label=_label("birth_date"), show=s.show_birth_date),
        Step("birth_confirm", "register.birth_confirm.ask", choices=q.birth_confirm_choices,
             prompt_params=q.birth_confirm_prompt, condition=q.birth_differs),
        Step("sex", "register.sex.ask", choices=q.sex_choices, parse=p.parse_sex, prompt_params=q.sex_prompt,
             condition=lambda ctx: "nik" in ctx.answers, summary_label=_label("sex"), show=s.show_sex),
        Step("sex_confirm", "register.sex_confirm.ask", choices=q.sex_confirm_choices, prompt_params=q.sex_prompt,
             condition=q.sex_differs),
        Step("phone", "register.phone.ask", parse=parse_optional_phone, summary_label=_label("phone"),
             show=s.show_optional),
        Step("occupation", "register.occupation.ask", choices=OCCUPATION_CHOICES,
             summary_label=_label("occupation"), show=s.show_occupation),
        Step("occupation_other", "register.occupation_other.ask", parse=parse_free_occupation,
             condition=q.other_occupation),
        Step("segment", "register.segment.ask", choices=q.segment_choices, condition=q.may_be_pu,
             summary_label=_label("segment")),
        Step("income", "register.income.ask", parse=parse_income, prompt_params=income_prompt,
             summary_label=_label("income"), show=s.show_income),
        Step("payer", "register.payer.ask", choices=q.payer_choices, summary_label=_label("payer"),
             show=s.show_payer),
        Step("sponsor", "register.sponsor.ask", parse=p.parse_sponsor, condition=q.sponsor_pays),
        Step("programmes", "register.programmes.ask", choices=q.programme_choices, prompt_params=q.programme_prompt,
             summary_label=_label("programmes"), show=s.show_programmes),
        Step("heir_name", "register.heir.ask", parse=parse_heir_name, summary_label=_label("heir"),
             show=s.show_heir),
        Step("heir_relation", "register.heir.relation", choices=relation_choices, condition=has_heir),
        Step("heir_phone", "register.heir.phone", parse=parse_optional_phone, condition=has_heir),
    )
    # fmt: on
    return Flow(
        name=REGISTER,
        title="register.title",
        allowed=lambda ctx: ctx.is_staff,
        denied="register.denied",
        ask_phone_when_denied=True,
        intro="register.intro",
        confirm=True,
        complete=save_registration,
        steps=steps,
    )
