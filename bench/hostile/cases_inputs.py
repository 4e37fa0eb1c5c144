"""Huge and deep inputs (numbers, nesting, 50 MB lines, big answers, groups, label sets), and records that
must not poison their batch."""
from __future__ import annotations

from spec import ERROR, LINE2, OUT_JSON, PREVIOUS, SKIP, Case, Gen, Ref, jl, score

CTX = Ref("ctx.act")
GOOD_ENDS = {1: {"csr": 1.0}, 3: {"csr": 1.0}}   # the good records around a hostile one keep their scores


def ctx(data: Gen | str) -> dict:
    return {"task.act": CTX, "data.jsonl": data}


def num(data: Gen | str) -> dict:
    return {"task.act": Ref("number.act"), "data.jsonl": data}


CASES = [
    # ---- numbers no float holds, JSON nested 100,000 deep (--on-error skip must survive them) ----
    Case("huge-number-5000-digits-skip", "huge", "a 5,000-digit integer input under --on-error skip",
         score(*SKIP), num(Gen.of("digits_record", digits=5000)), has=(LINE2,), values=GOOD_ENDS),
    Case("huge-number-5000-digits-fail", "huge", "a 5,000-digit integer: a data error naming its line",
         score("--out", "out.jsonl"), num(Gen.of("digits_record", digits=5000)), exit=(1,), has=(LINE2,),
         previous={"out.jsonl": PREVIOUS}),
    Case("huge-number-5000-digits-extra-field", "huge", "a 5,000-digit integer in a field no input reads",
         score(*SKIP), num(Gen.of("digits_record", digits=5000, where="id")), values=GOOD_ENDS),
    Case("huge-number-5000-digit-fraction", "huge", "a 5,000-digit decimal (beyond any float)",
         score(*SKIP), num(Gen.of("digits_record", digits=5000, frac=True)), values=GOOD_ENDS),
    Case("huge-number-1e999", "huge", "the JSON number 1e999 (infinite as a float)", score(*SKIP),
         num('{"n": 3, "context": "a b", "response": "a"}\n{"n": 1e999, "context": "a b", "response": "a"}\n'),
         values={1: {"csr": 1.0}}),
    Case("huge-deep-list-skip", "huge", "a field nested 100,000 lists deep under --on-error skip",
         score(*SKIP), ctx(Gen.of("deep_record", depth=100_000)), has=(LINE2,), values=GOOD_ENDS),
    Case("huge-deep-list-fail", "huge", "a field nested 100,000 deep: a data error naming its line",
         score("--out", "out.jsonl"), ctx(Gen.of("deep_record", depth=100_000)), exit=(1,), has=(LINE2,),
         previous={"out.jsonl": PREVIOUS}),
    Case("huge-deep-object-skip", "huge", "objects nested 100,000 deep", score(*SKIP),
         ctx(Gen.of("deep_record", depth=100_000, kind="object")), has=(LINE2,), values=GOOD_ENDS),
    Case("huge-deep-response-skip", "huge", "the response itself nested 100,000 deep", score(*SKIP),
         ctx(Gen.of("deep_record", depth=100_000, where="response")), has=(LINE2,), values=GOOD_ENDS),
    # ---- 50 MB lines -------------------------------------------------------------------------------
    Case("huge-line-50mb-response-skip", "huge", "a 50 MB response (over --max-chars)", score(*SKIP),
         ctx(Gen.of("big_line", mb=50)), has=(LINE2,), values=GOOD_ENDS, time_s=20, mem_mb=1200),
    Case("huge-line-50mb-garbage", "huge", "one 50 MB line that is not JSON, no newline", score(),
         ctx(Gen.of("big_line", mb=50, kind="garbage")), exit=(1,), has=(r"data\.jsonl:1\b",), time_s=20,
         mem_mb=1200),
    Case("huge-line-50mb-spaces", "huge", "a 50 MB line of spaces between two records: skipped as blank, or refused",
         score(), ctx(Gen.of("big_line", mb=50, kind="spaces")), exit=(0, 1), has_if={1: (LINE2,)},
         values={1: {"csr": 1.0}, 3: {"csr": 1.0}}, time_s=20, mem_mb=1200),
    Case("huge-line-10mb-allowed", "huge", "a 10 MB answer let in by --max-chars: bounded work or a row error",
         score("--max-chars", "30000000"), ctx(Gen.of("big_line", mb=10)), values=GOOD_ENDS, time_s=20,
         mem_mb=2000),
    Case("huge-one-token-1mb", "huge", "a 1,000,000-character word", score(), ctx(Gen.of("one_token", mb=1.0)),
         values=GOOD_ENDS),
    Case("huge-nfkc-bomb", "huge", "600 kB of U+FDFA, which NFKC expands eighteen-fold", score(),
         ctx(Gen.of("nfkc_bomb", kb=600)), values=GOOD_ENDS, mem_mb=1000),
    # ---- one record's work: pairs, label sets, groups, fuzzy windows ---------------------------------
    Case("huge-pairs-10000-same-items", "huge", "a pair quantifier over 10,000 equal items (10^8 pairs)",
         score(), {"task.act": Ref("pairs.act"), "data.jsonl": Gen.of("pair_items", n=10_000, same=True)},
         values={1: {"distinct": True}, 2: {"distinct": ERROR}}, mem_mb=1000),  # a limit: a verifier error
    Case("huge-pairs-10000-trace", "huge", "`act trace` of the 10,000-item record",
         ("trace", "task.act", "--data", "data.jsonl", "--line", "2"),
         {"task.act": Ref("pairs.act"), "data.jsonl": Gen.of("pair_items", n=10_000)}, exit=(0, 1), mem_mb=1000),
    Case("huge-labels-400kb-vs-1m", "huge", "a 400 kB answer, fuzzily, against a 1,000,000-label set", score(),
         {"task.act": Ref("labels.act"), "labels.txt": Gen.of("label_file", n=1_000_000),
          "data.jsonl": Gen.of("label_answer", kb=400)}, values={1: {"in_set": True}, 3: {"in_set": True}},
         time_s=20, mem_mb=2000),
    Case("huge-labels-400kb-one-item-vs-100k", "huge", "one 400 kB label, fuzzily, against 100,000 labels",
         score(), {"task.act": Ref("labels.act"), "labels.txt": Gen.of("label_file", n=100_000),
                   "data.jsonl": Gen.of("label_answer", kb=400, items=False)},
         values={1: {"in_set": True}}, time_s=20, mem_mb=2000),
    Case("huge-labels-400kb-vs-100k", "huge", "a 400 kB answer against 100,000 labels", score(),
         {"task.act": Ref("labels.act"), "labels.txt": Gen.of("label_file", n=100_000),
          "data.jsonl": Gen.of("label_answer", kb=400)}, values={1: {"in_set": True}}, mem_mb=1500),
    Case("huge-lint-1m-labels", "huge", "`act lint` of a task that loads 1,000,000 labels", ("lint", "task.act"),
         {"task.act": Ref("labels.act"), "labels.txt": Gen.of("label_file", n=1_000_000)}, mem_mb=1000),
    Case("huge-label-file-25mb", "huge", "a 25 MB label file (over the documented limit)", ("lint", "task.act"),
         {"task.act": Ref("labels.act"), "labels.txt": Gen.of("big_line", mb=25, kind="garbage")}, exit=(1,),
         has=(r"ACT115",)),
    Case("huge-group-4000", "huge", "a 4,000-record group under a pair constraint (16 million pairs)", score(),
         {"task.act": Ref("group.act"), "data.jsonl": Gen.of("group_records", n=4000)},
         values={1: {"differ": True, "csr": 1.0}, 2: {"differ": True}}, time_s=20, mem_mb=1500),
    Case("huge-fuzzy-20kb-in-1mb", "huge", "a 20 kB answer fuzzily inside a 1 MB context", score(),
         ctx(Gen.of("context_answer", ctx_kb=1000, ans_kb=20)), values=GOOD_ENDS, mem_mb=1000),
    Case("huge-fuzzy-20kb-not-in-1mb", "huge", "a 20 kB answer that is nowhere in a 1 MB context", score(),
         ctx(Gen.of("context_answer", ctx_kb=1000, ans_kb=20, copy=False)), values=GOOD_ENDS, mem_mb=1000),
    Case("huge-answer-1mb-vs-short-context", "huge", "a 1 MB answer against a short context", score(),
         ctx(Gen.of("big_line", mb=0.99)), values=GOOD_ENDS),
    Case("huge-responses-10000", "huge", "one record with 10,000 responses", score(),
         ctx(Gen.of("responses_list", n=10_000)), values=GOOD_ENDS),
    Case("huge-keys-200000", "huge", "one record with 200,000 extra keys", score(),
         ctx(Gen.of("many_keys", n=200_000)), values=GOOD_ENDS),
    Case("huge-blank-lines-400000", "huge", "400,000 blank lines around two records", score(),
         ctx(Gen.of("blank_lines", n=200_000))),
    Case("huge-records-20000", "huge", "20,000 small records (throughput inside the budget)", score(),
         ctx(Gen.of("many_records", n=20_000)), values={1: {"csr": 1.0}, 20_000: {"csr": 1.0}}),
    Case("huge-only-blank-lines", "huge", "a data file of blank lines only", score(), ctx("\n  \n\r\n\n"),
         exit=(1,), has=(r"(?i)no records|empty",)),
    # ---- one record must not poison its batch ---------------------------------------------------------
    Case("isolation-entities-lone-surrogate", "isolation", "a lone surrogate in one record of an entities() batch",
         score(*SKIP), {"task.act": Ref("entities.act"), "data.jsonl": jl(
             {"document": "Barack Obama visited Paris .", "response": "Barack Obama visited Paris ."},
             {"document": "Angela Merkel met Obama in Berlin .", "response": "Angela Merkel \ud800 met Obama ."},
             {"document": "Angela Merkel met Barack Obama in Berlin .",
              "response": "Angela Merkel met Barack Obama in Berlin ."})},
         values={1: {"grounded": True, "csr": 1.0}, 3: {"grounded": True, "csr": 1.0}}, time_s=40, mem_mb=1200),
    Case("isolation-entities-huge-document", "isolation", "a 1.2 MB document (over spaCy's max_length) in a batch",
         score(), {"task.act": Ref("entities.act"), "data.jsonl": Gen.of("big_document", kb=1200)},
         values={1: {"grounded": True, "csr": 1.0}, 3: {"grounded": True, "csr": 1.0}}, time_s=40, mem_mb=2500),
    Case("isolation-bad-date-one-row", "isolation", "\"31 February 1990\" in one row's answer", score(*OUT_JSON),
         {"task.act": Ref("temporal.act"), "data.jsonl": jl(
             {"question": "Where did she work in 1990?", "response": "In Paris in March 1990"},
             {"question": "Where did she work in 1990?", "response": "In Paris on 31 February 1990"},
             {"question": "Where did she work in 1990?", "response": "In Rome in May 1990"})},
         values={1: {"in_period": True, "csr": 1.0}, 3: {"in_period": True, "csr": 1.0}}, invalid_counted=True,
         time_s=20),
    Case("isolation-pairs-one-huge-row", "isolation", "a 10,000-item answer beside two small ones", score(),
         {"task.act": Ref("pairs.act"), "data.jsonl": Gen.of("pair_items", n=10_000)},
         values={1: {"distinct": True, "csr": 1.0}, 3: {"distinct": True, "csr": 1.0}}, mem_mb=1000),
    Case("isolation-group-lone-surrogate", "isolation", "a lone surrogate in one member of a group", score(*SKIP),
         {"task.act": Ref("group.act"), "data.jsonl": jl(
             {"subject": "Ann", "question": "q1", "response": "Paris"},
             {"subject": "Ann", "question": "q2", "response": "Lyon \ud800"},
             {"subject": "Bob", "question": "q1", "response": "Rome"},
             {"subject": "Bob", "question": "q2", "response": "Oslo"})},
         values={3: {"differ": True, "csr": 1.0}, 4: {"differ": True, "csr": 1.0}}),
    Case("isolation-regex-row", "isolation", "one row's backtracking pattern on a 5,000-character answer", score(),
         {"task.act": Ref("regex_field.act"), "data.jsonl": jl(
             {"pattern": "^[a-z ]+$", "response": "plain words"},
             {"pattern": "^(a|aa)+$", "response": "a" * 5000 + "b"},
             {"pattern": "^[a-z]+$", "response": "words"})},
         values={1: {"shaped": True, "csr": 1.0}, 2: {"shaped": False}, 3: {"shaped": True, "csr": 1.0}}),
]
