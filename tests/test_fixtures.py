"""Every diagnostic code has a fixture: a bad .act file, the code, line and underlined text it must produce, and its
hint. The first line says them: `# expect: ACTnnn line N underlining: TEXT` (TEXT ending in `...`: the underline
starts with the rest, for an underline over several lines or a very long one)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import act_dsl
from act_dsl.diagnostics.codes import CODES

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(FIXTURES.glob("ACT*.act"))


def _expectation(path: Path) -> tuple[str, int, str, str]:
    head = path.read_text().splitlines()
    m = re.match(r"# expect: (ACT\d+) line (\d+) underlining: (.+)$", head[0])
    assert m, f"{path.name} needs a `# expect: ACTnnn line N underlining: TEXT` header"
    hint = head[1].split("# hint:", 1)[1].strip() if head[1].startswith("# hint:") else ""
    return m.group(1), int(m.group(2)), m.group(3), hint


def _underlines(text: str, expected: str) -> bool:
    return text.startswith(expected[:-3]) if expected.endswith("...") else text == expected


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_fixture_reports_its_code_line_underline_and_hint(path: Path) -> None:
    code, line, underline, hint = _expectation(path)
    program = act_dsl.load(path)
    hits = [d for d in program.diagnostics if d.code == code]
    assert hits, f"{path.name}: no {code}; got {[str(d) for d in program.diagnostics]}"
    placed = [d.span for d in hits if d.span is not None and d.span.line == line]
    assert placed, [str(d) for d in hits]
    assert any(_underlines(s.text, underline) for s in placed), [s.text for s in placed]
    if hint:
        assert any(d.hint and hint in d.hint for d in hits), [d.hint for d in hits]
    for d in program.diagnostics:  # every span lies inside its file
        if d.span is not None:
            assert 0 <= d.span.start <= d.span.end <= len(d.span.source.text)


def test_every_code_has_a_fixture() -> None:
    covered = {p.name.split("_")[0] for p in FILES} | {"ACT002"}  # ACT002: see test_bad_files.py
    assert set(CODES) <= covered, sorted(set(CODES) - covered)


def test_inline_suppression_silences_only_the_named_code() -> None:
    text = (FIXTURES / "ACT303_unused_input.act").read_text()
    quiet = text.replace("input extra: text", "input extra: text   # act: ignore[ACT303]")
    assert not [d for d in act_dsl.loads(quiet, folder=FIXTURES).diagnostics if d.code == "ACT303"]
    other = text.replace("input extra: text", "input extra: text   # act: ignore[ACT301]")
    assert [d for d in act_dsl.loads(other, folder=FIXTURES).diagnostics if d.code == "ACT303"]


def test_duplicate_points_at_the_first_definition() -> None:
    program = act_dsl.load(FIXTURES / "ACT106_duplicate.act")
    dup = next(d for d in program.diagnostics if d.code == "ACT106")
    assert dup.related and dup.related[0][1].line == 4


def test_strict_load_raises_one_error_with_all_diagnostics() -> None:
    bad = "task t {\n output y: text = strip(respons)\n constraint c = count(wordz(y)) >= 1\n}\n"
    with pytest.raises(act_dsl.ActError) as info:
        act_dsl.loads(bad, strict=True)
    codes = sorted(d.code for d in info.value.diagnostics)
    assert codes == ["ACT101", "ACT102"]
    assert "did you mean `response`?" in [d.hint for d in info.value.diagnostics if d.code == "ACT101"][0]
