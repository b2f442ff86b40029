"""The page's protocol is listed once on each side: web/js/protocol.js for the JS workers and the page,
worker_api.py (COMMANDS, EVENTS, FAILURE) and helper_share.py (SHARE_FIELDS, SHARE_WAIT) for Python.
These tests read protocol.js's tables as data and check that both sides list the same messages and fields."""
import json
import re
from pathlib import Path

import pytest

import helper_share
import worker_api

PROTOCOL_JS = Path(__file__).resolve().parent.parent / "web" / "js" / "protocol.js"


def js_tables(source: str) -> dict:
    """`export const NAME = <object or array literal>;` of protocol.js as Python data (names of other tables resolved)."""
    tables = {}
    for name, literal in re.findall(r"^export const (\w+) = (.*?);$", source, flags=re.M | re.S):
        for known, value in tables.items():  # e.g. `error: FAILURE`
            literal = re.sub(rf"\b{known}\b", json.dumps(value), literal)
        literal = re.sub(r"//[^\n]*", "", literal)
        literal = re.sub(r"([{,]\s*)(\w+)\s*:", r'\1"\2":', literal)  # bare keys -> "keys"
        literal = re.sub(r",(\s*[}\]])", r"\1", literal)                # no trailing commas
        tables[name] = json.loads(literal)
    return tables


def differences(js: dict) -> list[str]:
    """Every way protocol.js's tables and the Python tables disagree."""
    pairs = [("COMMANDS", worker_api.COMMANDS), ("EVENTS", worker_api.EVENTS), ("FAILURE", worker_api.FAILURE),
             ("SHARE", list(helper_share.SHARE_FIELDS)), ("SHARE_WAIT", list(helper_share.SHARE_WAIT))]
    return [f"{name}: protocol.js {js.get(name)!r} != Python {python!r}" for name, python in pairs if js.get(name) != python]


def test_protocol_js_and_python_list_the_same_messages_and_fields():
    js = js_tables(PROTOCOL_JS.read_text())
    assert {"COMMANDS", "EVENTS", "FAILURE", "SHARE", "SHARE_WAIT", "HELPER_COMMANDS", "HELPER_EVENTS"} <= set(js)
    assert differences(js) == []


@pytest.mark.parametrize("edit", [
    lambda s: s.replace('reply: ["digit", "probs", "image", ', 'reply: ["digit", "probs", '),  # a field dropped
    lambda s: s.replace('  ping: { ask: [], reply: ["state"] },\n', ""),                     # a command dropped
    lambda s: s.replace('"measuring"', '"evaluating"'),                                      # a field renamed
    lambda s: s.replace('SHARE = ["rows", "batch_size"', 'SHARE = ["batch_size", "rows"'),   # an order changed
])
def test_a_difference_between_the_two_sides_is_caught(edit):
    source = PROTOCOL_JS.read_text()
    edited = edit(source)
    assert edited != source, "the edit must apply to protocol.js as it is"
    assert differences(js_tables(edited)), "the comparison missed a difference"


def test_python_replies_use_only_fields_of_the_table():
    with pytest.raises(KeyError, match="not in the protocol table"):
        worker_api._fields(worker_api.COMMANDS["predict"]["reply"], digit=1, confidence=0.5)
