""" "Lapor kematian" read as conversations: condolences first, the worker by number (or by name and village), the day
and the cause, the reporter, the village letter; then a KLM- case, the staff told through the outbox, and the family
told the entitlement with its breakdown and the documents. Only a report someone stands behind (the heir recorded at
registration by their verified phone, the worker's cadre, an admin) marks the worker deceased or says anything about
them; anyone else's report stays pending and reveals nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from flows.turn import TOO_LARGE, Media
from storage.models import Worker
from tests.chat import Chat
from tests.factories import position
from tests.flows.claim_arrange import (
    BUDI_NIK,
    HEIR_PHONE,
    STRANGER_PHONE,
    add_budi,
    claims_in,
    documents_in,
    messages_to,
    photo,
    village_cadre,
    worker_row,
)

ID = Translator("id")
EN = Translator("en")
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 11.00 WITA in Sungai Lembu
YESTERDAY = date(2026, 11, 28)

JKM_BREAKDOWN = (
    "Santunan kematian (JKM) Rp42.000.000:\n"
    "- santunan sekaligus Rp20.000.000\n"
    "- santunan berkala Rp12.000.000 (24 x Rp500.000, dibayar sekaligus)\n"
    "- biaya pemakaman Rp10.000.000"
)
CHECKLIST_FOR_A_CHILD = (
    "Dokumen yang perlu disiapkan:\n"
    "☐ Kartu peserta BPJS Ketenagakerjaan (KPJ)\n"
    "☐ e-KTP peserta\n"
    "☐ e-KTP ahli waris\n"
    "☐ Akta kematian dari Dukcapil (bawa surat keterangan kematian dari desa/kelurahan ke Dukcapil untuk membuatnya)\n"
    "☐ Kartu Keluarga\n"
    "☐ Surat keterangan ahli waris (dari kepala desa/lurah, diketahui camat)\n"
    "☐ Buku tabungan ahli waris\n"
    "☐ Buku nikah, bila ahli warisnya suami/istri"
)


@pytest.fixture
def engine(database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def report_until_letter(chat: Chat, *, relation: str = "2") -> None:
    """From the first words to the letter question, as Budi's daughter."""
    await chat.send("bapak saya meninggal kemarin")
    await chat.send(BUDI_NIK)
    await chat.send("ya")
    await chat.send("kemarin")
    await chat.send("1")
    await chat.send("Siti Aminah")
    await chat.send(relation)


# -- the whole way --------------------------------------------------------------------------------------------------


async def test_the_registered_heir_reports_a_death_and_the_worker_reads_meninggal(engine, database, tmp_path):
    _, cadre_contact = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    heir = Chat(engine, "whatsapp:+6281355550001", channel="whatsapp", phone=HEIR_PHONE)

    first = await heir.say("bapak saya meninggal kemarin")
    condolences, question = first.split("\n\n")
    assert condolences.startswith("Turut berduka cita atas kepergian almarhum/almarhumah.")
    assert question == ID("claims.death.worker")
    assert (await heir.say(BUDI_NIK)).startswith("Kami menemukan: Budi (NIK 631002******0001).\nBenar ini orangnya?")
    assert await heir.say("ya") == ID("claims.death.date")
    assert (await heir.say("kemarin")).startswith(ID("claims.death.cause"))
    assert await heir.say("1") == ID("claims.reporter.name")
    assert (await heir.say("Siti Aminah")).startswith(ID("claims.death.relation"))
    # The phone is the one WhatsApp verified: not asked.
    assert await heir.say("2") == ID("claims.death.letter")
    letter = photo(tmp_path)
    summary = heir.render(await heir.send(None, media=(letter,)))
    assert summary.startswith(
        "Mohon periksa kembali:\n"
        "1. Pekerja: Budi (NIK 631002******0001)\n"
        "2. Tanggal meninggal: 28 November 2026\n"
        "3. Penyebab: Sakit atau meninggal wajar\n"
        "4. Pelapor: Siti Aminah\n"
        "5. Hubungan: Anak\n"
        "6. Surat kematian dari desa: 1 foto diterima\n"
    )
    assert await claims_in(database) == []  # nothing opened before the confirmation

    answer = (await heir.say("ya")).split("\n\n")
    assert answer[0] == ID("claims.death.opened", reference="KLM-2026-000001")
    assert answer[1] == "Budi kini tercatat meninggal dunia, jadi tidak akan ada lagi pengingat iuran untuknya."
    assert (
        answer[2]
        == "Pada 28 November 2026 kepesertaannya aktif dan terlindungi, jadi ahli waris berhak atas santunan berikut."
    )
    assert answer[3] == JKM_BREAKDOWN + "\n" + (
        "Beasiswa pendidikan anak hanya diberikan bila iuran sudah dibayar paling sedikit 3 tahun; tercatat 23 bulan."
    )
    assert answer[4] == CHECKLIST_FOR_A_CHILD
    assert answer[5] == ID("claims.documents.where")
    assert "Santoso" not in "\n".join(answer)  # a first name only, even for the heir

    (claim,) = await claims_in(database)
    assert (claim.reference, claim.kind, claim.match, claim.worker_id) == (
        "KLM-2026-000001",
        "death",
        "confirmed",
        worker_id,
    )
    assert (claim.event_date, claim.cause, claim.reporter_relation, claim.reporter_phone) == (
        YESTERDAY,
        "natural",
        "child",
        HEIR_PHONE,
    )
    assert (await worker_row(database, worker_id)).deceased_on == YESTERDAY
    (document,) = await documents_in(database)
    assert (document.claim_id, document.kind, document.path, document.sha256, document.size_bytes) == (
        claim.id,
        "death_letter",
        letter.stored_path,
        letter.sha256,
        letter.size_bytes,
    )
    (notice,) = await messages_to(database, cadre_contact)
    assert notice.kind == "claim" and notice.status == "pending"
    assert notice.body == (
        "Laporan kematian KLM-2026-000001: Budi Santoso (REG-6310-000001), Desa Sungai Lembu. "
        "Meninggal 28 November 2026 (Sakit atau meninggal wajar).\n"
        "Pelapor: Siti Aminah (Anak), 0813-5555-0001.\n"
        "Pekerja sudah tercatat meninggal.\n"
        "Ketik cek laporan KLM-2026-000001."
    )


async def test_a_strangers_report_stays_pending_and_reveals_nothing_about_the_worker(engine, database):
    _, cadre_contact = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    stranger = Chat(engine, "whatsapp:+6281399990001", channel="whatsapp", phone=STRANGER_PHONE)
    await report_until_letter(stranger, relation="8")
    await stranger.send("lewati")
    answer = await stranger.say("ya")

    assert answer.startswith(ID("claims.death.opened", reference="KLM-2026-000001"))
    assert ID("claims.death.pending") in answer
    assert JKM_BREAKDOWN in answer  # the rules, the same for everyone
    assert "Buku nikah, bila ahli warisnya suami/istri" in answer
    for private in (
        "Santoso",
        "kepesertaannya aktif",
        "Menurut catatan kami",
        "tercatat meninggal",
        "REG-6310",
        "23 bulan",
    ):
        assert private not in answer, private
    (claim,) = await claims_in(database)
    assert claim.match == "pending"
    assert (await worker_row(database, worker_id)).deceased_on is None
    (notice,) = await messages_to(database, cadre_contact)
    assert "Belum dipastikan: mohon periksa, lalu konfirmasi atau tolak laporannya." in notice.body


async def test_a_cadre_reports_a_work_accident_death_in_arrears_said_as_uncertain(engine, database):
    cadre, cadre_contact = await village_cadre(engine, database)
    worker_id = await add_budi(database, paid=((date(2025, 1, 1), 21),), income=2_000_000)  # paid through Sep 2026
    await cadre.send("lapor kematian")
    shown = await cadre.say(BUDI_NIK)
    assert shown.startswith("Kami menemukan: Budi Santoso, REG-6310-000001.")  # the cadre sees the worker in full
    await cadre.send("ya")
    await cadre.send("28-11-2026")
    assert (await cadre.say("kecelakaan kerja")) == ID("claims.death.letter")  # name, relation, phone known
    await cadre.send("lewati")
    answer = await cadre.say("ya")

    assert ID("claims.coverage.arrears", month="November 2026") in answer
    assert "mungkin tidak terlindungi" in answer and "belum pasti" in answer
    assert (
        "Santunan kematian karena kecelakaan kerja (JKK) Rp118.000.000:\n"
        "- 48 x penghasilan bulanan Rp2.000.000: Rp96.000.000\n"
        "- biaya pemakaman Rp10.000.000\n"
        "- santunan berkala Rp12.000.000\n"
        "Beasiswa pendidikan untuk paling banyak 2 anak (seluruhnya sampai Rp174.000.000), tanpa masa iuran minimum"
    ) in answer
    (claim,) = await claims_in(database)
    assert (claim.match, claim.cause, claim.reporter_name) == ("confirmed", "work_accident", "Rina Wati")
    assert (await worker_row(database, worker_id)).deceased_on == YESTERDAY
    assert await messages_to(database, cadre_contact) == []  # the reporter is not told their own report


# -- which worker -------------------------------------------------------------------------------------------------


async def test_a_worker_not_known_by_number_is_reported_by_name_and_village(engine, database):
    await village_cadre(engine, database)
    chat = Chat(engine, "+6281377770001")
    await chat.send("lapor kematian")
    assert await chat.say("tidak tahu") == ID("claims.death.worker_name")
    assert await chat.say("Budi Santoso") == ID("claims.village.ask")
    assert await chat.say("Sungai Lembu, Kusan Hilir") == ID("claims.death.date")
    await chat.send("hari ini")
    await chat.send("1")
    await chat.send("Ahmad")
    await chat.send("tetangga")
    assert await chat.say("0813 7777 0001") == ID("claims.death.letter")
    summary = await chat.say("lewati")
    assert "1. Pekerja: Budi Santoso, Sungai Lembu\n" in summary
    assert "Nomor HP: 0813-7777-0001" in summary
    answer = await chat.say("ya")
    assert ID("claims.death.pending_by_name") in answer
    (claim,) = await claims_in(database)
    assert (claim.worker_id, claim.named_worker, claim.village_code, claim.match) == (
        None,
        "Budi Santoso",
        "63.10.02.2003",
        "pending",
    )
    assert claim.details["typed_phone"] == "+6281377770001"


async def test_a_nik_not_in_the_register_gives_the_branch_office_route(engine, database):
    await village_cadre(engine, database)
    chat = Chat(engine, "+6281377770002")
    await chat.send("kematian")
    assert (await chat.say("6310025508900002")).startswith("NIK 631002******0002 tidak ada dalam daftar layanan ini.")
    assert await chat.say("1") == ID("claims.death.worker_name")
    await chat.send("Ani")
    await chat.send("Sungai Lembu")
    for typed in ("kemarin", "1", "Ahmad", "2", "081377770002", "lewati"):
        await chat.send(typed)
    answer = await chat.say("ya")
    assert ID("claims.coverage.unregistered") in answer
    assert "Lapak Asik" in answer and "175" in answer


async def test_a_stranger_typing_a_name_is_never_shown_a_list(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770003")
    await chat.send("lapor kematian")
    reply = await chat.say("Budi")
    assert reply == ID("claims.village.ask")  # the name is kept as typed; no worker is looked up or shown
    assert "Santoso" not in reply


# -- refused answers keep the question ------------------------------------------------------------------------------


async def test_a_death_date_in_the_future_or_before_registration_is_refused(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770004")
    await chat.send("lapor kematian")
    await chat.send(BUDI_NIK)
    await chat.send("ya")
    refused = await chat.say("30-11-2026")
    assert refused.startswith(ID("claims.date.future", date="30 November 2026"))
    assert await position(database, chat) == ("report_death", "death_date")
    before = await chat.say("01-01-2023")
    assert before.startswith(ID("claims.date.before_registration", registered="10 Januari 2024"))
    assert await position(database, chat) == ("report_death", "death_date")
    assert (await chat.say("kemarin")).startswith(ID("claims.death.cause"))


async def test_emoji_a_long_text_and_a_voice_note_keep_the_question(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770005")
    for typed in ("lapor kematian", BUDI_NIK, "ya", "kemarin", "1"):
        await chat.send(typed)
    assert await position(database, chat) == ("report_death", "reporter_name")
    assert (await chat.say("😢🙏")).endswith(ID("claims.reporter.name"))
    long = await chat.say("a" * 5000)
    assert long.startswith(ID("common.too_long", limit="1.000"))
    voice = chat.render(await chat.send(None, unsupported="voice"))
    assert voice == ID("common.unsupported") + "\n\n" + ID("claims.reporter.name")
    assert await position(database, chat) == ("report_death", "reporter_name")


async def test_text_or_a_refused_file_at_the_letter_question(engine, database, tmp_path):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "whatsapp:+6281399990001", channel="whatsapp", phone=STRANGER_PHONE)
    await report_until_letter(chat)
    assert (await chat.say("ini suratnya")).startswith(ID("claims.photo.text_instead"))
    assert await position(database, chat) == ("report_death", "letter")
    too_large = Media(ref="media-big", content_type="image/jpeg", refused=TOO_LARGE)
    retry = chat.render(await chat.send(None, media=(too_large,)))
    assert retry.startswith(ID("claims.photo.refused.too_large") + "\nKirim fotonya lagi, atau ketik: lewati")
    assert await position(database, chat) == ("report_death", "letter_retry")
    summary = chat.render(await chat.send(None, media=(photo(tmp_path),)))
    assert "6. Surat kematian dari desa: 1 foto diterima" in summary
    await chat.send("ya")
    assert len(await documents_in(database)) == 1


# -- in English -----------------------------------------------------------------------------------------------------


async def test_the_heir_reports_a_death_in_english(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    heir = Chat(engine, "whatsapp:+6281355550001", channel="whatsapp", phone=HEIR_PHONE)
    await heir.send("bahasa")
    await heir.send("English")
    first = await heir.say("my father passed away yesterday")
    assert first.startswith("We are deeply sorry for your loss.")
    assert (await heir.say(BUDI_NIK)).startswith("We found: Budi (NIK 631002******0001).")
    for typed in ("yes", "yesterday", "1", "Siti Aminah", "child", "skip"):
        await heir.send(typed)
    answer = await heir.say("yes")
    assert EN("claims.death.opened", reference="KLM-2026-000001") in answer
    assert "On 28 November 2026 the membership was active and protected" in answer
    assert (
        "Death benefit (JKM) Rp42,000,000:\n- lump sum Rp20,000,000\n"
        "- periodic benefit Rp12,000,000 (24 x Rp500,000, paid at once)\n- funeral costs Rp10,000,000"
    ) in answer
    assert "☐ Death certificate (akta kematian) from Dukcapil (take the village death letter to Dukcapil" in answer


async def test_the_worker_by_registration_number_or_kpj_and_by_name_for_their_cadre(engine, database):
    cadre, _ = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    async with database.transaction() as session:
        (await session.get(Worker, worker_id)).kpj = "17012345678"
    chat = Chat(engine, "+6281377770006")
    await chat.send("lapor kematian")
    assert (await chat.say("reg-6310-000001")).startswith("Kami menemukan: Budi (NIK 631002******0001).")
    assert (await chat.say("bukan")) == ID("claims.death.worker")  # back to the number
    assert (await chat.say("170 1234 5678")).startswith("Kami menemukan: Budi (NIK 631002******0001).")
    await chat.send("kembali")
    assert (await chat.say("17012345679")).startswith(ID("claims.worker.no_kpj"))
    assert (await chat.say("12345")).startswith(ID("claims.worker.digits", digits=5))
    # The village's cadre may search by name among their own workers.
    await cadre.send("lapor kematian")
    assert (await cadre.say("budi")).startswith("Kami menemukan: Budi Santoso, REG-6310-000001.")


async def test_a_stranger_may_look_workers_up_by_number_only_a_few_times_an_hour(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    chat = Chat(engine, "+6281377770007")
    await chat.send("lapor kematian")
    for _ in range(5):
        assert (await chat.say(BUDI_NIK)).startswith("Kami menemukan: Budi")
        await chat.send("bukan")
    refused = await chat.say(BUDI_NIK)
    assert refused.startswith(ID("claims.worker.wait", wait="60 menit"))
    assert await position(database, chat) == ("report_death", "worker")
    assert await chat.say("tidak tahu") == ID("claims.death.worker_name")  # reporting by name is still open


async def test_a_second_report_of_the_same_death_opens_no_second_case(engine, database):
    cadre, _ = await village_cadre(engine, database)
    await add_budi(database)
    await report_until_letter(Chat(engine, "whatsapp:+6281355550001", channel="whatsapp", phone=HEIR_PHONE))
    heir = Chat(engine, "whatsapp:+6281355550001", channel="whatsapp", phone=HEIR_PHONE)
    await heir.send("lewati")
    await heir.send("ya")
    neighbour = Chat(engine, "+6281377770008")
    await report_until_letter(neighbour, relation="8")
    await neighbour.send("0813-7777-0008")
    await neighbour.send("lewati")
    answer = await neighbour.say("ya")
    assert answer.startswith(ID("claims.death.existing_other"))
    assert "KLM-" not in answer  # whether and under which number a death was reported stays with the family
    for typed in ("lapor kematian", BUDI_NIK, "ya", "kemarin", "1", "lewati"):
        await cadre.send(typed)
    assert (await cadre.say("ya")).startswith(ID("claims.death.existing", reference="KLM-2026-000001"))
    assert len(await claims_in(database)) == 1


async def test_the_heir_on_telegram_shares_their_number_at_the_phone_question_and_is_recognised(engine, database):
    await village_cadre(engine, database)
    worker_id = await add_budi(database)
    heir = Chat(engine, "tg-heir", channel="telegram")
    await report_until_letter(heir)
    assert heir.last[-1].text == ID("claims.reporter.phone")
    assert heir.last[-1].expects == "phone"  # the channel offers its share-my-number button
    heir.phone = HEIR_PHONE  # Telegram sends the shared contact's number as the text, verified
    assert await heir.say(HEIR_PHONE) == ID("claims.death.letter")
    await heir.send("lewati")
    answer = await heir.say("ya")
    assert "Budi kini tercatat meninggal dunia" in answer
    assert (await worker_row(database, worker_id)).deceased_on == YESTERDAY


@pytest.mark.parametrize(
    ("paid", "said"),
    [
        (
            tuple((date(year, 1, 1), 12) for year in (2023, 2024, 2025, 2026)),
            [
                ID("claims.coverage.protected", date="28 November 2026"),
                "Beasiswa pendidikan untuk paling banyak 2 anak (seluruhnya sampai Rp174.000.000), karena iuran sudah "
                "dibayar paling sedikit 3 tahun: TK Rp1.500.000/tahun (2 tahun), SD Rp1.500.000/tahun (6 tahun), "
                "SMP Rp2.000.000/tahun (3 tahun), SMA Rp3.000.000/tahun (3 tahun), PT Rp12.000.000/tahun (5 tahun). "
                "Diajukan tiap tahun; berhenti saat anak berusia 23 tahun, menikah, atau bekerja.",
            ],
        ),
        (((date(2026, 1, 1), 3),), [ID("claims.coverage.lapsed", date="28 November 2026")]),
        ((), [ID("claims.coverage.not_started", date="28 November 2026")]),
    ],
)
async def test_coverage_on_the_day_and_the_scholarship_as_the_cadre_is_told(engine, database, paid, said):
    cadre, _ = await village_cadre(engine, database)
    await add_budi(database, paid=paid)
    for typed in ("lapor kematian", BUDI_NIK, "ya", "kemarin", "1", "lewati"):
        await cadre.send(typed)
    answer = await cadre.say("ya")
    for line in said:
        assert line in answer
    assert JKM_BREAKDOWN in answer
