"""The docs are tests: every op, keyword and stdlib define is documented, every ```act block lints and passes."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import act_dsl
from act_dsl.diagnostics.diagnostic import Severity
from act_dsl.examples_runner import run_examples
from act_dsl.explain import parse_sections
from act_dsl.ops.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = ROOT / "docs" / "language.md"
_SKIP_DIRS = {".venv", ".git", "node_modules", "runs", "build", "dist", ".pytest_cache"}
_FENCE = re.compile(r"^```([\w-]*)\s*$")


def _markdown_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.md") if not _SKIP_DIRS & set(p.relative_to(ROOT).parts))


def _blocks(path: Path) -> list[tuple[str, int, str]]:
    """(info string, first line, text) of every fenced block of a Markdown file."""
    out, lines, i = [], path.read_text(encoding="utf-8").splitlines(), 0
    while i < len(lines):
        m = _FENCE.match(lines[i].strip())
        if m:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), len(lines))
            out.append((m.group(1), i + 2, "\n".join(lines[i + 1:end]) + "\n"))
            i = end + 1
        else:
            i += 1
    return out


def _act_blocks() -> list:
    files = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", *sorted(ROOT.glob("examples/*/README.md"))]
    params = []
    for f in files:
        for info, line, text in _blocks(f):
            if info in ("act", "act-fragment"):
                params.append(pytest.param(f, info, line, text, id=f"{f.relative_to(ROOT)}:{line}"))
    return params


@pytest.mark.parametrize("path,info,line,text", _act_blocks())
def test_act_blocks_lint_clean_and_pass(path: Path, info: str, line: int, text: str) -> None:
    program = act_dsl.loads(text, path=f"{path.relative_to(ROOT)}:{line}", folder=path.parent)
    if info == "act-fragment":  # deliberately partial: it must parse, names may be left open
        assert not [d for d in program.diagnostics if d.code in ("ACT001", "ACT003")], program.diagnostics
        return
    problems = [f"{d.code} {d.message} (block line {d.span.line if d.span else '?'})"
                for d in program.diagnostics if d.severity >= Severity.WARNING]
    assert not problems, f"{path.name}:{line}: " + "; ".join(problems)
    checked, failures = run_examples(program)
    assert not failures, "\n".join(f.render() for f in failures)
    if "expect " in text:
        assert checked > 0


def _documented() -> dict:
    return parse_sections(LANGUAGE.read_text(encoding="utf-8"))


def test_every_op_and_keyword_has_its_section() -> None:
    docs = _documented()
    undocumented = [name for name in REGISTRY if name not in docs]
    assert not undocumented, f"functions without a `#### \\`NAME(...)\\`` section in docs/language.md: {undocumented}"
    for op in REGISTRY.values():
        body = "\n".join(s.heading + "\n" + s.body for s in docs[op.name])
        for kw, _, _ in op.kwargs:
            assert f"{kw}:" in body, f"keyword argument `{kw}:` of `{op.name}` is not in its section"


def _stdlib_defines() -> list[tuple[str, str]]:
    found = []
    for f in sorted((ROOT / "stdlib_constraints").glob("*.act")):
        for m in re.finditer(r"^define\s+([A-Za-z_]\w*)\s*\(", f.read_text(encoding="utf-8"), re.M):
            found.append((f"std/{f.stem}", m.group(1)))
    return found


def test_every_stdlib_define_has_its_section() -> None:
    docs = _documented()
    defines = _stdlib_defines()
    assert len(defines) >= 20  # the four stdlib files were read
    missing = [f"{mod}: {name}" for mod, name in defines if name not in docs]
    assert not missing, f"stdlib defines without a section in docs/language.md: {missing}"
    for mod, name in defines:
        assert any(s.chapter == "The standard library" for s in docs[name]), f"{name} is not under the stdlib"


def test_every_statement_has_its_section() -> None:
    docs = _documented()
    for keyword in ("task", "doc", "input", "output", "labels", "let", "prompt", "constraint", "group", "example",
                    "expect", "import", "define", "reference", "stop"):
        assert keyword in docs, f"statement `{keyword}` has no section in docs/language.md"


_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _anchors(path: Path) -> set[str]:
    """GitHub-style anchors of a Markdown file's headings."""
    out = set()
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def test_every_relative_link_resolves_inside_the_repository() -> None:
    bad = []
    for md in _markdown_files():
        text = re.sub(r"```.*?```", "", md.read_text(encoding="utf-8"), flags=re.S)
        for target in _LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            path_part, _, anchor = target.partition("#")
            dest = (md.parent / path_part).resolve() if path_part else md
            where = f"{md.relative_to(ROOT)}: ({target})"
            if not dest.is_relative_to(ROOT):
                bad.append(f"{where} leaves the repository")
            elif not dest.exists():
                bad.append(f"{where} does not exist")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                bad.append(f"{where} has no heading #{anchor}")
    assert not bad, "\n".join(bad)


def test_readme_links_the_docs_and_keeps_its_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ("docs/language.md", "docs/cli.md", "docs/architecture.md"):
        assert f"]({doc})" in readme
        assert (ROOT / doc).is_file()
    assert "make demo" in readme and "make test" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def _explain(name: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "act_dsl", "explain", name], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.slow
def test_explain_prints_function_define_and_code_docs() -> None:
    got = _explain("json")
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith("json(x)") and "first complete JSON object" in got.stdout
    got = _explain("consistent_hierarchy")
    assert got.returncode == 0, got.stderr
    assert "consistent_hierarchy(xs, set)" in got.stdout and "`/person/artist` needs `/person`" in got.stdout
    assert "The standard library" in got.stdout
    got = _explain("ACT201")
    assert got.returncode == 0 and got.stdout.startswith("ACT201 argument-type (error)")
    got = _explain("entities")
    assert "types:" in got.stdout


def test_explain_unknown_name_suggests_the_closest() -> None:
    got = _explain("consistent_hierarchie")
    assert got.returncode == 2
    assert "did you mean `consistent_hierarchy`?" in got.stderr
    assert "Traceback" not in got.stderr


@pytest.mark.slow
def test_cli_doc_lists_every_flag_of_every_command() -> None:
    cli_doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = []
    for command in ("lint", "explain", "test", "compile", "score", "trace", "probe", "card", "sample", "train", "eval",
                    "serve"):
        assert f"act {command}" in cli_doc, f"`act {command}` is not in docs/cli.md"
        got = subprocess.run([sys.executable, "-m", "act_dsl", command, "--help"], capture_output=True, text=True,
                             timeout=60)
        for flag in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", got.stdout)) - {"--help"}):
            if f"`{flag}" not in cli_doc:
                missing.append(f"act {command} {flag}")
    assert not missing, "flags missing from docs/cli.md: " + ", ".join(missing)


def test_tests_readme_names_every_test_file() -> None:
    """tests/README.md maps a change to its tests: a new test file that it does not name is lost to the next person."""
    page = (ROOT / "tests" / "README.md").read_text()
    unnamed = sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if f"`{p.name}`" not in page)
    assert not unnamed, "tests/README.md does not name: " + ", ".join(unnamed)
