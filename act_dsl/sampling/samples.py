"""`Sample`: one prompt and its K candidate responses, the value passed from sampling to ranking and training.

A samples file (`act sample --out`, a run's samples.jsonl) holds one Sample per line; its JSON keys are
fixed here and nowhere else. Every line `act sample` writes begins with `{"format": "act-samples/1",` (the
project's marker) and names its task and sampling settings, so a resumed run can tell its own file from
anything else. Reading never changes a file. No torch here.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence, overload

from act_dsl.jsonl import MAX_LINE_BYTES, SAMPLES_FORMAT, SAMPLES_PREFIX, DataError, LineError, parse_line

if TYPE_CHECKING:
    from act_dsl.records import FieldReader, Record
    from act_dsl.scoring.verifier import Verifier

MAX_SAMPLES_LINE = 8 * MAX_LINE_BYTES   # K responses of up to max_new_tokens each, with their prompt


class SamplesError(DataError):
    """A samples file that cannot be read or resumed: one line naming the file (and line)."""


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


def prompt_samples(verifier: "Verifier", records: "Sequence[Record]") -> list[Sample]:
    """One unsampled Sample per record: its prompt rendered from the task, its input fields, its line."""
    graph = verifier.graph
    prompts = verifier.prompts([r.fields for r in records])
    return [Sample(index=i, prompt=p, fields={f: r.fields[f] for f in graph.inputs}, line=r.line)
            for i, (r, p) in enumerate(zip(records, prompts))]


# ---- reading a samples file ---------------------------------------------------------------------------
@dataclass
class SamplesScan:
    """What a samples file holds: its finished prompts by index (with the line each is on), whether it
    carries the marker, and where its last complete line ends (bytes after it: a killed writer's half line)."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    where: dict[int, int] = field(default_factory=dict)
    marked: bool = False
    keep_bytes: int = 0
    torn: bool = False


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_row(obj: Any, marked: bool) -> str | None:
    """Why a parsed line is not a finished line of a samples file, or None."""
    if not isinstance(obj, dict):
        return f"a samples line is a JSON object, not {type(obj).__name__}"
    if marked and obj.get("format") != SAMPLES_FORMAT:
        return f'the line lacks "format": "{SAMPLES_FORMAT}" that the file\'s first line has'
    if not _is_int(obj.get("index")) or obj["index"] < 0:
        return f"`index` must be a whole number >= 0, got {json.dumps(obj.get('index'))[:40]}"
    if not _is_int(obj.get("line", 0)):
        return "`line` must be a whole number"
    for key, kind in (("prompt", str), ("prompt_text", str), ("fields", dict), ("responses", list)):
        if not isinstance(obj.get(key), kind):
            return f"`{key}` must be {'a text' if kind is str else 'an object' if kind is dict else 'a list'}"
    if not all(isinstance(r, str) for r in obj["responses"]):
        return "`responses` must be a list of texts"
    return None


def scan_samples(path: Path) -> SamplesScan:
    """The finished prompts of a samples file (missing or empty: none). Never modifies the file.

    A last line without its newline (a killed writer) is passed over when the file carries the marker;
    in any other file it is refused, as is every line that is not a samples line: SamplesError with file:line."""
    scan = SamplesScan()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return scan
    except OSError as exc:
        raise SamplesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise SamplesError(f"{path}: is a folder; a samples file is a JSONL file")
    if not stat.S_ISREG(st.st_mode):
        if st.st_size == 0 and stat.S_ISCHR(st.st_mode):
            return scan  # /dev/null: nothing to resume
        raise SamplesError(f"{path}: is not a regular file (a FIFO, socket or device)")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise SamplesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        n = offset = 0
        while True:
            raw = fh.readline(MAX_SAMPLES_LINE + 1)
            if not raw:
                break
            n += 1
            if n == 1:
                scan.marked = raw.startswith(SAMPLES_PREFIX)
            if not raw.endswith(b"\n"):
                if len(raw) > MAX_SAMPLES_LINE:
                    raise SamplesError(f"{path}:{n}: line longer than {MAX_SAMPLES_LINE:,} bytes")
                if not scan.marked:
                    raise SamplesError(f"{path}:{n}: the last line is cut off (no final newline), and the file is "
                                       f"not a samples file of `act sample` (no \"format\": \"{SAMPLES_FORMAT}\"); "
                                       "left unchanged: choose another --out")
                scan.torn = True
                break
            offset += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SamplesError(f"{path}:{n}: not valid UTF-8 (byte {exc.start + 1})") from None
            if not text.strip():
                scan.keep_bytes = offset
                continue
            try:
                obj = parse_line(text)
            except LineError as exc:
                raise SamplesError(f"{path}:{n}: {exc}; not a line of an `act sample` file") from None
            problem = _check_row(obj, scan.marked)
            if problem is not None:
                raise SamplesError(f"{path}:{n}: not a line of an `act sample` file: {problem}")
            if obj["index"] in scan.rows:
                raise SamplesError(f"{path}:{n}: prompt {obj['index']} is already on line {scan.where[obj['index']]}")
            scan.rows[obj["index"]] = obj
            scan.where[obj["index"]] = n
            scan.keep_bytes = offset
    return scan


@overload
def read_samples(path: Path | str, input_types: Mapping[str, str] | None = None,
                 reader: "FieldReader | None" = None, *, loose: Literal[False] = False) -> list[Sample]: ...


@overload
def read_samples(path: Path | str, input_types: Mapping[str, str] | None = None,
                 reader: "FieldReader | None" = None, *, loose: Literal[True]) -> list[Sample] | None: ...


def read_samples(path: Path | str, input_types: Mapping[str, str] | None = None,
                 reader: "FieldReader | None" = None, *, loose: bool = False) -> list[Sample] | None:
    """The samples file's prompts, in file order: the one reader of samples files. With the task's `input_types`,
    each prompt's fields are read against them again, as the data reader read them before sampling (a file holds
    JSON; the verifier needs typed values such as records inside lists); `reader` reads dates against the run's
    day (RunSettings.reader). The file is never changed.

    By default the file is a run's: every line a finished samples line (scan_samples' rules; a torn last line
    is passed over), in prompt order. With `loose` (`act card --samples`, `act probe --samples`), a line needs
    only `fields` (an object) and `responses` (texts), as an older `act sample` or a person wrote them; a file
    whose first line is no such line is not a samples file: None (the caller reads it as records)."""
    from act_dsl.records import FieldReader, RowError, check_row
    if loose:
        return _read_loose(Path(path), input_types or {}, reader or FieldReader(None))
    scan = scan_samples(Path(path))
    samples = [Sample.from_row(v) for _, v in sorted(scan.rows.items())]
    if not input_types:
        return samples
    reader, out = reader or FieldReader(None), []
    for s in samples:
        try:
            fields = check_row(dict(s.fields), input_types, need_response=False, reader=reader).fields
        except RowError as exc:
            raise RowError(f"{path}:{scan.where[s.index]}: prompt {s.index} (data line {s.line}): {exc.message}",
                           exc.field) from None
        out.append(replace(s, fields=fields))
    return out


def _read_loose(path: Path, input_types: Mapping[str, str], reader: "FieldReader") -> list[Sample] | None:
    """read_samples(loose=True): {fields, responses} lines, each checked as a record with its responses."""
    from act_dsl.records import RowError, check_row
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    out: list[Sample] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            if not out:
                return None  # let the record reader report it
            raise DataError(f"{path}:{n}: not valid JSON ({exc})") from None
        if not out and not (isinstance(obj, dict) and isinstance(obj.get("fields"), dict)):
            return None
        if not isinstance(obj, dict) or not isinstance(obj.get("fields"), dict):
            raise DataError(f"{path}:{n}: a samples line needs `fields` (an object) and `responses` (a list "
                            "of strings), as `act sample` writes them")
        try:
            rec = check_row({**obj["fields"], "responses": obj.get("responses")}, input_types, True,
                            reader=reader, line=n)
        except RowError as exc:
            raise DataError(f"{path}:{n}: {exc.message}") from None
        out.append(Sample(index=len(out), prompt="", fields=rec.fields, responses=tuple(rec.responses or ()),
                          line=n))
    return out or None


# ---- resuming ------------------------------------------------------------------------------------------
def sample_settings(cfg: Any, model: str | None = None) -> dict[str, Any]:
    """The settings that change what a prompt's responses are; a resumed run must use the same ones."""
    return {"model": model, "temperature": cfg.temperature, "top_p": cfg.top_p,
            "max_new_tokens": cfg.max_new_tokens, "seed": cfg.seed, "chat": cfg.chat, "stop": cfg.stop,
            **({"guided": True} if getattr(cfg, "guided", False) else {})}  # absent when off: older files resume


def check_resume(path: Path, scan: SamplesScan, prompts: Sequence[Sample], task: str | None, k: int,
                 settings: Mapping[str, Any] | None) -> None:
    """SamplesError unless every finished prompt in the file was sampled for this task, from these prompts,
    with this K and these settings: resuming must never take another run's responses for this one's."""
    if scan.rows and not scan.marked:
        raise SamplesError(f"{path}: not a samples file of this version of `act sample` (its lines carry no "
                           f"\"format\": \"{SAMPLES_FORMAT}\"); it is left unchanged: choose another --out")
    by_index = {s.index: s for s in prompts}
    for i, row in sorted(scan.rows.items()):
        where = f"{path}:{scan.where[i]}"
        if task is not None and row.get("task") != task:
            raise SamplesError(f"{where}: sampled for task `{row.get('task')}`, not `{task}`; choose another --out")
        now = by_index.get(i)
        if now is not None and row["prompt"] != now.prompt:
            raise SamplesError(f"{where}: prompt {i} is not the prompt data line {now.line} gives now (another "
                               "data file or task?); choose another --out")
        if len(row["responses"]) != k:
            raise SamplesError(f"{where}: holds {len(row['responses'])} response(s) per prompt, but this run asks "
                               f"for {k} (-k/--best-of); give the same K or choose another --out")
        saved = row.get("settings")
        if settings is not None and saved != dict(settings):
            old = saved if isinstance(saved, dict) else {}
            diff = [f"{key} {old.get(key)!r} there, {settings[key]!r} now" for key in settings
                    if old.get(key) != settings[key]]
            raise SamplesError(f"{where}: sampled with other settings ({'; '.join(diff) or 'none recorded'}); "
                               "give the same settings or choose another --out")


def file_row(sample: Sample, task: str | None, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """A finished prompt as its samples-file line: the marker first, then the task, the sample, the settings."""
    return {"format": SAMPLES_FORMAT, "task": task, **sample.to_row(), "settings": dict(settings or {})}


def sample_line(sample: Sample) -> str:
    return json.dumps(sample.to_row(), ensure_ascii=False) + "\n"
