"""What website registration accepts and what the website routes answer."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orbito.actions.schemas import DiscoveredAction
from orbito.text import check_line
from orbito.websites.domains import InvalidDomain, normalise_domain

DEFAULT_GRACE_SECONDS = 24 * 60 * 60
MAX_GRACE_SECONDS = 7 * 24 * 60 * 60


class WebsiteRegistration(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "domain": "example.com",
                    "owner_email": "owner@example.com",
                    "website_name": "Example Website",
                }
            ]
        },
    )

    domain: str = Field(description="A bare domain name; Unicode names are converted to ASCII.")
    owner_email: str = Field(max_length=254, json_schema_extra={"format": "email"})
    website_name: str = Field(description="1-200 characters after trimming.")

    @field_validator("domain")
    @classmethod
    def _normalise_domain(cls, value: str) -> str:
        try:
            return normalise_domain(value)
        except InvalidDomain as error:
            raise ValueError(str(error)) from None

    @field_validator("owner_email")
    @classmethod
    def _email_syntax(cls, value: str) -> str:
        # Imported here: only website registration needs it, and every worker would hold it.
        from email_validator import EmailNotValidError, validate_email

        try:
            email = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as error:
            raise ValueError(str(error)) from None
        if len(email.local_part) > 64:
            raise ValueError("the part before the @-sign is longer than 64 characters")
        return email.normalized

    @field_validator("website_name")
    @classmethod
    def _trimmed_name(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= 200:
            raise ValueError("must be 1-200 characters after trimming")
        return check_line(value)


class RegisteredWebsite(BaseModel):
    website_id: str
    domain: str
    api_key: str = Field(description="Shown only in this answer; store it now.")
    created_at: str


class WebsiteDetails(BaseModel):
    website_id: str
    domain: str
    website_name: str
    owner_email: str
    created_at: str
    total_actions: int
    active_actions: int
    verified: bool = Field(description="Whether the domain's owner has proved holding it.")
    auto_disable_after_failures: int | None


MAX_FAILURES_IN_A_ROW = 10_000


class WebsiteSettings(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={
            "examples": [{"auto_disable_after_failures": 5}, {"auto_disable_after_failures": None}]
        },
    )

    auto_disable_after_failures: int | None = Field(
        ge=1,
        le=MAX_FAILURES_IN_A_ROW,
        description="Switch an action off after this many failures in a row with no use "
        "between them; null never does.",
    )


class KeyRotation(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={"examples": [{"grace_period_seconds": 86400}]},
    )

    grace_period_seconds: int | None = Field(
        default=None,
        ge=0,
        le=MAX_GRACE_SECONDS,
        description="How long the website's other keys keep working (default 86400, a day); "
        "0 revokes them at once.",
    )

    @property
    def grace_seconds(self) -> int:
        given = self.grace_period_seconds
        return DEFAULT_GRACE_SECONDS if given is None else given


class RotatedKey(BaseModel):
    website_id: str
    api_key: str = Field(description="Shown only in this answer; store it now.")
    created_at: str
    previous_keys_expire_at: str


class VerificationCheck(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="ignore", json_schema_extra={"examples": [{"method": "dns"}, {}]}
    )

    method: Literal["http", "dns"] | None = Field(
        default=None, description="One method to check; both when left out."
    )


class HttpInstructions(BaseModel):
    url: str
    content: str


class DnsInstructions(BaseModel):
    name: str
    type: Literal["TXT"]
    value: str


class VerificationMethods(BaseModel):
    http: HttpInstructions
    dns: DnsInstructions


class CheckResult(BaseModel):
    method: Literal["http", "dns"]
    verified: bool
    reason: str


class LastCheck(BaseModel):
    checked_at: str
    results: list[CheckResult]


class Verification(BaseModel):
    website_id: str
    domain: str
    verified: bool
    verified_at: str | None
    verified_by: Literal["http", "dns"] | None
    token: str = Field(description="What the owner publishes; it is not a secret.")
    methods: VerificationMethods
    last_check: LastCheck | None


class ActionUsage(BaseModel):
    action_id: str
    intent: str
    is_active: bool
    counts: list[int] = Field(description="Uses per day, in the order of `dates`.")
    total: int


class UsageSeries(BaseModel):
    website_id: str
    days: int
    dates: list[str] = Field(description="Each day (UTC) as YYYY-MM-DD, oldest first.")
    total: list[int] = Field(description="Uses per day of all the website's actions.")
    actions: list[ActionUsage]


class LastFailure(BaseModel):
    at: str
    reason: str
    message: str | None


class OwnedAction(DiscoveredAction):
    created_at: str
    registered_at: str
    updated_at: str
    consecutive_failures: int = Field(description="Failures since the last use or status change.")
    failures_by_reason: dict[str, int]
    last_failure: LastFailure | None
    auto_disabled_at: str | None = Field(
        description="When failures in a row switched the action off; null once the owner sets "
        "its status."
    )


class OwnedActions(BaseModel):
    website_id: str
    actions: list[OwnedAction]
    total_count: int
