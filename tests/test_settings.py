import re
import subprocess
import sys
from ipaddress import ip_network
from pathlib import Path

import pytest
from pydantic import ValidationError

from orbito.settings import Settings, SettingsFileError, dns_server_address


def test_defaults_match_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("ORBITO_"):
            monkeypatch.delenv(name)
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///./orbito.db"
    assert settings.redis_url is None
    assert settings.trusted_proxies == []
    assert settings.rate_limits_enabled is True
    assert settings.max_body_bytes == 65536
    assert settings.max_actions_per_website == 1000
    assert settings.auto_migrate is True
    assert (settings.log_level, settings.log_format) == ("INFO", "text")
    assert {name: str(item) for name, item in settings.rate_limit_items.items()} == {
        "website_register": "10 per 1 hour",
        "action_register": "100 per 1 minute",
        "discovery": "60 per 1 minute",
        "usage": "120 per 1 minute",
        "keyed": "600 per 1 minute",
    }


def test_settings_are_read_from_orbito_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORBITO_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")
    monkeypatch.setenv("ORBITO_RATE_LIMIT_DISCOVERY", "5/second")
    monkeypatch.setenv("ORBITO_RATE_LIMITS_ENABLED", "false")
    monkeypatch.setenv("ORBITO_LOG_FORMAT", "JSON")
    monkeypatch.setenv("ORBITO_REDIS_URL", "")

    settings = Settings(_env_file=None)

    assert settings.trusted_proxies == [ip_network("10.0.0.0/8"), ip_network("192.0.2.7/32")]
    assert settings.rate_limit_items["discovery"].amount == 5
    assert settings.rate_limits_enabled is False
    assert settings.log_format == "json"
    assert settings.redis_url is None


def test_a_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORBITO_MAX_BODY_BYTES", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("ORBITO_MAX_BODY_BYTES=1234\n")
    assert Settings(_env_file=env_file).max_body_bytes == 1234


def test_the_environment_overrides_the_dotenv_file_and_given_values_both(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "ORBITO_MAX_BODY_BYTES=1234\norbito_cache_seconds=7\nORBITO_LOG_FORMAT=json\n"
        "ORBITO_NOT_A_SETTING=1\nOTHER_MAX_BODY_BYTES=9\n"
    )
    monkeypatch.setenv("orbito_max_body_bytes", "2048")
    monkeypatch.setenv("ORBITO_LOG_FORMAT", "text")

    settings = Settings(_env_file=env_file, log_format="json")

    assert settings.max_body_bytes == 2048  # the environment, in any letter case
    assert settings.cache_seconds == 7.0  # the file, in any letter case
    assert settings.log_format == "json"  # given
    assert Settings(_env_file=None, log_format="json").max_body_bytes == 2048


def test_the_upper_case_name_wins_over_the_same_in_another_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In both orders of the environment: the one set last comes last.
    for order in (
        ("orbito_max_body_bytes", "ORBITO_MAX_BODY_BYTES"),
        ("ORBITO_MAX_BODY_BYTES", "orbito_max_body_bytes"),
    ):
        for name in order:
            monkeypatch.setenv(name, "222" if name.isupper() else "111")
        assert Settings(_env_file=None).max_body_bytes == 222
        for name in order:
            monkeypatch.delenv(name)


def test_a_dotenv_file_that_is_not_utf8_is_refused_in_one_line(tmp_path) -> None:
    (tmp_path / ".env").write_bytes(b"\xff\xfe ORBITO_LOG_FORMAT=json\n")
    orbito = Path(sys.executable).parent / "orbito"
    result = subprocess.run(
        [str(orbito), "websites", "list"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.startswith("orbito: .env: cannot be read (")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORBITO_RATE_LIMIT_USAGE", "lots"),
        ("ORBITO_TRUSTED_PROXIES", "not-an-ip"),
        ("ORBITO_MAX_BODY_BYTES", "0"),
        ("ORBITO_LOG_FORMAT", "xml"),
        ("ORBITO_DATABASE_URL", "mysql://localhost/orbito"),
        ("ORBITO_REDIS_URL", "redis//127.0.0.1:6379"),
        ("ORBITO_REDIS_URL", "redis://127.0.0.1:notaport/0"),
        ("ORBITO_REDIS_URL", "redis://127.0.0.1:6379/abc"),
        ("ORBITO_REDIS_URL", "http://127.0.0.1:6379/0"),
        ("ORBITO_VERIFICATION_DNS_SERVERS", "dns.example"),
        ("ORBITO_VERIFICATION_DNS_SERVERS", "[::1"),
        ("ORBITO_VERIFICATION_DNS_SERVERS", "[::1]5353"),
        ("ORBITO_VERIFICATION_DNS_SERVERS", "127.0.0.1:99999"),
        ("ORBITO_VERIFICATION_HTTP_SCHEME", "ftp"),
        ("ORBITO_VERIFICATION_TIMEOUT_SECONDS", "0"),
        # SQLite would take it for no wait at all.
        ("ORBITO_SQLITE_BUSY_TIMEOUT_MS", "3000000000"),
        ("ORBITO_CACHE_SECONDS", "inf"),
        ("ORBITO_CACHE_SECONDS", "nan"),
        ("ORBITO_DATABASE_POOL_TIMEOUT_SECONDS", "1e309"),
    ],
)
def test_invalid_settings_are_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises((ValidationError, ValueError)):
        Settings(_env_file=None)


def test_dns_servers_are_addresses_with_optional_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORBITO_VERIFICATION_DNS_SERVERS", "127.0.0.1:5353, [::1]:53, 192.0.2.1")
    servers = Settings(_env_file=None).verification_dns_servers
    assert [dns_server_address(server) for server in servers] == [
        ("127.0.0.1", 5353),
        ("::1", 53),
        ("192.0.2.1", 53),
    ]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://root@127.0.0.1/orbito", "must be a sqlite:///path or postgresql://"),
        ("sqlite://", "must name the database file"),
        ("sqlite:///", "must name the database file"),
        ("sqlite:///:memory:", "must name the database file"),
        ("sqlite:///orbito.db?mode=ro", "takes no query parameters"),
        ("sqlite:///orbito.db#x", "takes no query parameters or fragment"),
        ("sqlite:///orbito.db?", "takes no query parameters"),
        ("sqlite://relative.db", "must name the database file"),
        ("sqlite:////", "must name the database file"),
        ("postgresql://postgres@127.0.0.1:5432/", "must name the database"),
        ("postgresql://postgres@127.0.0.1:5432", "must name the database"),
        ("postgresql://postgres@127.0.0.1:99999/orbito", "the port must be"),
        ("postgresql://postgres@127.0.0.1:0/orbito", "the port must be"),
        ("postgresql://postgres@127.0.0.1:x/orbito", "the port must be"),
        ("postgresql://postgres@127.0.0.1/orbito?sslmode=require", "takes no query parameters"),
    ],
)
def test_a_database_url_that_would_fail_or_surprise_later_is_refused(url: str, reason: str) -> None:
    """Each once reached the driver: a traceback, or the user's default database migrated."""
    with pytest.raises(ValidationError, match=re.escape(reason)):
        Settings(_env_file=None, database_url=url)


@pytest.mark.parametrize(
    ("url", "taken"),
    [
        ("sqlite:///./orbito.db", "sqlite:///./orbito.db"),
        ("sqlite:////var/lib/orbito.db", "sqlite:////var/lib/orbito.db"),
        ("postgresql://u:p@db:6432/orbito", "postgresql://u:p@db:6432/orbito"),
        ("postgres://u:p@db:6432/orbito", "postgresql://u:p@db:6432/orbito"),
    ],
)
def test_a_usual_database_url_is_taken(url: str, taken: str) -> None:
    assert Settings(_env_file=None, database_url=url).database_url == taken


@pytest.mark.parametrize(
    "line", ["ORBITO_CACHE_SECONDS='3", "this is not a line", "ORBITO_CACHE_SECONDS"]
)
def test_a_dotenv_line_that_sets_nothing_is_refused(tmp_path, line: str) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"ORBITO_LOG_FORMAT=json\n{line}\nORBITO_MAX_BODY_BYTES=12\n")
    with pytest.raises(SettingsFileError, match="line 2 cannot be read"):
        Settings(_env_file=env_file)


def test_a_trusted_proxy_written_as_ipv4_mapped_ipv6_is_the_ipv4_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORBITO_TRUSTED_PROXIES", "::ffff:127.0.0.1, ::ffff:10.0.0.0/104, ::1")
    assert Settings(_env_file=None).trusted_proxies == [
        ip_network("127.0.0.1/32"),
        ip_network("10.0.0.0/8"),
        ip_network("::1/128"),
    ]
