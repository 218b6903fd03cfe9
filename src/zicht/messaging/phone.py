"""Phone numbers: validate what people type and store it as E.164 (+31612345678)."""

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Invitations go to Dutch mobiles, and to Belgian and German ones for students living
# across the border. Other countries are refused: costs and delivery are not tested there.
ALLOWED_REGIONS = ("NL", "BE", "DE")

INVALID_MESSAGE = "Dit is geen geldig mobiel nummer (bijv. 06 12345678). / This is not a valid mobile number."
COUNTRY_MESSAGE = (
    "Alleen mobiele nummers uit Nederland, België of Duitsland kunnen sms'jes krijgen. / "
    "Only mobile numbers from the Netherlands, Belgium or Germany can receive text messages."
)


def normalise_phone(raw: str, region: str = "NL") -> str:
    """Return the number in E.164, or raise ValidationError (code "invalid_phone" or "phone_country").

    Accepts the usual spellings: 06 12345678, 06-1234 5678, +31 6 12345678, 0031612345678.
    Dutch numbers must be 06 mobiles (not landlines, 066 pagers or 097 machine numbers).
    """
    text = (raw or "").strip()
    if not text or len(text) > 40:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    country = phonenumbers.region_code_for_number(number)
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    if country not in ALLOWED_REGIONS:
        raise ValidationError(COUNTRY_MESSAGE, code="phone_country")
    if country == "NL" and not str(number.national_number).startswith("6"):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")  # 097: machine-to-machine numbers
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """How staff read a stored number: '06 12345678' for Dutch ones, international otherwise."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == "NL":
        national = str(number.national_number)
        return f"0{national[0]} {national[1:]}"
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
