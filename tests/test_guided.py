"""`--guided`: the hf backend decodes only answers the task's grammar accepts (a real tiny transformers model
and llguidance), the verifier scores them exactly as without guidance, the GBNF and Lark forms carry the same
language into an engine, servers get the grammar in their structured-output fields, and misuse is one line."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from act_dsl.grammars.compile import guide_for
from act_dsl.grammars.derive import derive
from act_dsl.program import load
from conftest import EXAMPLES, run_act
from test_backends import Server, _have_vllm, rows

llguidance = pytest.importorskip("llguidance", reason="llguidance is not installed (pip install 'act-dsl[train]')")

TAGS = """
task tags {
  input  sentence: text
  output types: list<label> = split(first_line(response), ",")
  labels SET = {"/person", "/person/politician", "/location", "/location/city", "/event"}
  prompt "Sentence: {sentence}\\nTypes:"
  constraint known = all t in types: t in SET
  constraint some  = count(types) >= 1
  constraint brief = count(types) <= 2
  constraint named = any t in types: t in sentence fuzzy 80
}
"""


def _task(tmp_path: Path) -> tuple[Path, Path]:
    task, data = tmp_path / "tags.act", tmp_path / "data.jsonl"
    task.write_text(TAGS)
    data.write_text("".join(json.dumps({"sentence": s}) + "\n" for s in
                            ["Obama visited Paris .", "The war ended .", "Give the types of", "Paris"]))
    return task, data


@pytest.mark.slow  # two sampling runs (~40 s); the eval test below keeps guided hf decoding in the quick loop
def test_hf_guided_sampling_writes_only_answers_the_grammar_accepts(tmp_path: Path, tiny_model: Path) -> None:
    task, data = _task(tmp_path)
    regex = guide_for(load(task).graph())["regex"]
    found = {}
    for guided in (True, False):
        out = tmp_path / f"s{guided}.jsonl"
        r = run_act("sample", str(task), "--data", str(data), "--out", str(out), "--model", str(tiny_model), "-k", "4",
                    "--max-new-tokens", "16", *(["--guided"] if guided else []), timeout=300)
        assert r.returncode == 0, r.stderr
        found[guided] = [x for row in rows(out) for x in row["responses"]]
        assert all(row["settings"].get("guided", False) is guided for row in rows(out))
    assert len(found[True]) == 16 and all(re.fullmatch(regex, x) for x in found[True]), found[True]
    assert not all(re.fullmatch(regex, x) for x in found[False])  # the untrained model alone rarely is well formed


def test_guided_eval_scores_with_the_unchanged_verifier(tmp_path: Path, tiny_model: Path) -> None:
    from act_dsl.scoring.verifier import Row
    task, data = _task(tmp_path)
    out = tmp_path / "eval.json"
    r = run_act("eval", str(task), "--data", str(data), "--model", str(tiny_model), "--guided", "--max-new-tokens",
                "16", "--out-json", str(out), timeout=300)
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    verifier = load(task).verifier()
    sentences = [json.loads(x)["sentence"] for x in data.read_text().splitlines()]
    plain = verifier.score([Row({"sentence": s}, x["response"]) for s, x in zip(sentences, res["responses"])])
    assert [x["csr"] for x in res["responses"]] == pytest.approx(plain.csr)
    assert res["csr"] == pytest.approx(plain.mean_csr)
    assert all(x["pass"]["known"] and x["pass"]["some"] and x["pass"]["brief"] for x in res["responses"])
    # the generation is counted for a tokens/s per arm: at least one new token per answer, at most the cap
    assert len(sentences) <= res["tokens"] <= 16 * len(sentences)
    assert res["tokens_per_s"] == pytest.approx(res["tokens"] / res["generation_seconds"])
    assert 0 < res["generation_seconds"] <= res["seconds"]
    assert f"generation: {res['tokens']} new tokens in" in r.stdout


def _matcher(tok_folder: Path, grammar: str) -> tuple[object, object]:
    import llguidance.hf
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(tok_folder)
    ll = llguidance.hf.from_tokenizer(tok)
    assert llguidance.LLMatcher.validate_grammar(grammar, ll) == "", grammar[:300]
    return tok, llguidance.LLMatcher(ll, grammar, log_level=0)


def _accepts(tok: object, matcher: object, text: str) -> bool:
    matcher.reset()  # type: ignore[attr-defined]
    ids = tok(text, add_special_tokens=False)["input_ids"]  # type: ignore[operator]
    return matcher.consume_tokens(ids) and matcher.is_accepting()  # type: ignore[attr-defined]


@pytest.mark.parametrize("path,task", [("act_dsl/starters/label/task.act", None), ("examples/entity_typing/task.act", None),
                                       ("act_dsl/starters/json/task.act", None),
                                       ("examples/product_extraction/invoice.act", None),
                                       ("examples/product_extraction/task.act", None)])
def test_gbnf_and_lark_forms_accept_the_answers_the_regex_or_schema_accepts(path: str, task: str | None,
                                                                            tiny_model: Path) -> None:
    from llguidance.gbnf_to_lark import gbnf_to_lark
    root = EXAMPLES.parent
    g = guide_for(load(root / path).graph(task))
    forms = {"lark": g["lark"], "gbnf": gbnf_to_lark(g["gbnf"])}
    if g["kind"] == "json":
        props = g["json_schema"]["properties"]
        fill = {"string": "a \"q\" b", "number": -12.5, "boolean": True}
        good = {k: fill.get(v["type"] if isinstance(v["type"], str) else v["type"][0], []) for k, v in props.items()}
        long = {k: "x" * 300 if v == "a \"q\" b" else v for k, v in good.items()}  # a long string: right recursion
        yes = [json.dumps(good), " " + json.dumps(good), " " + json.dumps(good) + "\n", json.dumps(long)]
        no = [json.dumps({**good, "extra": 1}), "none"]
        later_first = json.dumps(dict(reversed(list(good.items()))))  # the fields out of their declared order
        less = [json.dumps(dict(list(good.items())[1:])), json.dumps(dict(list(good.items())[:1])), "{}"]
        if g["json_schema"]["required"]:  # every field required (a `conforms` constraint asks for them)
            no += less
        else:  # only `parses`: a field left out reads as none, as null does, so the grammar allows it
            yes += less + [json.dumps({k: None for k in good})]
            no += [later_first]
    else:
        items = derive(load(root / path).graph(task)).shape.items  # type: ignore[union-attr]
        yes = [" " + items[0], items[-1] + ", " + items[0] + "\n", items[0] + "," + items[0]]
        no = ["", items[0] + ", ", items[0] + " ,x", "x" + items[0]]
        assert all(re.fullmatch(g["regex"], y) for y in yes) and not any(re.fullmatch(g["regex"], n) for n in no)
    for name, grammar in forms.items():
        tok, m = _matcher(tiny_model, grammar)
        for y in yes:
            assert _accepts(tok, m, y), (name, y)
        for n in no:
            assert not _accepts(tok, m, n), (name, n)


@pytest.mark.slow
def test_openai_guided_sends_the_grammar_in_structured_output_fields(tmp_path: Path) -> None:
    s = Server()
    try:
        for path, key in ((EXAMPLES / "entity_typing" / "task.act", "regex"),
                          (EXAMPLES.parent / "act_dsl/starters/json/task.act", "json")):
            data = path.parent / "eval.jsonl"
            out = tmp_path / f"{key}.jsonl"
            r = run_act("sample", str(path), "--data", str(data), "--out", str(out), "--backend", "openai",
                        "--base-url", s.url, "-k", "2", "--first", "2", "--guided", timeout=120)
            assert r.returncode == 0, r.stderr
            g = guide_for(load(path).graph())
            body = s.posts[-1]
            assert body["structured_outputs"] == ({"regex": g["regex"]} if key == "regex" else {"json": g["json_schema"]})
            if key == "json":
                assert body["response_format"]["json_schema"]["schema"] == g["json_schema"]
            # a file sampled with --guided does not resume without it
            r = run_act("sample", str(path), "--data", str(data), "--out", str(out), "--backend", "openai",
                        "--base-url", s.url, "-k", "2", "--first", "3", timeout=120)
            assert r.returncode == 2 and "guided" in r.stderr and "Traceback" not in r.stderr
    finally:
        s.close()


def test_guided_on_a_task_without_a_grammar_is_one_line(tmp_path: Path) -> None:
    span = EXAMPLES.parent / "act_dsl/starters/span"
    r = run_act("sample", str(span / "task.act"), "--data", str(span / "eval.jsonl"), "--out",
                str(tmp_path / "s.jsonl"), "--guided", timeout=120)
    assert r.returncode == 2 and "no constraint a decoding grammar can enforce" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not _have_vllm(), reason="vLLM is not installed here (pip install 'act-dsl[vllm]'); "
                    "its structured outputs are tested where it is")
def test_vllm_guided_parameters_build_in_the_installed_vllm() -> None:
    import vllm
    from act_dsl.sampling.guided import vllm_params
    g = guide_for(load(EXAMPLES / "entity_typing" / "task.act").graph())
    (params,) = vllm_params(vllm, g).values()
    assert getattr(params, "regex", None) == g["regex"]


@pytest.mark.slow
def test_train_guided_samples_well_formed_candidates(tmp_path: Path, tiny_model: Path) -> None:
    task, data = _task(tmp_path)
    (tmp_path / "train.jsonl").write_text(data.read_text())
    (tmp_path / "eval.jsonl").write_text(data.read_text())
    out = tmp_path / "run"
    r = run_act("train", str(task), "--model", str(tiny_model), "--run-dir", str(out), "--samples", "4", "--epochs",
                "1", "--max-new-tokens", "16", "--guided", "--force", timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    regex = guide_for(load(task).graph())["regex"]
    candidates = [x for row in rows(out / "samples.jsonl") for x in row["responses"]]
    assert len(candidates) == 16 and all(re.fullmatch(regex, x) for x in candidates), candidates
    gen = json.loads((out / "config.json").read_text())["config"]["gen"]
    assert gen["guided"] is True and gen["guide"]["regex"] == regex
