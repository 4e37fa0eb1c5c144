"""The wire formats `act serve` speaks besides its own: OpenRLHF's remote reward URL and NeMo Gym's `/verify`.

Each turns a request body into act records (task inputs plus `response`) and the scored results back into what
the engine's own client reads. Nothing here scores; app.py does, the same way for every protocol."""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from act_dsl.scoring.reward import last_user_text

# end-of-sequence markers OpenRLHF leaves at the end of a query (it decodes with skip_special_tokens=False)
EOS_MARKERS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<end_of_turn>", "<|end|>", "</s>")


class ProtocolError(ValueError):
    """A request body that does not follow the protocol; the message is the one line the client reads (HTTP 422)."""


def fill_prompt(record: dict[str, Any], inputs: Mapping[str, str], prompt: Any) -> dict[str, Any]:
    """A task input named `prompt` that the record lacks is filled from the engine's prompt (its last user turn)."""
    if "prompt" in inputs and "prompt" not in record and prompt is not None:
        return {**record, "prompt": last_user_text(prompt)}
    return record


# ---- OpenRLHF: POST {"query": [...], "prompts": [...], "labels": [...]} -> {"rewards", "scores", "extra_logs"} ----
def _label_inputs(label: Any, index: int) -> dict[str, Any]:
    """A label carries the task's inputs as a JSON object (or its text); anything else carries none."""
    if isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            label = json.loads(label)
        except json.JSONDecodeError as exc:
            raise ProtocolError(f"labels[{index}] is not valid JSON: {exc.msg}") from None
    return dict(label) if isinstance(label, Mapping) else {}


def response_of_query(query: str, prompt: str | None) -> str:
    """OpenRLHF's query is prompt + response decoded together: the part after the prompt, end marker removed."""
    text = query
    if prompt:
        at = query.find(prompt)
        if at >= 0:
            text = query[at + len(prompt):]
    text = text.rstrip()
    for marker in EOS_MARKERS:
        if text.endswith(marker):
            text = text[: -len(marker)].rstrip()
            break
    return text


def openrlhf_records(body: Any, inputs: Mapping[str, str]) -> list[dict[str, Any]]:
    if not isinstance(body, Mapping) or not isinstance(body.get("query"), list):
        raise ProtocolError("an OpenRLHF request is a JSON object with a list `query` (and `prompts`, `labels`)")
    queries = body["query"]
    prompts = body.get("prompts") or [None] * len(queries)
    labels = body.get("labels") or [None] * len(queries)
    if not isinstance(prompts, list) or not isinstance(labels, list) or not len(prompts) == len(labels) == len(queries):
        raise ProtocolError(f"`prompts` and `labels` must be lists as long as `query` ({len(queries)})")
    out = []
    for i, (q, p, label) in enumerate(zip(queries, prompts, labels)):
        if not isinstance(q, str):
            raise ProtocolError(f"query[{i}] must be text, got {type(q).__name__}")
        rec = _label_inputs(label, i)
        rec["response"] = response_of_query(q, p if isinstance(p, str) else None)
        out.append(fill_prompt(rec, inputs, p))
    return out


def openrlhf_reply(results: list[dict[str, Any]], constraints: Sequence[str], none_value: float) -> dict[str, Any]:
    """Rewards are CSRs (`none_value` where no constraint applies); OpenRLHF has no not-applicable, so each
    constraint logs two numbers: its value where it applies (else 0) and `/applies` (1 or 0): their means' ratio
    is the constraint's pass rate."""
    rewards = [none_value if r["csr"] is None else float(r["csr"]) for r in results]
    logs: dict[str, list[float]] = {"act/invalid": [float(r["invalid"]) for r in results],
                                    "act/verifier_errors": [float(len(r["errors"])) for r in results]}
    for name in constraints:
        vals = [r["values"].get(name) for r in results]
        logs[f"act/{name}"] = [0.0 if v is None else float(v) for v in vals]
        logs[f"act/{name}/applies"] = [0.0 if v is None else 1.0 for v in vals]
    return {"rewards": rewards, "scores": rewards, "extra_logs": logs}


# ---- NeMo Gym: POST /verify, a BaseVerifyRequest -> a BaseMultiRewardVerifyResponse ---------------------------
def nemo_response_text(response: Any) -> str:
    """The text of a Responses API object: the output_text parts of its last assistant message."""
    output = response.get("output") if isinstance(response, Mapping) else None
    if not isinstance(output, list):
        raise ProtocolError("`response.output` must be the list of a Responses API response")
    messages = [o for o in output if isinstance(o, Mapping) and o.get("type") == "message"
                and o.get("role", "assistant") == "assistant"]
    if not messages:
        return ""
    content = messages[-1].get("content")
    if isinstance(content, str):
        return content
    return "".join(str(p.get("text") or "") for p in content or []
                   if isinstance(p, Mapping) and p.get("type", "output_text") == "output_text")


def nemo_record(body: Any, inputs: Mapping[str, str]) -> dict[str, Any]:
    """Task inputs are read from `verifier_metadata` or the top level (NeMo Gym's own servers take both)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("responses_create_params"), Mapping):
        raise ProtocolError("a /verify request is a JSON object with `responses_create_params` and `response`")
    meta = body.get("verifier_metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    rec = {name: meta[name] if name in meta else body[name] for name in inputs if name in meta or name in body}
    rec["response"] = nemo_response_text(body.get("response"))
    return fill_prompt(rec, inputs, body["responses_create_params"].get("input"))


def nemo_reply(body: Mapping[str, Any], result: dict[str, Any], none_value: float) -> dict[str, Any]:
    """The request echoed with `reward` (the CSR) and `reward_components` (the constraints that apply: NeMo Gym's
    components are numbers, so a not-applicable one is left out rather than sent as 0). A record that could not be
    scored, or where no constraint applies, is masked (`mask_sample`) with its reason."""
    values = result["values"]
    components = {k: float(v) for k, v in values.items() if v is not None}
    reply = {**body, "reward": none_value if result["csr"] is None else float(result["csr"]),
             "reward_components": components, "mask_sample": False, "failure_kind": None, "failure_reason": None,
             "csr": result["csr"], "constraint_values": values, "invalid": result["invalid"],
             "errors": result["errors"]}
    if result.get("failed"):
        reply.update(mask_sample=True, failure_kind="verifier_error", failure_reason="; ".join(result["errors"]))
    elif result["csr"] is None:
        reply.update(mask_sample=True, failure_kind="act:not_applicable",
                     failure_reason="no constraint of the task applies to this record")
    return reply
