"""Phone numbers as typed by students and coordinators."""

import pytest
from django.core.exceptions import ValidationError

from zicht.messaging.phone import INVALID_MESSAGE, display_phone, normalise_phone


@pytest.mark.parametrize(
    "raw",
    ["0612345678", "06 12345678", "06-12345678", "06 1234 5678", "(06) 12 34 56 78", "+31612345678",
     "+31 6 12345678", "+31 (0)6 12345678", "0031612345678", "31612345678", "  0612345678  "],
)
def test_dutch_mobile_in_many_spellings(raw):
    assert normalise_phone(raw) == "+31612345678"


@pytest.mark.parametrize(
    "raw, expected",
    [("+32 470 12 34 56", "+32470123456"), ("0032470123456", "+32470123456"),
     ("+49 151 23456789", "+4915123456789"), ("0470 12 34 56", None)],
)
def test_belgian_and_german_mobiles(raw, expected):
    if expected is None:  # a Belgian national spelling is not a Dutch number
        with pytest.raises(ValidationError):
            normalise_phone(raw)
    else:
        assert normalise_phone(raw) == expected


def test_region_parameter_reads_national_spellings():
    assert normalise_phone("0470 12 34 56", region="BE") == "+32470123456"


@pytest.mark.parametrize(
    "raw",
    ["020 123 4567", "0201234567", "085 123 4567", "0800 1234", "066 1234567", "097012345678",
     "+49 30 123456", "06 1234 567", "061234567890", "abc", "", "   ", "06-abcdefgh", "+", "12"],
)
def test_landlines_pagers_and_garbage_are_refused_with_a_bilingual_message(raw):
    with pytest.raises(ValidationError) as caught:
        normalise_phone(raw)
    assert caught.value.messages == [INVALID_MESSAGE]
    assert caught.value.code == "invalid_phone"
    assert INVALID_MESSAGE == "Dit is geen geldig mobiel nummer (bijv. 06 12345678). / This is not a valid mobile number."


def test_mobiles_from_other_countries_get_their_own_explanation():
    with pytest.raises(ValidationError) as caught:
        normalise_phone("+212 612-345678")
    assert caught.value.code == "phone_country"
    assert "België" in caught.value.messages[0] and "Belgium" in caught.value.messages[0]


def test_display_phone():
    assert display_phone("+31612345678") == "06 12345678"
    assert display_phone("+32470123456") == "+32 470 12 34 56"
