"""The stop rule (act_dsl/sampling/stop.py): where a sampled response ends, as text and inside `generate`."""
from __future__ import annotations

import json
import random
import time

import pytest

from act_dsl.sampling.stop import StopCriteria, StopScanner, cut, should_stop, stop_at

KETTLE = '{"name": "Acme steel kettle", "price": 24.99, "tags": ["kitchen"]}'


# -- newline and literal strings ---------------------------------------------------------------------------

def test_newline_ends_the_answer_at_its_first_line_and_keeps_leading_blank_text() -> None:
    assert cut("newline", "/person, /person/politician\nSentence: more") == "/person, /person/politician"
    # an answer that starts on a new line is not cut to nothing
    assert cut("newline", "\n\n  A short summary.\nNext") == "\n\n  A short summary."
    assert stop_at("newline", " \n\t\n") is None and not should_stop("newline", "\n\n")
    assert stop_at("newline", "no newline yet") is None


def test_a_literal_stop_string_ends_before_itself_once_the_answer_has_started() -> None:
    assert cut("###", "Paris ### Lyon") == "Paris "
    assert cut("###", "###Paris") == ""                    # the answer starts with it: nothing is kept
    assert cut("\n\n", "\n\nFirst paragraph.\n\nSecond.") == "\n\nFirst paragraph."
    assert stop_at("END", "it never ends") is None


@pytest.mark.parametrize("written, text, kept", [
    ('stop "json"', 'Answer: {"a": 1} as json, then more', 'Answer: {"a": 1} as '),
    ('stop "end"', "Paris. The end of it", "Paris. The "),
    ('stop "newline"', "first\nsecond newline third", "first\nsecond "),
    ('stop "\\"x\\""', 'keep "x" drop', "keep "),
    ("stop json", 'Answer: {"a": 1} as json, then more', 'Answer: {"a": 1}'),
    ("stop end", "Paris. The end of it", "Paris. The end of it"),
])
def test_a_quoted_stop_string_is_literal_even_when_it_reads_as_a_rule_word(written: str, text: str, kept: str) -> None:
    # `stop "json"` stops at the four letters json; only the bare words are the special rules
    import act_dsl
    program = act_dsl.loads("task t {\n  input q: text\n  output a: text = response\n  prompt \"{q}\"\n"
                            f"  {written}\n  constraint c = a != \"\"\n}}\n", strict=True)
    assert cut(program.stop(), text) == kept


def test_no_rule_never_stops() -> None:
    assert stop_at(None, "a\nb}") is None and stop_at("", "a\nb") is None
    assert cut(None, "a\nb") == "a\nb"


@pytest.mark.parametrize("rule", ["newline", "json", "###", "\n\n", "ab"])
def test_feeding_text_in_pieces_gives_the_same_cut_as_the_whole_text(rule: str) -> None:
    # a sampler sees a response a few characters at a time: a stop split across two pieces is still found
    rng = random.Random(7)
    alphabet = ['a', 'b', '#', '\n', ' ', '{', '}', '[', ']', '"', '\\', ':', '1', ',']
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        scanner, at = StopScanner(rule), 0
        while at < len(text):
            step = rng.randint(1, 4)
            scanner.feed(text[at:at + step])
            at += step
        assert scanner.end == stop_at(rule, text), (rule, text)


# -- json ------------------------------------------------------------------------------------------------

def test_json_ends_right_after_the_first_complete_object_and_keeps_prose_before_it() -> None:
    assert cut("json", KETTLE + "\nListing: the next one") == KETTLE
    assert cut("json", "Sure! Here it is: " + KETTLE + " Anything else?") == "Sure! Here it is: " + KETTLE
    assert cut("json", '```json\n[{"a": [1, [2, [3]]]}, []]\n```') == '```json\n[{"a": [1, [2, [3]]]}, []]'
    # a JSON value may span lines: newlines inside it do not end it
    assert cut("json", '{\n  "name": "x",\n  "tags": []\n}\nmore') == '{\n  "name": "x",\n  "tags": []\n}'


def test_braces_and_escaped_quotes_inside_strings_do_not_close_the_value() -> None:
    tricky = r'{"name": "a } ] { [ b", "note": "she said \"}\" twice", "path": "C:\\", "x": 1}'
    assert json.loads(tricky)["path"] == "C:\\"
    assert cut("json", tricky + " tail") == tricky


def test_brackets_that_are_not_json_are_passed_over() -> None:
    # prose in brackets before the answer, and a mismatched pair, are not the value sampling waits for
    assert cut("json", "[see note] {oops} " + KETTLE + " x") == "[see note] {oops} " + KETTLE
    assert cut("json", '{"a": 1] ' + KETTLE) == '{"a": 1] ' + KETTLE
    assert stop_at("json", "The kettle costs 24.99.") is None      # a bare number is not a value


def test_a_value_that_never_closes_is_kept_whole() -> None:
    unclosed = 'Sure! {"name": "Acme", "tags": ["a", "b'
    assert stop_at("json", unclosed) is None and cut("json", unclosed) == unclosed
    assert stop_at("json", '{"a": "}') is None                     # the brace is inside an open string


@pytest.mark.slow
def test_hostile_json_inputs_are_handled_in_linear_time() -> None:
    start = time.perf_counter()
    assert stop_at("json", "[" * 1_000_000) is None                   # 1 MB of `[`: never closes, kept whole
    deep = "[" * 100_000 + "]" * 100_000                              # valid, but deeper than Python can read
    assert stop_at("json", deep) is None
    many = "[x]" * 300_000 + "[1]"                                    # 300,000 balanced spans that are not JSON
    assert stop_at("json", many) == len(many)
    assert time.perf_counter() - start < 10


# -- inside transformers' generate -----------------------------------------------------------------------

def _generate(model_dir, prompt: str, rule: str, k: int = 1, max_new_tokens: int = 40):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteriaList
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    enc = tok([prompt], return_tensors="pt", add_special_tokens=False)
    width = enc["input_ids"].shape[1]
    criteria = StopCriteria(tok, rule, width)
    torch.manual_seed(0)
    out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=True, num_return_sequences=k,
                         pad_token_id=tok.eos_token_id, stopping_criteria=StoppingCriteriaList([criteria]))
    return [tok.decode(row[width:], skip_special_tokens=True) for row in out]


def test_generation_stops_right_after_the_json_object(tmp_path, tiny_model) -> None:
    from tiny_model import make_scripted_model
    answer = 'Ok {"a": "}", "b": [1]} and then more text that should never be generated'
    prompt = "Answer:"
    model = make_scripted_model(tiny_model, tmp_path / "scripted", prompt, list(answer))
    texts = _generate(model, prompt, "json", k=2, max_new_tokens=len(answer) + 1)
    # both sequences of the batch stop at the closing brace, long before the script runs out
    assert texts == ['Ok {"a": "}", "b": [1]}', 'Ok {"a": "}", "b": [1]}']
    newline = make_scripted_model(tiny_model, tmp_path / "scripted-nl", prompt, list("\n Paris\nLyon and more"))
    assert [cut("newline", t) for t in _generate(newline, prompt, "newline")] == ["\n Paris"]
    assert _generate(newline, prompt, "newline") == ["\n Paris\n"]   # generation ends on the newline token


def test_incremental_decoding_matches_a_full_decode_with_multibyte_characters(tiny_model) -> None:
    # byte-level tokens can hold half of a character: the criterion must not read a broken "\ufffd"
    import torch
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(tiny_model)
    text = 'Prix: {"name": "Théière «Aïko»", "price": 24.99, "tags": ["cuisine 🍵"]} après'
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) > len(text) // 2
    criteria = StopCriteria(tok, "json", 0)
    flags = [bool(criteria(torch.tensor([ids[:n]]), None)[0]) for n in range(1, len(ids) + 1)]
    first = flags.index(True)
    assert all(flags[first:])                                        # a finished sequence stays finished
    assert cut("json", tok.decode(ids[:first + 1])) == text[:text.index("]}") + 2]
    assert stop_at("json", tok.decode(ids[:first])) is None          # it stopped at the first token it could
