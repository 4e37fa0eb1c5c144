"""`Sample`: one prompt and its K candidate responses, the value passed from sampling to ranking and training.

A samples file (`act sample --out`, a run's samples.jsonl) holds one Sample per line; its JSON keys are
fixed here and nowhere else. No torch here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from act_dsl.graph.graph import Graph
    from act_dsl.records import Record


@dataclass(frozen=True)
class Sample:
    """Prompt `index` of a run: its record's line and input fields, the prompt as rendered from the task
    (`prompt`), as given to the model (`prompt_text`, after any chat template), and the candidates."""

    index: int
    prompt: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    responses: tuple[str, ...] = ()
    line: int = 0
    prompt_text: str | None = None   # None until sampled; then what the model saw

    def __post_init__(self) -> None:
        object.__setattr__(self, "responses", tuple(self.responses))

    @property
    def model_prompt(self) -> str:
        """The text the model continued (the rendered prompt when no chat template was applied)."""
        return self.prompt if self.prompt_text is None else self.prompt_text

    def with_responses(self, prompt_text: str, responses: Sequence[str]) -> "Sample":
        return replace(self, prompt_text=prompt_text, responses=tuple(responses))

    def to_row(self) -> dict[str, Any]:
        """The JSON line of a samples file (keys in the order the files have always had)."""
        from act_dsl.records import plain_field
        row: dict[str, Any] = {"index": self.index, "line": self.line, "prompt": self.prompt,
                               "fields": {k: plain_field(v) for k, v in self.fields.items()}}
        if self.prompt_text is not None:
            row["prompt_text"] = self.prompt_text
            row["responses"] = list(self.responses)
        return row

    @classmethod
    def from_row(cls, row: "Sample | Mapping[str, Any]", index: int = 0) -> "Sample":
        """A Sample from a samples-file line (or a hand-written dict with at least `responses`)."""
        if isinstance(row, Sample):
            return row
        return cls(index=row.get("index", index), prompt=row.get("prompt", ""), fields=row.get("fields", {}),
                   responses=tuple(row.get("responses", ())), line=row.get("line", 0),
                   prompt_text=row.get("prompt_text"))


def as_samples(rows: Sequence["Sample | Mapping[str, Any]"]) -> list[Sample]:
    """Samples, or dicts shaped like samples-file lines, as Samples (a dict's position is its default index)."""
    return [Sample.from_row(r, i) for i, r in enumerate(rows)]


def prompt_samples(graph: "Graph", records: "Sequence[Record]") -> list[Sample]:
    """One unsampled Sample per record: its prompt rendered from the task, its input fields, its line."""
    from act_dsl.sampling.prompts import render_all
    prompts = render_all(graph, [r.fields for r in records])
    return [Sample(index=i, prompt=p, fields={f: r.fields[f] for f in graph.inputs}, line=r.line)
            for i, (r, p) in enumerate(zip(records, prompts))]


def read_samples(path: Path, input_types: Mapping[str, str] | None = None) -> list[Sample]:
    """The finished prompts of a samples file, in prompt order (a torn last line is cut off). With the task's
    `input_types`, each prompt's fields are read against them again, as the data reader read them before
    sampling (a file holds JSON; the verifier needs typed values such as records inside lists)."""
    from act_dsl.records import FieldReader, RowError, check_row
    from act_dsl.sampling.hf import read_done
    samples = [Sample.from_row(v) for _, v in sorted(read_done(path).items())]
    if not input_types:
        return samples
    reader, out = FieldReader(None), []
    for s in samples:
        try:
            fields = check_row(dict(s.fields), input_types, need_response=False, reader=reader).fields
        except RowError as exc:
            raise RowError(f"{path}: prompt {s.index} (data line {s.line}): {exc.message}", exc.field) from None
        out.append(replace(s, fields=fields))
    return out


def sample_line(sample: Sample) -> str:
    return json.dumps(sample.to_row(), ensure_ascii=False) + "\n"
