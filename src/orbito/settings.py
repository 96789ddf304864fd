"""Every setting of the service, read from `ORBITO_*` variables and `.env`; nowhere else."""

import io
import os
from collections.abc import Mapping
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from pydantic import BaseModel, ConfigDict, Field, field_validator

from orbito.rates import Rate, parse_rate

RATE_LIMIT_FIELDS = (
    "rate_limit_website_register",
    "rate_limit_action_register",
    "rate_limit_discovery",
    "rate_limit_usage",
    "rate_limit_keyed",
)


PREFIX = "ORBITO_"


class Settings(BaseModel):
    """Each field is read from `ORBITO_<NAME>` (in any letter case), else from the `.env` file,
    else its default; values given here come first. Text is converted as the field's type says.
    """

    # Infinity and NaN make no sense for any setting (a cache kept forever, a timeout never
    # reached), and would surprise where they were given by mistake.
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    def __init__(self, _env_file: str | Path | None = ".env", **values: Any) -> None:
        super().__init__(**{**_configured(type(self), _env_file), **values})

    database_url: str = "sqlite:///./orbito.db"
    database_pool_size: int = Field(default=10, ge=1)
    database_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    database_statement_timeout_seconds: float = Field(default=10.0, gt=0)
    # SQLite keeps it in a 32-bit integer: a larger value would wrap round to no wait at all.
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0, le=2**31 - 1)
    auto_migrate: bool = True

    redis_url: str | None = None
    redis_key_prefix: str = "orbito"
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    trusted_proxies: list[IPv4Network | IPv6Network] = []

    rate_limits_enabled: bool = True
    rate_limit_website_register: str = "10/hour"
    rate_limit_action_register: str = "100/minute"
    rate_limit_discovery: str = "60/minute"
    rate_limit_usage: str = "120/minute"
    rate_limit_keyed: str = "600/minute"

    cache_seconds: float = Field(default=1.0, ge=0)
    # On SIGTERM, how long answers in flight get before the process exits regardless.
    shutdown_timeout_seconds: int = Field(default=30, ge=1)
    # How long a request may take to arrive whole, and a new connection to begin one.
    request_timeout_seconds: int = Field(default=30, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1)
    max_actions_per_website: int = Field(default=1000, ge=1)

    # Domain verification. The scheme and port are for test set-ups that play the website on
    # loopback; private addresses stay refused unless allowed, so that a check cannot be aimed
    # at the operator's own network.
    discovery_require_verified: bool = False
    verification_http_scheme: Literal["https", "http"] = "https"
    verification_http_port: int | None = Field(default=None, ge=1, le=65535)
    verification_allow_private_addresses: bool = False
    verification_dns_servers: list[str] = []
    verification_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [
                _unmapped(ip_network(part.strip(), strict=False))
                for part in value.split(",")
                if part.strip()
            ]
        return value

    @field_validator("verification_dns_servers", mode="before")
    @classmethod
    def _split_dns_servers(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for server in value:
                dns_server_address(server)
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return (
            value.upper()
            if value.lower() in {"debug", "info", "warning", "error"}
            else value.lower()
        )

    @field_validator(*RATE_LIMIT_FIELDS)
    @classmethod
    def _parses_as_rate_limit(cls, value: str) -> str:
        parse_rate(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("must be a sqlite:///path or postgresql://user@host:port/name URL")
        parts = urlsplit(value)
        if parts.query or parts.fragment or value.endswith(("?", "#")):
            raise ValueError("takes no query parameters or fragment: write the URL without them")
        if value.startswith("sqlite:"):
            path = value.removeprefix("sqlite:///")
            if path == value or not path.strip("/") or path == ":memory:":
                raise ValueError("must name the database file: sqlite:///path/to/orbito.db")
            return value
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            raise ValueError("the port must be a number from 1 to 65535")
        if not parts.path.strip("/"):
            raise ValueError("must name the database: postgresql://user@host:port/name")
        # The short scheme some hosts hand out names the same server.
        return "postgresql://" + value.removeprefix("postgres://").removeprefix("postgresql://")

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None:
            from redis.connection import parse_url  # only where Redis is used: it costs 7 MB

            try:
                parse_url(value)
            except ValueError as error:
                raise ValueError(f"must be a redis://host:port/db URL ({error})") from None
            if urlsplit(value).path.strip("/") and not urlsplit(value).path.strip("/").isdigit():
                raise ValueError("the database number after the port must be a whole number")
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @cached_property
    def rate_limit_items(self) -> dict[str, Rate]:
        return {
            name.removeprefix("rate_limit_"): parse_rate(getattr(self, name))
            for name in RATE_LIMIT_FIELDS
        }


class SettingsFileError(ValueError):
    """The `.env` file could not be read."""


_IPV4_MAPPED = IPv6Network("::ffff:0:0/96")


def _unmapped(network: IPv4Network | IPv6Network) -> IPv4Network | IPv6Network:
    """IPv4 networks written as IPv4-mapped IPv6 (`::ffff:127.0.0.1`) as the IPv4 they are:
    clients are matched against proxies in that form."""
    if isinstance(network, IPv6Network) and network.subnet_of(_IPV4_MAPPED):
        mapped = network.network_address.ipv4_mapped
        return IPv4Network(f"{mapped}/{network.prefixlen - 96}")
    return network


def _dotenv(path: Path) -> dict[str, str | None]:
    """The variables a `.env` file sets; a line that sets none is refused, not skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsFileError(f"{path}: cannot be read ({error})") from None
    for binding in parse_stream(io.StringIO(text)):
        # A name with no `=` sets nothing either.
        if binding.error or (binding.key is not None and binding.value is None):
            line = binding.original.line
            raise SettingsFileError(
                f"{path}: line {line} cannot be read: {binding.original.string.strip()!r}"
            )
    return dotenv_values(stream=io.StringIO(text))


def _configured(settings: type[BaseModel], env_file: str | Path | None) -> dict[str, str]:
    """The fields' values as text, from the environment and the `.env` file.

    A variable written as `ORBITO_NAME` wins over the same name in other letter cases.
    """
    names = {f"{PREFIX}{name}".lower(): name for name in settings.model_fields}
    sources: list[Mapping[str, str | None]] = []
    if env_file is not None and Path(env_file).is_file():
        sources.append(_dotenv(Path(env_file)))
    sources.append(os.environ)
    found: dict[str, str] = {}
    # Read in turn, so that the environment overrides the file; within each, upper-case
    # spellings come last, so that they win.
    for source in sources:
        for variable, value in sorted(source.items(), key=lambda item: item[0].isupper()):
            if (name := names.get(variable.lower())) is not None and value is not None:
                found[name] = value
    return found


def dns_server_address(server: str) -> tuple[str, int]:
    """An `address` or `address:port` (`[v6]:port`) naming a DNS server, as (address, port)."""
    host, port = server, "53"
    if server.startswith("["):
        host, closed, rest = server[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"{server!r}: write an IPv6 server as [address] or [address]:port")
        port = rest.removeprefix(":") or "53"
    elif server.count(":") == 1:
        host, port = server.split(":")
    try:
        address = ip_address(host)
    except ValueError:
        raise ValueError(f"{server!r}: a DNS server is given by its IP address") from None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{server!r}: the port must be a number from 1 to 65535")
    return str(address), int(port)
