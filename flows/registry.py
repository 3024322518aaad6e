"""The flows the product offers today, and the words and commands that start them."""

from __future__ import annotations

from flows.accident_report import accident_report_flow
from flows.check_status import status_check_flow, status_flow, status_own_flow, status_staff_flow
from flows.claim_status import claim_decision_flow, claim_outcome_flow, claim_status_flow
from flows.death_report import death_report_flow
from flows.edit_worker import edit_worker_flow
from flows.flow_options import FlowOptions
from flows.info import info_flow
from flows.language import language_flow
from flows.menu import menu_flow
from flows.model import Registry
from flows.my_workers import my_workers_flow
from flows.payment import payment_flow
from flows.register import register_flow
from flows.report import report_flow
from flows.village_payment import village_payment_flow
from flows.void_payment import payment_void_flow, void_payment_flow


def default_registry(options: FlowOptions | None = None) -> Registry:
    """Every built flow with its shortcuts; menu items without a flow here answer "not available yet"."""
    registry = Registry()
    registry.add(menu_flow())
    registry.add(info_flow(), "info", "informasi", "program")
    registry.add(language_flow(), "bahasa", "language", "lang", "english", "inggris", "indonesia")
    registry.add(report_flow(), "lapor", "report")
    registry.add(register_flow(options), "daftar", "register", "daftarkan")
    registry.add(my_workers_flow(), "pekerja", "workers")
    registry.add(payment_flow(), "bayar", "payment", "catat")
    registry.add(village_payment_flow(), "apbdes", "bayar desa", "bayar untuk desa", "village payment")
    # "batal" alone stays the engine's cancel verb (flows/text.py): only these longer phrases open the void.
    registry.add(void_payment_flow(options), "batalkan pembayaran", "batal bayar", "void payment")
    registry.add(payment_void_flow(options))
    # "ubah N" alone stays the engine's edit verb; "ubah NIK" opens the flow, which says only an admin corrects it.
    registry.add(
        edit_worker_flow(),
        *("ubah data", "ubah pekerja", "edit worker", "ubah nik", "ganti nik", "koreksi nik", "ubah tanggal lahir"),
    )
    registry.add(status_flow(), "status", "cek", "cek status")
    registry.add(status_own_flow())
    registry.add(status_staff_flow())
    registry.add(status_check_flow(options))
    registry.add(death_report_flow(), "kematian", "death", "lapor kematian")
    registry.add(accident_report_flow(), "kecelakaan", "accident", "lapor kecelakaan")
    registry.add(claim_status_flow(), "cek laporan", "laporan saya", "my report", "check report")
    registry.add(claim_decision_flow())
    registry.add(claim_outcome_flow())
    listen_for_services(registry)
    return registry


def listen_for_services(registry: Registry) -> None:
    """The words that name a service anywhere in a message, in both languages; a death or an accident first, so
    "bapak saya meninggal kemarin" always reaches the death report."""
    # Following a case first: "cek laporan kematian KLM-2026-000042" asks about a case, and a KLM- reference typed
    # alone ("klm" as a whole word) opens it; none of these words is in a report of a death or an accident.
    registry.listen("claim_status", "cek laporan", "laporan saya", "check report", "my report", "klm")
    registry.listen(
        "report_death",
        "meninggal dunia",
        "meninggal",
        "wafat",
        "kematian",
        "almarhum",
        "almarhumah",
        "tutup usia",
        "passed away",
        "died",
        "death",
    )
    registry.listen("report_accident", "kecelakaan kerja", "kecelakaan", "celaka", "accident", "injured")
    registry.listen("report", "lapor", "laporan", "report")
    registry.listen("village_payment", "bayar untuk desa", "bayar desa", "apbdes", "pay for the village")
    registry.listen("void_payment", "batalkan pembayaran", "batal bayar", "void payment", "void a payment")
    registry.listen("payment", "bayar iuran", "catat pembayaran", "pembayaran", "bayar", "payment", "pay")
    registry.listen("edit_worker", "ubah data pekerja", "ubah data", "ubah pekerja", "edit worker", "edit data")
    registry.listen("my_workers", "pekerja saya", "my workers")
    registry.listen("status", "cek status", "check status", "cek", "status")
    registry.listen("register", "daftarkan", "daftar", "pendaftaran", "register")
    registry.listen("info", "informasi", "info", "information")
    registry.listen("language", "bahasa inggris", "english", "bahasa", "language")
    registry.listen("menu", "menu")
