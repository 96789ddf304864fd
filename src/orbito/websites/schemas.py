"""What website registration accepts and what the website routes answer."""

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

from orbito.text import check_line
from orbito.websites.domains import InvalidDomain, normalise_domain


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
