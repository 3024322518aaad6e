"""Media sent on WhatsApp, downloaded from Twilio into the media store before the engine sees the message.

Each MediaUrl is fetched with the account's credentials (HTTP basic auth, AccountSid:AuthToken) and Twilio's redirect
to its storage is followed; httpx drops the credentials when a redirect leaves Twilio's origin. Only URLs on the
Twilio API's origin (https://api.twilio.com, or TWILIO_API_URL when set) are fetched, so the credentials go nowhere
else. The body is streamed into the store, which stops reading as soon as it passes MEDIA_MAX_BYTES.

This runs inside the turn, which the webhook awaits only for its reply budget: a slow download makes the replies
follow by the REST API, and every download of a message together is bounded by DOWNLOAD_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from bot.media_store import MediaStore
from bot.settings import Settings
from flows.turn import TOO_LARGE, UNAVAILABLE, Inbound, Media

log = logging.getLogger("kader.whatsapp")

TWILIO_API_ORIGIN = "https://api.twilio.com"
DOWNLOAD_TIMEOUT_SECONDS = 20.0
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_REDIRECTS = 5


class TwilioMedia:
    """Downloads an inbound message's MediaUrls into the media store, bounded in time and size."""

    def __init__(self, settings: Settings, store: MediaStore, *, timeout: float = DOWNLOAD_TIMEOUT_SECONDS) -> None:
        """Credentials and the allowed origin from the settings."""
        self.store = store
        self.timeout = timeout
        self.auth = httpx.BasicAuth(str(settings.twilio_account_sid), str(settings.twilio_auth_token))
        self.origin = _origin(settings.twilio_api_url or TWILIO_API_ORIGIN)
        self._client: httpx.AsyncClient | None = None

    async def fetch(self, inbound: Inbound) -> Inbound:
        """The Inbound with every attachment kept (stored_path, size, sha256, type) or refused with the reason."""
        if not inbound.media:
            return inbound
        downloads = [asyncio.ensure_future(self._one(media, inbound.message_id)) for media in inbound.media]
        try:
            done, pending = await asyncio.wait(downloads, timeout=self.timeout)
        except asyncio.CancelledError:
            for task in downloads:
                task.cancel()
            raise
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        kept = []
        for media, task in zip(inbound.media, downloads, strict=True):
            if task in done and not task.cancelled() and task.exception() is None:
                kept.append(task.result())
            else:
                error = "timeout" if task in pending else type(task.exception()).__name__
                log.warning("whatsapp media not fetched sid=%s error=%s", inbound.message_id, error)
                kept.append(self.store.refused(media, UNAVAILABLE))
        return replace(inbound, media=tuple(kept))

    async def close(self) -> None:
        """Closes the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _one(self, media: Media, sid: str | None) -> Media:
        early = self.store.precheck(media.content_type, None)
        if early is not None:
            log.info("whatsapp media refused before download sid=%s reason=%s", sid, early)
            return self.store.refused(media, early)
        if _origin(media.ref) != self.origin:
            log.warning("whatsapp media url is not on the twilio api origin sid=%s", sid)
            return self.store.refused(media, UNAVAILABLE)
        try:
            async with self._http().stream("GET", media.ref, auth=self.auth) as response:
                if response.status_code != httpx.codes.OK:
                    log.warning("whatsapp media not fetched sid=%s status=%s", sid, response.status_code)
                    return self.store.refused(media, UNAVAILABLE)
                if self.store.precheck(None, _content_length(response)) == TOO_LARGE:
                    log.info("whatsapp media refused before download sid=%s reason=%s", sid, TOO_LARGE)
                    return self.store.refused(media, TOO_LARGE)
                kept = await self.store.keep_stream(media, response.aiter_bytes())
        except httpx.HTTPError as error:
            log.warning("whatsapp media not fetched sid=%s error=%s", sid, type(error).__name__)
            return self.store.refused(media, UNAVAILABLE)
        except OSError as error:
            log.error("media store failed sid=%s error=%s", sid, type(error).__name__)
            return self.store.refused(media, UNAVAILABLE)
        log.info("whatsapp media sid=%s refused=%s sha256=%s", sid, kept.refused, (kept.sha256 or "")[:12])
        return kept

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=True, max_redirects=MAX_REDIRECTS)
        return self._client


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None
