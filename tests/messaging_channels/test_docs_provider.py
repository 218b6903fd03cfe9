"""docs/sms-provider.md describes what the code does; these tests catch drift."""

from pathlib import Path

from zicht.messaging.channels.sms import STATUS_MAP, STOP_WORDS

DOC = (Path(__file__).resolve().parents[2] / "docs/sms-provider.md").read_text()


def test_every_provider_status_and_stop_word_is_documented():
    assert [status for status in STATUS_MAP if f"`{status}`" not in DOC] == []
    assert [word for word in STOP_WORDS if f"`{word}`" not in DOC] == []


def test_fake_provider_cli_options_are_documented():
    from zicht.messaging import fakeprovider

    source = Path(fakeprovider.__file__).read_text()
    options = {part.split('"')[0] for part in source.split('add_argument("--')[1:]}
    assert options and [option for option in options if f"--{option}" not in DOC] == []
