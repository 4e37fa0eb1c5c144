"""A verl `compute_score` for an .act task: scored in this process, or by a running `act serve`.

In verl's config: `custom_reward_function.path` is this file (or `python -c "import act_dsl.integrations.verl as m;
print(m.__file__)"`), `custom_reward_function.name` is `compute_score` (`compute_score_batch` for the batch reward
manager), and `custom_reward_function.reward_kwargs` names the task: `act_file` (scored in process) or `url` (an
`act serve` address), with `task`, `token`, `timeout`, `not_applicable` and `on_failure` as needed. The environment
variables ACT_FILE, ACT_SERVE_URL and ACT_SERVE_TOKEN stand in for missing kwargs.

The task's inputs come from `ground_truth` when it is a JSON object (or its text) and from `extra_info` by name.
The result is verl's dict: `score` (the CSR) and one extra per constraint (its value; `not_applicable` where it
does not apply, None by default: give a number for GDPO, which needs every key numeric), plus `act_invalid` and
`act_verifier_errors`. A record that cannot be scored raises ValueError (`on_failure="raise"`) instead of a 0."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from functools import lru_cache
from typing import Any, Mapping, Sequence


@lru_cache(maxsize=8)
def _graph(act_file: str, task: str | None) -> Any:
    from act_dsl.program import load
    return load(act_file, strict=True).graph(task)


def _inputs(names: Sequence[str] | None, ground_truth: Any, extra_info: Mapping[str, Any] | None) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    if isinstance(ground_truth, str) and ground_truth.lstrip().startswith("{"):
        try:
            ground_truth = json.loads(ground_truth)
        except json.JSONDecodeError:
            pass
    if isinstance(ground_truth, Mapping):
        rec.update(ground_truth)
    for key, value in (extra_info or {}).items():
        if (names is None or key in names) and key not in rec:
            rec[key] = value
    return rec


def _post(url: str, records: list[dict[str, Any]], token: str | None, timeout: float) -> list[dict[str, Any]]:
    req = urllib.request.Request(url.rstrip("/") + "/score", data=json.dumps({"records": records}).encode(),
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())["results"]
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:300]
        raise ValueError(f"act serve at {url} answered {exc.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ValueError(f"act serve at {url} did not answer: {exc}") from None


def _results(records: list[dict[str, Any]], act_file: str | None, url: str | None, task: str | None,
             token: str | None, timeout: float) -> list[dict[str, Any]]:
    if url:
        return _post(url, records, token, timeout)
    from act_dsl.serve.scorer import score_records
    assert act_file is not None
    return score_records(_graph(os.path.abspath(act_file), task), records)


def _where(act_file: str | None, url: str | None, token: str | None) -> tuple[str | None, str | None, str | None]:
    act_file = act_file or os.environ.get("ACT_FILE")
    url = url or os.environ.get("ACT_SERVE_URL")
    if not act_file and not url:
        raise ValueError("act_dsl.integrations.verl needs `act_file` or `url` in custom_reward_function.reward_kwargs "
                         "(or $ACT_FILE / $ACT_SERVE_URL)")
    return act_file, url, token or os.environ.get("ACT_SERVE_TOKEN")


def _verl_dict(result: dict[str, Any], not_applicable: float | None, on_failure: str | float) -> dict[str, Any]:
    if result.get("failed"):
        if on_failure == "raise":
            raise ValueError(f"act could not score this response: {'; '.join(result['errors'])}")
        result = {"csr": float(on_failure), "values": {}, "invalid": False, "errors": result["errors"]}
    out: dict[str, Any] = {"score": 0.0 if result["csr"] is None else float(result["csr"]),
                           "act_invalid": float(result["invalid"]), "act_verifier_errors": float(len(result["errors"]))}
    for name, v in result["values"].items():
        out[name] = not_applicable if v is None else float(v)
    return out


def compute_score(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Mapping[str, Any] | None = None,
                  *, act_file: str | None = None, url: str | None = None, task: str | None = None,
                  token: str | None = None, timeout: float = 60.0, not_applicable: float | None = None,
                  on_failure: str | float = "raise", **_: Any) -> dict[str, Any]:
    """verl's reward function: (data_source, solution_str, ground_truth, extra_info) -> {"score": CSR, ...}."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], act_file=act_file, url=url,
                               task=task, token=token, timeout=timeout, not_applicable=not_applicable,
                               on_failure=on_failure)[0]


def compute_score_batch(data_sources: Sequence[Any], solution_strs: Sequence[str], ground_truths: Sequence[Any],
                        extra_infos: Sequence[Mapping[str, Any] | None], *, act_file: str | None = None,
                        url: str | None = None, task: str | None = None, token: str | None = None,
                        timeout: float = 60.0, not_applicable: float | None = None,
                        on_failure: str | float = "raise", **_: Any) -> list[dict[str, Any]]:
    """verl's batch reward manager's function: lists in, one dict per response out (one request to `act serve`)."""
    act_file, url, token = _where(act_file, url, token)
    names = list(_graph(os.path.abspath(act_file), task).input_types) if act_file and not url else None
    from act_dsl.scoring.rows import Row
    records = [Row(_inputs(names, gt, info), text).as_dict()
               for text, gt, info in zip(solution_strs, ground_truths, extra_infos)]
    results = _results(records, act_file, url, task, token, timeout)
    return [_verl_dict(r, not_applicable, on_failure) for r in results]
