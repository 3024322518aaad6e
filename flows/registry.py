"""The flows the product offers today, and the words and commands that start them."""

from __future__ import annotations

from flows.check_status import status_check_flow, status_flow, status_own_flow, status_staff_flow
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
    registry.add(status_flow(), "status", "cek", "cek status")
    registry.add(status_own_flow())
    registry.add(status_staff_flow())
    registry.add(status_check_flow(options))
    registry.plan("report_death", "kematian", "death")
    registry.plan("report_accident", "kecelakaan", "accident")
    listen_for_services(registry)
    return registry


def listen_for_services(registry: Registry) -> None:
    """The words that name a service anywhere in a message, in both languages; a death or an accident first, so
    "bapak saya meninggal kemarin" always reaches the death report."""
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
    registry.listen("payment", "bayar iuran", "catat pembayaran", "pembayaran", "bayar", "payment", "pay")
    registry.listen("my_workers", "pekerja saya", "my workers")
    registry.listen("status", "cek status", "check status", "cek", "status")
    registry.listen("register", "daftarkan", "daftar", "pendaftaran", "register")
    registry.listen("info", "informasi", "info", "information")
    registry.listen("language", "bahasa inggris", "english", "bahasa", "language")
    registry.listen("menu", "menu")
