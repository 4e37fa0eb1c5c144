"""Built-in functions under hostile answers (issues 22 and 27): JSON of unclosed openers read in linear time, a
1 MB document tested against many items (normalised once), numbers at the start of a text and whole numbers past
2^53 compared exactly."""
from __future__ import annotations

import json

from spec import OUT_JSON, Case, Gen, generator, jl, score

JSON_TASK = """task hostile_json {
  input  listing: text
  output item: {name: text, price: number} = json(response)
  constraint parses   = item != none
  constraint grounded = item.price in numbers(listing)
}
"""
JSON_LIST_TASK = """task hostile_json_list {
  input  listing: text
  output items: list<{name: text, price: number}> = json(response)
  constraint parses   = items != none
  constraint grounded = all i in items: i.price in numbers(listing)
}
"""
SENTENCES_TASK = """task hostile_sentences {
  input  context: text
  output answer: text = strip(response)
  constraint grounded = all s in sentences(answer): s in context fuzzy 90
}
"""
NUMBERS_TASK = """task hostile_numbers {
  input  listing: text
  output item: {id: number, price: number} = json(response)
  constraint id_grounded = item.id in numbers(listing)
  constraint price_first = item.price == number(listing)
}
"""
LISTING = "Acme kettle, now 24.99 EUR"
GOOD_OBJECT = {"listing": LISTING, "response": 'Here: {"name": "Acme kettle", "price": 24.99}'}
GOOD_LIST = {"listing": LISTING, "response": '[{"name": "Acme kettle", "price": 24.99}]'}
GOOD_ENDS = {1: {"csr": 1.0}, 3: {"csr": 1.0}}


@generator
def json_openers(unit: str, kb: int, as_list: bool = False) -> bytes:
    """A good record, an answer of `unit` repeated to `kb` kilobytes with nothing ever closed, a good record."""
    good = GOOD_LIST if as_list else GOOD_OBJECT
    bad = {"listing": LISTING, "response": unit * (kb * 1000 // len(unit))}
    return "".join(json.dumps(r) + "\n" for r in (good, bad, good)).encode()


@generator
def long_document(sentences: int, copied: int) -> bytes:
    """A document of `sentences` sentences (about 1 MB for 40,000) and answers of `copied` of its sentences: one all
    taken from it, one with a sentence that is nowhere in it, one all taken from it."""
    doc = [f"Item {i} sits on shelf {i % 7} of aisle {i % 13}." for i in range(sentences)]
    good = " ".join(doc[i] for i in range(0, sentences, max(sentences // copied, 1)))
    rows = [{"context": " ".join(doc), "response": r} for r in (good, good + " Item 5 flies to the moon.", good)]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _json_case(cid: str, unit: str, as_list: bool = False) -> Case:
    return Case(cid, "huge", f"a 900 kB answer of `{unit}` repeated, never closed (JSON reading stays linear)",
                score(), {"task.act": JSON_LIST_TASK if as_list else JSON_TASK,
                          "data.jsonl": Gen.of("json_openers", unit=unit, kb=900, as_list=as_list)},
                values={**GOOD_ENDS, 2: {"parses": False}}, time_s=5)


CASES = [
    # ---- JSON of unclosed openers: 20 s before, now a bounded number of tries from a prefiltered list -----------
    _json_case("ops-json-900kb-brace-bracket", "{["),
    _json_case("ops-json-900kb-brace-bracket-list", "{[", as_list=True),
    _json_case("ops-json-900kb-bracket-brace-list", "[{", as_list=True),
    _json_case("ops-json-900kb-key-array", '{"a":['),
    _json_case("ops-json-900kb-open-strings", '{"a":"'),
    _json_case("ops-json-900kb-brackets-list", "[", as_list=True),
    _json_case("ops-json-900kb-numbers-list", "[1,", as_list=True),
    _json_case("ops-json-900kb-members", '{"a":1,'),
    Case("ops-json-deep-then-object", "huge", "5,000 nested objects, then a small one: bounded, never a hang",
         score(*OUT_JSON), {"task.act": JSON_TASK, "data.jsonl": jl(
             GOOD_OBJECT, {"listing": LISTING, "response": '{"a": ' * 5000 + "1" + "}" * 5000 + '{"price": 24.99}'},
             GOOD_OBJECT)}, values=GOOD_ENDS, time_s=5),
    # ---- a 1 MB document against many items: normalised once per distinct text (32 s before) ----------------------
    Case("ops-fuzzy-1mb-document-400-sentences", "huge", "400 sentences, each fuzzily in a 1 MB document",
         score(), {"task.act": SENTENCES_TASK, "data.jsonl": Gen.of("long_document", sentences=40_000, copied=400)},
         values={1: {"grounded": True}, 2: {"grounded": False}, 3: {"grounded": True}}, time_s=20, mem_mb=1000),
    # ---- numbers: at the start of a text, and whole numbers past 2^53 compared exactly ------------------------------
    Case("ops-number-at-start-and-big-ids", "number", "a number opening the text; ids ...993 and ...992 told apart",
         score(), {"task.act": NUMBERS_TASK, "data.jsonl": jl(
             {"listing": "42", "response": '{"id": 42, "price": 42}'},
             {"listing": "24.99 EUR for account 9007199254740993", "response": '{"id": 9007199254740993, "price": 24.99}'},
             {"listing": "24.99 EUR for account 9007199254740993", "response": '{"id": 9007199254740992, "price": 24.99}'},
             {"listing": "1,500 people and 3 dogs", "response": '{"id": 3, "price": 1500}'})},
         values={1: {"id_grounded": True, "price_first": True}, 2: {"id_grounded": True, "price_first": True},
                 3: {"id_grounded": False, "price_first": True}, 4: {"id_grounded": True, "price_first": True}}),
    Case("ops-number-400-digit-id", "number", "a 400-digit id in the answer and the listing (past any float)",
         score(), {"task.act": NUMBERS_TASK, "data.jsonl": jl(
             {"listing": "7 " + "9" * 400, "response": '{"id": ' + "9" * 400 + ', "price": 7}'})},
         values={1: {"id_grounded": False, "price_first": True}}),
]
