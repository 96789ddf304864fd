"""Running the verification methods for a domain and saying, for each, what it found."""

import asyncio
from dataclasses import dataclass

from orbito.settings import Settings
from orbito.verification.httpfile import WELL_KNOWN_PATH, FetchFailed, FileFetcher
from orbito.verification.resolver import LookupFailed, Resolver

HTTP = "http"
DNS = "dns"
METHODS = (HTTP, DNS)
TXT_PREFIX = "orbito-verification="


@dataclass(frozen=True)
class Outcome:
    method: str
    verified: bool
    reason: str

    def as_json(self) -> dict:
        return {"method": self.method, "verified": self.verified, "reason": self.reason}


class Verifier:
    def __init__(self, settings: Settings) -> None:
        resolver = Resolver.from_settings(settings)
        self.resolver = resolver
        self.files = FileFetcher(
            resolver=resolver,
            scheme=settings.verification_http_scheme,
            port=settings.verification_http_port,
            allow_private=settings.verification_allow_private_addresses,
            timeout_seconds=settings.verification_timeout_seconds,
        )

    def instructions(self, domain: str, token: str) -> dict:
        """How the owner can publish the token, one entry per method."""
        return {
            HTTP: {"url": self.files.url(domain), "content": token},
            DNS: {"name": domain, "type": "TXT", "value": TXT_PREFIX + token},
        }

    async def check(self, domain: str, token: str, methods: tuple[str, ...]) -> list[Outcome]:
        """Run the methods at once; each outcome says whether it found the token, and why not."""
        runs = {HTTP: self._http, DNS: self._dns}
        return list(await asyncio.gather(*(runs[method](domain, token) for method in methods)))

    async def _http(self, domain: str, token: str) -> Outcome:
        try:
            text = await self.files.fetch(domain)
        except FetchFailed as failure:
            return Outcome(HTTP, False, f"{WELL_KNOWN_PATH}: {failure}")
        if text.strip() != token:
            return Outcome(HTTP, False, f"{WELL_KNOWN_PATH} does not hold this website's token")
        return Outcome(HTTP, True, f"{WELL_KNOWN_PATH} holds the token")

    async def _dns(self, domain: str, token: str) -> Outcome:
        try:
            records = await self.resolver.txt(domain)
        except LookupFailed as failure:
            return Outcome(DNS, False, str(failure))
        if TXT_PREFIX + token in (record.strip() for record in records):
            return Outcome(DNS, True, f"a TXT record of {domain} holds the token")
        return Outcome(DNS, False, f"no TXT record of {domain} is {TXT_PREFIX}<token>")
