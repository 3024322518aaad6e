"""Every language has every message key with the same placeholders, and every key the code uses exists."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flows.i18n import LANGUAGES, MissingMessageError, Translator, catalogue, placeholders
from flows.info import TOPICS, figures
from flows.model import Choice, Flow, Registry
from flows.registry import default_registry
from storage.people import Staff

ROOT = Path(__file__).resolve().parents[1]
OTHER_LANGUAGES = [language for language in LANGUAGES if language != "id"]


def test_both_catalogues_exist_and_are_not_empty():
    assert set(LANGUAGES) == {"id", "en"}
    for language in LANGUAGES:
        assert len(catalogue(language)) > 20


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_language_has_exactly_the_keys_of_bahasa_indonesia(language):
    source, other = catalogue("id"), catalogue(language)
    assert sorted(set(source) - set(other)) == [], f"missing in {language}.toml"
    assert sorted(set(other) - set(source)) == [], f"only in {language}.toml"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_key_has_the_same_placeholders_in_every_language(language):
    source, other = catalogue("id"), catalogue(language)
    differing = {
        key: (placeholders(source[key]), placeholders(other[key]))
        for key in source.keys() & other.keys()
        if placeholders(source[key]) != placeholders(other[key])
    }
    assert differing == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_blank_and_every_template_parses(language):
    for key, template in catalogue(language).items():
        assert template.strip(), key
        placeholders(template)  # a stray brace raises ValueError here


def test_placeholders_reads_named_fields():
    assert placeholders("Balas dengan angka 1 sampai {last}.") == {"last"}
    assert placeholders("{a} dan {b} dan {a}") == {"a", "b"}
    assert placeholders("tanpa isian") == set()


# -- keys used by the code ---------------------------------------------------------------

# The catalogue's sections, and the names of every flow built or planned (its keys will live under its name).
_SECTIONS = sorted(
    {key.split(".", 1)[0] for key in catalogue("id")}
    | set(default_registry().flows)
    | set(default_registry().shortcuts.values())
)
_LITERAL_KEY = re.compile(r"""["']((?:""" + "|".join(_SECTIONS) + r""")(?:\.[a-z_]+)+)["']""")


def _literal_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for package in ("flows", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for key in _LITERAL_KEY.findall(path.read_text(encoding="utf-8")):
                found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_literal_key_scan_finds_the_keys_the_engine_uses():
    keys = _literal_keys()
    # Guards the scan itself: these are written as literals in flows/engine.py and bot/console.py.
    assert {"common.unsupported", "error.unexpected", "common.confirm.summary", "shell.greeting"} <= set(keys)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_key_written_in_the_code_exists(language):
    missing = {key: files for key, files in _literal_keys().items() if key not in catalogue(language)}
    assert missing == {}


def _menu_contexts() -> list[SimpleNamespace]:
    """Contexts for computing choices: a stranger, a cadre and an admin, in each language."""
    cadre = Staff(1, "Siti", "+6281234567890", False, ("63.10.02.2003",))
    admin = Staff(2, "Admin", "+6281234567891", True, ())
    return [
        SimpleNamespace(
            staff=staff,
            is_staff=staff is not None,
            answers={},
            t=Translator(language),
            language=language,
            now=datetime.now(UTC),
        )
        for staff in (None, cadre, admin)
        for language in LANGUAGES
    ]


def _computed(function: Callable[[Any], Any], ctx: Any) -> Any:
    """What a step computes from the context, or None when it needs answers this bare context lacks.

    A missing message key is never excused: that is what these tests look for.
    """
    try:
        result = function(ctx)
        if inspect.iscoroutine(result):
            result.close()  # computed from the database, which this bare context has not got
            return None
        return result
    except MissingMessageError:
        raise
    except Exception:  # noqa: BLE001 - computed from earlier answers: the flow's own tests cover it
        return None


def _registry_keys(registry: Registry) -> set[str]:
    keys: set[str] = set()
    for flow in registry.flows.values():
        keys |= _flow_keys(flow)
    return keys


def _flow_keys(flow: Flow) -> set[str]:
    keys = {flow.title, *(k for k in (flow.denied, flow.intro) if k)}
    for step in flow.steps:
        keys.add(step.prompt)
        if step.summary_label:
            keys.add(step.summary_label)
        choices: list[Choice] = []
        if callable(step.choices):
            for ctx in _menu_contexts():
                choices += _computed(step.choices, ctx) or ()
        elif step.choices is not None:
            choices += step.choices
        keys |= {c.label_key or c.value for c in choices if c.label is None}
    return keys


def test_the_registry_walk_sees_every_built_flow():
    registry = default_registry()
    assert {"menu", "info", "language", "report"} <= set(registry.flows)
    keys = _registry_keys(registry)
    # Static choices, the menu's computed choices (cadre items too), titles and prompts are all seen.
    assert {"menu.ask", "menu.item.register", "menu.item.status", "info.topic.jkm", "report.ask"} <= keys
    assert {flow.title for flow in registry.flows.values()} <= keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_registered_flows_use_exists(language):
    missing = sorted(key for key in _registry_keys(default_registry()) if key not in catalogue(language))
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_planned_flow_and_shortcut_target_has_a_menu_label(language):
    registry = default_registry()
    targets = set(registry.shortcuts.values())
    planned = targets - set(registry.flows)
    menu_values = {c.value for ctx in _menu_contexts() for c in _computed(registry.flows["menu"].steps[0].choices, ctx)}
    for name in planned | (menu_values - set(registry.flows)):
        assert f"menu.item.{name}" in catalogue(language), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_prompt_renders_with_its_parameters(language):
    for flow in default_registry().flows.values():
        for step in flow.steps:
            for ctx in _menu_contexts():
                if ctx.language != language:
                    continue
                params = _computed(step.prompt_params, ctx) if step.prompt_params else {}
                if params is None:
                    continue
                assert placeholders(catalogue(language)[step.prompt]) <= set(params), step.prompt
                assert "{" not in ctx.t(step.prompt, **params)


# -- the information texts ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_information_text_renders_with_the_figures(language, topic):
    t = Translator(language)
    values = figures(t)
    key = f"info.text.{topic}"
    assert placeholders(catalogue(language)[key]) <= set(values)
    text = t(key, **values)
    assert "{" not in text and "}" not in text
    for name in placeholders(catalogue(language)[key]):
        assert str(values[name]) in text
    assert t.has(f"info.topic.{topic}")
