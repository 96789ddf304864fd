"""DNS look-ups for verification, through dnspython and the resolver the settings name.

dnspython is imported only here, when a check runs: a serving process that never verifies
a domain does not carry it.
"""

import asyncio
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

from orbito.settings import Settings, dns_server_address


class LookupFailed(Exception):
    """A look-up that gave no usable answer; the message says why, for the owner."""


@dataclass(frozen=True)
class Resolver:
    servers: tuple[tuple[str, int], ...]
    timeout_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "Resolver":
        servers = tuple(dns_server_address(server) for server in settings.verification_dns_servers)
        return cls(servers, settings.verification_timeout_seconds)

    async def txt(self, domain: str) -> list[str]:
        """The domain's TXT records, each as one string (its parts joined)."""
        answer = await self._resolve(domain, "TXT")
        return [
            b"".join(record.strings).decode("utf-8", "replace")
            for record in answer
            if hasattr(record, "strings")
        ]

    async def addresses(self, domain: str) -> list[IPv4Address | IPv6Address]:
        """Every IPv4 and IPv6 address the domain resolves to; fails only if it has neither."""
        found: list[IPv4Address | IPv6Address] = []
        failures: list[str] = []
        for record_type in ("A", "AAAA"):
            try:
                answer = await self._resolve(domain, record_type)
            except LookupFailed as failure:
                failures.append(str(failure))
                continue
            found.extend(ip_address(record.address) for record in answer)
        if not found:
            raise LookupFailed(failures[0] if failures else f"{domain} has no address")
        return found

    async def _resolve(self, domain: str, record_type: str) -> Any:
        import dns.asyncresolver
        import dns.exception
        import dns.nameserver
        import dns.resolver

        try:
            resolver = dns.asyncresolver.Resolver(configure=not self.servers)
        except dns.resolver.NoResolverConfiguration:
            raise LookupFailed("this server has no DNS resolver configured") from None
        if self.servers:
            resolver.nameservers = [
                dns.nameserver.Do53Nameserver(address, port) for address, port in self.servers
            ]
        resolver.lifetime = self.timeout_seconds
        try:
            # dnspython's own lifetime can run past it by a retry's wait; this deadline cannot.
            async with asyncio.timeout(self.timeout_seconds):
                return await resolver.resolve(domain + ".", record_type, search=False)
        except TimeoutError:
            raise LookupFailed(f"the DNS look-up of {domain} timed out") from None
        except dns.resolver.NXDOMAIN:
            raise LookupFailed(f"{domain} does not exist in DNS") from None
        except dns.resolver.NoAnswer:
            raise LookupFailed(f"{domain} has no {record_type} record") from None
        except dns.exception.Timeout:
            raise LookupFailed(f"the DNS look-up of {domain} timed out") from None
        except dns.resolver.NoNameservers:
            raise LookupFailed(f"no DNS server answered for {domain}") from None
        except dns.exception.DNSException as error:
            raise LookupFailed(f"the DNS look-up of {domain} failed ({error})") from None
