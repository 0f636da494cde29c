"""chalicelib.http.json_body: what a JSON body may be, decided before any view or validator
recurses into it or stores it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from chalice import BadRequestError

from chalicelib.http import MAX_JSON_DEPTH, json_body

ROOT = Path(__file__).resolve().parents[2]


def parse(raw: bytes | str, **kwargs):
    body = raw.encode("utf-8") if isinstance(raw, str) else raw
    return json_body(SimpleNamespace(raw_body=body), **kwargs)


def problem(raw: bytes | str) -> str:
    with pytest.raises(BadRequestError) as raised:
        parse(raw)
    return str(raised.value)


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_a_400():
    assert parse("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert parse('{"a":' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH)
    too_deep = f"body: nested too deeply (at most {MAX_JSON_DEPTH} levels)"
    assert problem("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)) == too_deep
    assert problem('{"a": [' + "{}," * 100 + '{"b":' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH + "]}") == too_deep


def test_nesting_deep_enough_to_exhaust_the_parsers_stack_is_a_400():
    deep = 30_000
    assert problem("[" * deep + "]" * deep).startswith("body: nested too deeply")


def test_brackets_inside_strings_and_many_siblings_are_no_nesting():
    assert parse(json.dumps({"body": "[[[{{{" * 200})) == {"body": "[[[{{{" * 200}
    assert len(parse(json.dumps([[1], [2]] * 500))) == 1000


@pytest.mark.parametrize("raw, message", [
    (b'{"body": "\xff"}', "body: is not valid UTF-8"),
    (b'{"body": "\xed\xa0\xbd"}', "body: is not valid UTF-8"),  # a surrogate encoded as bytes
    ('{"capacity": NaN}', "body: malformed JSON"),
    ('{"capacity": -Infinity}', "body: malformed JSON"),
    ('{"body": "unterminated}', "body: malformed JSON"),
    ("1" * 5000, "body: malformed JSON"),  # more digits than Python converts
])
def test_bytes_that_are_not_utf8_json_are_a_400(raw, message):
    assert problem(raw) == message


@pytest.mark.parametrize("raw, field", [
    ('{"body": "hi \\ud83d"}', "body"),
    ('{"message": "\\ude00 at the start"}', "message"),
    ('{"languages": ["en", "\\udc00"]}', "languages.1"),
    ('{"profile": {"story": "x\\uDBFFy"}}', "profile.story"),
    ('{"bad \\ud800 key": 1}', "body"),
    ('"\\ud83d"', "body"),
])
def test_a_lone_surrogate_is_a_400_naming_where_it_is(raw, field):
    assert problem(raw) == f"{field}: must be valid Unicode (it has a lone surrogate)"


def test_escaped_surrogate_pairs_and_escaped_backslashes_are_text():
    assert parse('{"body": "\\ud83d\\ude00"}') == {"body": "\U0001F600"}
    assert parse('{"body": "\\\\ud83d"}') == {"body": "\\ud83d"}


def test_an_empty_body_is_required_unless_optional_and_a_bom_is_ignored():
    assert problem(b"  ") == "body: a JSON object is required"
    assert parse(b"", optional=True) == {}
    assert parse(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_the_app_never_reads_chalices_own_json_body():
    """Chalice's Request.json_body turns only ValueError into a 400: deep nesting would be a 500."""
    sources = [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")]
    users = [path.name for path in sources if re.search(r"request\.json_body\b", path.read_text())]
    assert users == []
