"""Broken encodings in data, .act files, label files and file names: invalid UTF-8, lone surrogates, BOMs,
NUL bytes, CRLF and mixtures. Each bad line is reported with its file and line; good lines keep their scores."""
from __future__ import annotations

from spec import LINE2, PREVIOUS, SKIP, Case, Ref, jl, score, task

GOOD = b'{"context": "The cat sat on the mat .", "response": "the cat"}\n'   # CSR 1 under ctx.act
GOOD_ENDS = {1: {"csr": 1.0}, 3: {"csr": 1.0}}
LINE1 = r"data\.jsonl:1\b"
CTX = Ref("ctx.act")
ACT = task("  constraint short = count(words(answer)) <= 5\n")   # a valid task


def around(bad: bytes) -> dict:
    """ctx.act and a data file with `bad` as line 2 between two good records."""
    return {"task.act": CTX, "data.jsonl": GOOD + bad + b"\n" + GOOD}


def surrogate(field: str, value: str) -> dict:
    rec = {"context": "The cat sat on the mat .", "response": "the cat", field: value}
    return {"task.act": CTX, "data.jsonl": GOOD.decode() + jl(rec) + GOOD.decode()}


def lint_bytes(data: bytes) -> dict:
    return {"task.act": data}


CASES = [
    # ---- data files ------------------------------------------------------------------------------
    Case("enc-data-invalid-utf8-skip", "encoding", "Latin-1 bytes on line 2, --on-error skip", score(*SKIP),
         around(b'{"context": "caf\xe9 au lait", "response": "caf\xe9"}'), has=(LINE2,), values=GOOD_ENDS),
    Case("enc-data-invalid-utf8-fail", "encoding", "Latin-1 bytes on line 2: a data error, output untouched",
         score("--out", "out.jsonl"), around(b'{"context": "caf\xe9", "response": "caf\xe9"}'), exit=(1,),
         has=(LINE2,), previous={"out.jsonl": PREVIOUS}),
    Case("enc-data-overlong-utf8", "encoding", "an overlong UTF-8 sequence (C0 AF)", score(*SKIP),
         around(b'{"context": "a\xc0\xafb", "response": "a"}'), has=(LINE2,), values=GOOD_ENDS),
    Case("enc-data-encoded-surrogate", "encoding", "a surrogate encoded as UTF-8 bytes (ED A0 80)", score(*SKIP),
         around(b'{"context": "a\xed\xa0\x80b", "response": "a"}'), has=(LINE2,), values=GOOD_ENDS),
    Case("enc-data-truncated-utf8", "encoding", "a multi-byte character cut in half at the end of a line",
         score(*SKIP), around(b'{"context": "abc", "response": "\xe2\x82"}'), has=(LINE2,), values=GOOD_ENDS),
    Case("enc-data-latin1-file", "encoding", "a whole data file in Latin-1", score(),
         {"task.act": CTX, "data.jsonl": b'{"context": "caf\xe9", "response": "caf\xe9"}\n'}, exit=(1,),
         has=(LINE1,)),
    Case("enc-data-surrogate-response", "encoding", "a lone surrogate (\\ud800) in one response", score(*SKIP),
         surrogate("response", "the \ud800 cat"), values=GOOD_ENDS),
    Case("enc-data-surrogate-response-default", "encoding", "a lone surrogate without --on-error skip", score(),
         surrogate("response", "\udfff"), exit=(0, 1), has_if={1: (LINE2,)}),
    Case("enc-data-surrogate-context", "encoding", "a lone surrogate in an input field", score(*SKIP),
         surrogate("context", "The cat \udc00 sat"), values=GOOD_ENDS),
    Case("enc-data-surrogate-id", "encoding", "a lone surrogate in an `id` copied into the output", score(*SKIP),
         surrogate("id", "row-\ud800"), values=GOOD_ENDS),
    Case("enc-data-surrogate-id-out", "encoding", "a lone surrogate in an `id`, output to a file",
         score("--out", "out.jsonl", *SKIP), surrogate("id", "\ud801"), values=GOOD_ENDS),
    Case("enc-data-surrogate-pair", "encoding", "a correct surrogate pair (an emoji) is ordinary text", score(),
         {"task.act": CTX, "data.jsonl": jl({"context": "The cat \ud83d\ude00 sat .", "response": "cat \ud83d\ude00"})},
         values={1: {"in_context": True, "csr": 1.0}}),
    Case("enc-data-bom", "encoding", "a UTF-8 BOM before the first record", score(*SKIP),
         {"task.act": CTX, "data.jsonl": b"\xef\xbb\xbf" + GOOD + GOOD}, values={2: {"csr": 1.0}}),
    Case("enc-data-bom-every-line", "encoding", "files concatenated with their BOMs", score(*SKIP),
         {"task.act": CTX, "data.jsonl": b"\xef\xbb\xbf" + GOOD + b"\xef\xbb\xbf" + GOOD}),
    Case("enc-data-utf16", "encoding", "a UTF-16 data file", score(),
         {"task.act": CTX, "data.jsonl": "\ufeff".encode("utf-16-le") + GOOD.decode().encode("utf-16-le")},
         exit=(1,), has=(LINE1,)),
    Case("enc-data-nul-raw", "encoding", "a raw NUL byte inside a JSON string", score(*SKIP),
         around(b'{"context": "a\x00b", "response": "a"}'), has=(LINE2,), values=GOOD_ENDS),
    Case("enc-data-nul-line", "encoding", "a line of NUL bytes", score(*SKIP), around(b"\x00" * 1000),
         has=(LINE2,), values=GOOD_ENDS),
    Case("enc-data-nul-escaped", "encoding", "\\u0000 escapes in a response", score(),
         around(b'{"context": "The cat sat .", "response": "the\\u0000cat\\u0000"}'), values=GOOD_ENDS),
    Case("enc-data-control-chars", "encoding", "terminal escapes and bells in a response", score(),
         around(b'{"context": "The cat sat .", "response": "\\u001b[2J\\u0007the cat\\u001b]0;x\\u0007"}'),
         values=GOOD_ENDS),
    Case("enc-data-crlf", "encoding", "CRLF line ends", score(),
         {"task.act": CTX, "data.jsonl": GOOD.replace(b"\n", b"\r\n") * 2},
         values={1: {"csr": 1.0}, 2: {"csr": 1.0}}),
    Case("enc-data-cr-only", "encoding", "old-Mac CR-only line ends", score(*SKIP),
         {"task.act": CTX, "data.jsonl": GOOD.replace(b"\n", b"\r") * 3}),
    Case("enc-data-mixed-endings", "encoding", "LF, CRLF and blank CRLF lines mixed", score(),
         {"task.act": CTX, "data.jsonl": GOOD + GOOD.replace(b"\n", b"\r\n") + b"\r\n" + GOOD},
         values={1: {"csr": 1.0}, 2: {"csr": 1.0}, 4: {"csr": 1.0}}),
    Case("enc-data-fullwidth", "encoding", "fullwidth letters and ligatures, equal after NFKC", score(),
         {"task.act": CTX, "data.jsonl": jl({"context": "The ﬁne cat sat .", "response": "ｔｈｅ ﬁne cat"})},
         values={1: {"in_context": True}}),
    Case("enc-data-file-name-not-utf8", "encoding", "a data file whose name is not UTF-8, with a bad line",
         score(data="d\udcff.jsonl"), {"task.act": CTX, "d\udcff.jsonl": GOOD + b"{oops\n"}, exit=(1,)),
    # ---- .act files ------------------------------------------------------------------------------
    Case("enc-act-crlf", "encoding", "an .act file with CRLF line ends: positions still right",
         ("lint", "task.act"), {"task.act": ACT.replace("count(words(answer))", "count(words(answr))")
                                .replace("\n", "\r\n")}, exit=(1,), has=(r"task\.act:3:\d+: ACT101",)),
    Case("enc-act-cr-only", "encoding", "an .act file with CR-only line ends", ("lint", "task.act"),
         {"task.act": ACT.replace("\n", "\r")}),
    Case("enc-act-bom", "encoding", "an .act file starting with a BOM", ("lint", "task.act"),
         {"task.act": b"\xef\xbb\xbf" + ACT.encode()}),
    Case("enc-act-utf16", "encoding", "an .act file saved as UTF-16", ("lint", "task.act"),
         lint_bytes("\ufeff".encode("utf-16-le") + ACT.encode("utf-16-le")), exit=(2,), has=(r"ACT002",)),
    Case("enc-act-invalid-utf8", "encoding", "Latin-1 bytes in an .act string", ("lint", "task.act"),
         lint_bytes(ACT.encode().replace(b"count", b'count(words("caf\xe9")) >= 0 and count', 1)), exit=(2,),
         has=(r"ACT002",)),
    Case("enc-act-encoded-surrogate", "encoding", "a UTF-8-encoded surrogate in an .act file", ("lint", "task.act"),
         lint_bytes(b"# \xed\xa0\x80\n" + ACT.encode()), exit=(2,), has=(r"ACT002",)),
    Case("enc-act-nul", "encoding", "a NUL byte in an .act file", ("lint", "task.act"),
         lint_bytes(ACT.encode() + b"\x00"), exit=(2,), has=(r"ACT002",)),
    Case("enc-act-zero-width-name", "encoding", "a zero-width space inside a constraint name",
         ("lint", "task.act"), {"task.act": ACT.replace("short", "sh\u200bort")}, exit=(1,), has=(r"ACT001",)),
    Case("enc-act-bidi-string", "encoding", "a right-to-left override inside a prompt string",
         ("compile", "task.act", "--emit", "dot"),
         {"task.act": ACT.replace("  constraint", '  prompt "abc \u202e{x}"\n  constraint', 1)
          .replace("{x}", "")}),
    Case("enc-act-file-name-not-utf8", "encoding", "a folder holding an .act file whose name is not UTF-8",
         ("lint", "."), {"bad\udcff.act": ACT.replace("strip(response)", "strip(response")}, exit=(1,)),
    # ---- label files and imports ----------------------------------------------------------------------
    Case("enc-labels-bom-crlf", "encoding", "a label file with a BOM and CRLF line ends", ("test", "task.act"),
         {"task.act": Ref("labels_test.act"), "labels.txt": b"\xef\xbb\xbf/person\r\n/location \r\n"},
         has=(r"2 passed",)),
    Case("enc-labels-invalid-utf8", "encoding", "a label file in Latin-1", ("lint", "task.act"),
         {"task.act": Ref("labels.act"), "labels.txt": b"/person\n/caf\xe9\n"}, exit=(1,), has=(r"ACT115",)),
    Case("enc-labels-nul", "encoding", "a label file with NUL bytes", ("lint", "task.act"),
         {"task.act": Ref("labels.act"), "labels.txt": b"/person\x00\n/location\n"}, exit=(1,), has=(r"ACT115",)),
    Case("enc-labels-utf16", "encoding", "a label file saved as UTF-16", ("lint", "task.act"),
         {"task.act": Ref("labels.act"), "labels.txt": "\ufeff/person\n".encode("utf-16-le")}, exit=(1,),
         has=(r"ACT115",)),
    Case("enc-import-invalid-utf8", "encoding", "an imported file in Latin-1", ("lint", "task.act"),
         {"task.act": Ref("import_lib.act"), "lib.act": b"# caf\xe9\ndefine short_answer(x: text) = true\n"},
         exit=(1,), has=(r"ACT107",)),
]
