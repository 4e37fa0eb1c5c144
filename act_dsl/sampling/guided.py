"""`--guided` on the hf backend: the task's grammar (act_dsl/grammars) as a token mask over each decoding step,
through llguidance (the `train` extra). Only the tokens that keep the response inside the grammar may be chosen;
the verifier that scores the response is not touched. llguidance is imported here, when guidance is asked for."""
from __future__ import annotations

from typing import Any

MISSING = ("--guided on the hf backend needs llguidance, which is not installed: "
           "`pip install 'act-dsl[train]'` (or `pip install llguidance`)")


class GuideError(ValueError):
    """A grammar the engine cannot use, or a missing library: one line (the backends raise it as BackendError)."""


def lark_of(guide: dict[str, Any]) -> str:
    """The Lark grammar llguidance reads for a guide (every kind has one, see act_dsl/grammars/forms.py)."""
    return str(guide["lark"])


def _llguidance() -> Any:
    try:
        import llguidance
        import llguidance.hf
        import llguidance.torch
    except ImportError:
        raise GuideError(MISSING) from None
    return llguidance


def ll_tokenizer(tok: Any, vocab: int) -> Any:
    """llguidance's view of a transformers tokenizer (about a second to build: callers keep it)."""
    llg = _llguidance()
    try:
        return llg.hf.from_tokenizer(tok, n_vocab=vocab)
    except Exception as exc:  # a slow (non-Rust) tokenizer, or one llguidance cannot read
        raise GuideError(f"--guided cannot use this model's tokenizer ({str(exc).splitlines()[0]}); llguidance "
                         "needs a fast Hugging Face tokenizer") from None


class GuidedProcessor:
    """A transformers logits processor: row i of the batch follows its own matcher of the grammar. `start` is
    the prompt width, so the tokens after it are the response; a row that has ended may only repeat end of text."""

    def __init__(self, ll_tok: Any, guide: dict[str, Any], rows: int, start: int, eos: int) -> None:
        llg = _llguidance()
        grammar = lark_of(guide)
        problem = llg.LLMatcher.validate_grammar(grammar, ll_tok)
        if problem and not problem.startswith("WARNING"):
            raise GuideError(f"the task's grammar does not compile in llguidance: {problem.splitlines()[0]}")
        self.matchers = [llg.LLMatcher(ll_tok, grammar, log_level=0) for _ in range(rows)]
        self.mask = llg.torch.allocate_token_bitmask(rows, ll_tok.vocab_size)
        self.start, self.eos = start, eos
        self._fill = llg.torch.fill_next_token_bitmask
        self._shifts: Any = None
        self.seconds = 0.0  # time spent on masks, for bench/guided_speed.py

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import time

        import torch
        t0 = time.perf_counter()
        done = []
        if input_ids.shape[1] > self.start:
            for i, (m, t) in enumerate(zip(self.matchers, input_ids[:, -1].tolist())):
                if m.is_stopped() or m.is_error() or not m.consume_token(t):
                    done.append(i)
        for i, m in enumerate(self.matchers):
            if m.is_stopped() or m.is_error():
                done.append(i)
            else:
                self._fill(m, self.mask, i)
        self._apply(scores)
        for i in set(done):  # ended (or off the grammar after its end): only end of text, never an all -inf row
            scores[i, :] = -torch.inf
            scores[i, self.eos] = 0.0
        self.seconds += time.perf_counter() - t0
        return scores

    def _apply(self, scores: Any) -> None:
        """Tokens whose bit is off get -inf. Unpacked with shifts here: llguidance's own CPU kernel took about
        150 ms a step for 8 rows of a 49k vocabulary, this about a millisecond (bench/guided_speed.py)."""
        import torch
        if self._shifts is None:
            self._shifts = torch.arange(32, dtype=torch.int32)
        bits = (self.mask.unsqueeze(-1) >> self._shifts) & 1
        allowed = bits.reshape(self.mask.shape[0], -1)[:, :scores.shape[-1]].to(torch.bool)
        width = allowed.shape[1]
        scores[:, :width].masked_fill_(~allowed.to(scores.device), -torch.inf)
        scores[:, width:] = -torch.inf  # past the tokenizer's vocabulary (a padded output layer)


def logits_processors(tok: Any, model: Any, guide: dict[str, Any] | None, rows: int, start: int,
                      holder: Any = None) -> dict[str, Any]:
    """generate()'s keyword for guidance (empty without a guide); `holder` keeps the llguidance tokenizer
    between calls (the hf backend), since building it takes about a second."""
    if not guide:
        return {}
    from transformers import LogitsProcessorList
    vocab = int(model.get_output_embeddings().weight.shape[0])
    ll_tok = getattr(holder, "_ll_tok", None)
    if ll_tok is None or getattr(holder, "_ll_vocab", None) != vocab:
        ll_tok = ll_tokenizer(tok, vocab)
        if holder is not None:
            holder._ll_tok, holder._ll_vocab = ll_tok, vocab
    proc = GuidedProcessor(ll_tok, guide, rows, start, tok.eos_token_id)
    if holder is not None:
        holder.guided_processor = proc  # its mask time, read by bench/guided_speed.py
    return {"logits_processor": LogitsProcessorList([proc])}


def structured_fields(guide: dict[str, Any]) -> dict[str, Any]:
    """vLLM's structured-outputs fields for a guide (`json`, `choice` or `regex`; vLLM 0.12 names them so,
    in SamplingParams and in a server request alike)."""
    if guide["kind"] == "json":
        return {"json": guide["json_schema"]}
    if guide["kind"] == "choice":
        return {"choice": list(guide["choice"])}
    return {"regex": guide["regex"]}


def server_fields(guide: dict[str, Any] | None) -> dict[str, Any]:
    """The request fields that ask an OpenAI-compatible server for the grammar: `structured_outputs` (vLLM,
    SGLang-style servers) and, for JSON, the standard `response_format` with the schema."""
    if not guide:
        return {}
    out: dict[str, Any] = {"structured_outputs": structured_fields(guide)}
    if guide["kind"] == "json":
        out["response_format"] = {"type": "json_schema",
                                  "json_schema": {"name": str(guide["output"]), "schema": guide["json_schema"]}}
    return out


def vllm_params(vllm: Any, guide: dict[str, Any] | None) -> dict[str, Any]:
    """SamplingParams' keyword for the grammar in the installed vLLM: `structured_outputs` (0.11 and later) or
    the older `guided_decoding`."""
    if not guide:
        return {}
    fields = structured_fields(guide)
    params = vllm.sampling_params
    if hasattr(params, "StructuredOutputsParams"):
        return {"structured_outputs": params.StructuredOutputsParams(**fields)}
    if hasattr(params, "GuidedDecodingParams"):
        return {"guided_decoding": params.GuidedDecodingParams(**fields)}
    raise GuideError("this vLLM has no structured outputs (StructuredOutputsParams); upgrade vLLM or use --backend hf")
