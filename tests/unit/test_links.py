"""Sign-in links and codes (chalicelib.links) and device names (chalicelib.devices): pure functions."""

from __future__ import annotations

import pytest

from chalicelib import devices, links


def test_a_link_token_parses_back_into_its_parts_and_only_the_key_makes_it():
    token = links.token_of(links.address_digest("Ada@Example.com"), "01JDQ8Z6G1W7K3M5N9P2R4T6V8")
    parsed = links.parse_token(token)
    assert parsed.address_digest == links.address_digest("ada@example.com")  # case-insensitive
    assert parsed.link_id == "01JDQ8Z6G1W7K3M5N9P2R4T6V8"
    assert parsed.secret == links.secret_of(parsed.link_id)
    assert "ada" not in token.lower()  # the address is not in the link


def test_codes_are_six_digits_and_differ_between_links():
    codes = {links.code_of(f"01JDQ8Z6G1W7K3M5N9P2R4T6{n:02d}") for n in range(50)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 45


def test_another_key_makes_other_secrets(monkeypatch):
    link_id = "01JDQ8Z6G1W7K3M5N9P2R4T6V8"
    before = (links.secret_of(link_id), links.code_of(link_id), links.address_digest("a@example.com"))
    monkeypatch.setenv("SIGNIN_KEY", "another-key-another-key-another-key-0000")
    links.reset_key()
    try:
        after = (links.secret_of(link_id), links.code_of(link_id), links.address_digest("a@example.com"))
    finally:
        monkeypatch.undo()
        links.reset_key()
    assert all(b != a for b, a in zip(before, after))


def test_without_a_usable_key_nothing_is_derived(monkeypatch):
    monkeypatch.setenv("SIGNIN_KEY", "short")
    links.reset_key()
    try:
        with pytest.raises(links.KeyMissing, match="SIGNIN_KEY"):
            links.secret_of("01JDQ8Z6G1W7K3M5N9P2R4T6V8")
    finally:
        monkeypatch.undo()
        links.reset_key()


@pytest.mark.parametrize("token", [
    "", "a.b", "a.b.c.d", "0" * 32 + ".not-a-ulid." + "A" * 43,
    "0" * 31 + ".01JDQ8Z6G1W7K3M5N9P2R4T6V8." + "A" * 43,
    "0" * 32 + ".01JDQ8Z6G1W7K3M5N9P2R4T6V8." + "A" * 42,
    "0" * 32 + ".01JDQ8Z6G1W7K3M5N9P2R4T6V8." + "A" * 42 + "=",
])
def test_malformed_tokens_do_not_parse(token):
    assert links.parse_token(token) is None


@pytest.mark.parametrize("user_agent, label", [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
     "Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36", "Chrome on Windows"),
    ("curl/8.5.0", "curl"),
    ("", "Unknown device"),
    (None, "Unknown device"),
    ("???", "Unknown device"),
])
def test_a_device_is_named_from_its_user_agent(user_agent, label):
    assert devices.label(user_agent) == label
