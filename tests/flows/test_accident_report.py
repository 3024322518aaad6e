""" "Lapor kecelakaan kerja" read as conversations: who reports, the worker, when (in the village's time zone), where
and what happened, at work or on the way, a road accident or not, injuries, treatment, witnesses, the reporter and
photos; then a KLM- case, the cadre told and reminded at 24 h and 40 h, and the reporter told the stage-I deadline
(2 × 24 h) with the time left, or that it passed without voiding the right, what JKK covers and the documents."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from tests.chat import Chat
from tests.factories import position
from tests.flows.claim_arrange import (
    BUDI_NIK,
    WIB_VILLAGE,
    add_budi,
    claims_in,
    contact_id,
    documents_in,
    messages_to,
    photo,
    village_cadre,
    worker_row,
)

ID = Translator("id")
EN = Translator("en")
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 11.00 WITA in Sungai Lembu, 10.00 WIB in Bumi Ayu (PALI)
PALI_NIK = "1612051508800003"


@pytest.fixture
def engine(database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def report(chat: Chat, nik: str, moment: str, *, road: str = "2", photos: tuple = ()) -> str:
    """A family's report of a fall in the field, from the first words to the answer."""
    await chat.send("tolong, suami saya kecelakaan di sawah")
    for typed in ("keluarga", nik, "ya", moment, "sawah dekat sungai", "jatuh dari pematang saat panen padi", "1"):
        await chat.send(typed)
    for typed in (road, "kaki kiri bengkak", "puskesmas Kusan Hilir", "Pak Udin 0813-1111-2222", "Siti Aminah"):
        await chat.send(typed)
    await chat.send("0813-5555-0002")
    if photos:
        await chat.send(None, media=photos)
    else:
        await chat.send("lewati")
    return await chat.say("ya")


async def test_a_family_reports_an_accident_with_the_deadline_in_wita(engine, database, tmp_path):
    _, cadre_contact = await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770001")
    answer = (await report(chat, BUDI_NIK, "kemarin jam 3 sore", photos=(photo(tmp_path, "luka.jpg"),))).split("\n\n")

    assert answer[0] == ID("claims.accident.opened", reference="KLM-2026-000001")
    assert answer[1] == (
        "Batas laporan tahap I (2 x 24 jam): 30 November 2026 pukul 15.00 WITA, sisa 28 jam 0 menit. "
        "Kader desa akan membantu melaporkannya."
    )
    assert answer[2] == ID("claims.accident.treatment_advice")
    assert answer[3].startswith("Yang ditanggung JKK:\n- perawatan tanpa batas biaya di fasilitas mitra")
    assert "darat sampai Rp5.000.000, laut sampai Rp2.000.000, udara sampai Rp10.000.000" in answer[3]
    assert "cacat total tetap: 56 x penghasilan bulanan" in answer[3]  # a report nobody vouched for: the rules
    assert answer[4].startswith("Dokumen untuk klaim (tahap II")
    assert "Laporan polisi" not in answer[4]
    assert "Santoso" not in "\n".join(answer)

    (claim,) = await claims_in(database)
    assert (claim.reference, claim.kind, claim.cause, claim.match) == (
        "KLM-2026-000001",
        "accident",
        "at_work",
        "pending",
    )
    assert claim.event_at == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert claim.details["place"] == "sawah dekat sungai" and claim.details["road"] is False
    assert claim.details["witnesses"] == "Pak Udin 0813-1111-2222"
    assert len(await documents_in(database)) == 1
    notice, at_24h, at_40h = await messages_to(database, cadre_contact)
    assert notice.body.startswith(
        "Laporan kecelakaan kerja KLM-2026-000001: Budi Santoso (REG-6310-000001), Desa Sungai Lembu, "
        "pada 28 November 2026 pukul 15.00 WITA di sawah dekat sungai."
    )
    assert (at_24h.not_before, at_40h.not_before) == (
        datetime(2026, 11, 29, 7, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 23, 0, tzinfo=UTC),
    )
    assert at_24h.body.startswith("Pengingat (24 jam sejak kecelakaan): laporan kecelakaan KLM-2026-000001")


async def test_the_same_hour_in_a_wib_village_leaves_an_hour_more(engine, database):
    await village_cadre(engine, database, WIB_VILLAGE)
    await add_budi(database, village=WIB_VILLAGE, nik=PALI_NIK)
    chat = Chat(engine, "+6281377770002")
    answer = await report(chat, PALI_NIK, "kemarin jam 3 sore")
    assert "Batas laporan tahap I (2 x 24 jam): 30 November 2026 pukul 15.00 WIB, sisa 29 jam 0 menit." in answer
    (claim,) = await claims_in(database)
    assert claim.event_at == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


async def test_a_passed_deadline_does_not_void_the_right_and_a_road_accident_needs_a_police_report(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770003")
    answer = await report(chat, BUDI_NIK, "25/11 08.00", road="1")
    assert (
        "Batas laporan tahap I (2 x 24 jam) sudah lewat pada 27 November 2026 pukul 08.00 WITA. Tetap laporkan "
        "secepatnya: keterlambatan tidak menghapus hak; hak atas JKK baru hangus 5 tahun setelah kecelakaan "
        "(25 November 2031)."
    ) in answer
    assert "☐ Laporan polisi (karena kecelakaan lalu lintas)" in answer


async def test_a_time_in_the_future_or_without_an_hour_is_refused(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770004")
    for typed in ("lapor kecelakaan", "1", BUDI_NIK, "ya"):
        await chat.send(typed)
    assert await position(database, chat) == ("report_accident", "moment")
    future = await chat.say("hari ini jam 5 sore")
    assert future.startswith(ID("claims.moment.future", moment="29 November 2026 pukul 17.00 WITA"))
    assert (await chat.say("kemarin")).startswith(ID("claims.moment.no_time"))
    assert (await chat.say("🤕")).startswith(ID("claims.moment.no_time"))
    assert await position(database, chat) == ("report_accident", "moment")
    assert await chat.say("tadi pagi jam 7") == ID("claims.accident.place")


async def test_a_cadre_reports_and_learns_the_cover_from_the_declared_income(engine, database):
    cadre, cadre_contact = await village_cadre(engine, database)
    await add_budi(database, income=2_000_000)
    await cadre.send("lapor kecelakaan")  # a cadre is not asked who reports, nor their name and phone
    assert (await cadre.say(BUDI_NIK)).startswith("Kami menemukan: Budi Santoso, REG-6310-000001.")
    for typed in ("ya", "29/11 09.30", "kebun karet", "tertimpa dahan saat menyadap", "saat bekerja", "bukan"):
        await cadre.send(typed)
    for typed in ("luka di bahu", "belum", "lewati"):
        await cadre.send(typed)
    summary = await cadre.say("lewati")
    assert "Dirawat di: belum dirawat" in summary
    answer = await cadre.say("ya")
    assert ID("claims.coverage.accident_protected", date="29 November 2026") in answer
    assert "sisa 46 jam 30 menit" in answer
    assert (
        "santunan selama tidak mampu bekerja (STMB): Rp2.000.000 sebulan selama 12 bulan pertama, lalu Rp1.000.000"
        in answer
    )
    assert "cacat total tetap: Rp112.000.000" in answer
    assert "meninggal karena kecelakaan kerja: Rp118.000.000" in answer
    (claim,) = await claims_in(database)
    assert (claim.match, claim.reporter_name) == ("confirmed", "Rina Wati")
    assert await messages_to(database, cadre_contact) == []  # the reporting cadre is neither told nor reminded


async def test_a_worker_reports_their_own_accident_in_english(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770005")
    await chat.send("bahasa")
    await chat.send("English")
    first = await chat.say("I had an accident at work")
    assert first.startswith("We hope for a quick recovery.")
    assert "\n3. Village cadre\n" in first
    for typed in ("myself", BUDI_NIK, "yes", "yesterday at 3 pm", "rice field", "fell from the dyke", "2", "no"):
        await chat.send(typed)
    for typed in ("sprained ankle", "not yet", "skip", "Budi", "0813-7777-0005", "skip"):
        await chat.send(typed)
    answer = await chat.say("yes")
    assert EN("claims.accident.opened", reference="KLM-2026-000001") in answer
    assert "Stage I report deadline (2 x 24 hours): 30 November 2026 at 15.00 WITA, 28 hours 0 minutes left." in answer
    assert "by land up to Rp5,000,000" in answer
    (claim,) = await claims_in(database)
    assert (claim.cause, claim.reporter_relation) == ("commute", "self")


async def test_the_cadre_records_the_doctors_verdict_and_the_claim_documents_follow(engine, database):
    cadre, _ = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    family = Chat(engine, "+6281377770006")
    await report(family, BUDI_NIK, "kemarin jam 3 sore", road="1")
    shown = await cadre.say("cek laporan KLM-2026-000001")
    assert "Pelapor: Siti Aminah, 0813-5555-0002" in shown  # whom to call back
    assert ID("claims.status.next.accident_stage_one") in shown
    assert shown.endswith(
        ID("claims.outcome.ask")
        + "\n\n1. Sembuh\n2. Cacat\n3. Meninggal\n4. Nanti saja\n\nBalas dengan angka 1 sampai 4."
    )
    answer = await cadre.say("meninggal")  # a choice here, not the death report
    assert answer.startswith(ID("claims.outcome.told", reference="KLM-2026-000001", outcome="Meninggal"))
    assert "☐ Laporan polisi (karena kecelakaan lalu lintas)" in answer
    assert "☐ Surat keterangan ahli waris" in answer
    assert (await worker_row(database, worker_id)).deceased_on == date(2026, 11, 29)
    (claim,) = await claims_in(database)
    assert claim.outcome == "died"
    (told,) = await messages_to(database, await contact_id(database, family))
    assert told.body.startswith(ID("claims.outcome.told", reference="KLM-2026-000001", outcome="Meninggal"))
    # Recorded once: the card no longer asks, and says what comes next.
    again = await cadre.say("KLM-2026-000001")
    assert ID("claims.outcome.ask") not in again and ID("claims.status.next.accident_stage_two") in again


async def test_a_cadres_report_of_an_accident_in_a_month_in_arrears_is_said_as_uncertain(engine, database):
    cadre, _ = await village_cadre(engine, database)
    await add_budi(database, paid=((date(2025, 1, 1), 20),))  # paid through August 2026: November is in arrears
    await cadre.send("lapor kecelakaan")
    for typed in (BUDI_NIK, "ya", "29/11 09.30", "kebun karet", "tertimpa dahan", "saat bekerja", "bukan"):
        await cadre.send(typed)
    for typed in ("luka di bahu", "belum", "lewati", "lewati"):
        await cadre.send(typed)
    answer = await cadre.say("ya")
    assert ID("claims.coverage.arrears", month="November 2026") in answer
    assert ID("claims.coverage.accident_protected", date="29 November 2026") not in answer
