"""The summary of a scoring run (`act score`, its shards, `act merge`): a table or JSON, and the first errors."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def print_summary(args: argparse.Namespace, records: int, skipped: int, scores: Any, first: list[dict],
                  errors: int, extra: dict[str, Any] | None = None) -> None:
    """The summary of a scoring run (table or JSON) on stdout when --out took the rows, else on stderr;
    `extra` (the cache's counts) is added to it."""
    from act_dsl.safe_files import finite
    from act_dsl.scoring.report import summary_table
    summary_out = sys.stdout if args.out else sys.stderr
    if args.format == "json":
        print(json.dumps(finite({"records": records, "responses": len(scores), "skipped": skipped,
                                  "empty_responses": scores.empty_responses,
                                  "invalid": sum(s.invalid for s in scores.summary.values()),
                                  "mean_csr": scores.mean_csr, "errors": errors, "first_errors": first,
                                  "constraints": {k: v.as_dict() for k, v in scores.summary.items()},
                                  **(extra or {})}), indent=2, allow_nan=False), file=summary_out)
        return
    print(summary_table(scores, skipped=skipped), file=summary_out)
    for e in first:
        resp = f" (response {e['response']})" if "response" in e else ""
        print(f"  error in `{e['constraint']}` on {args.data}:{e['line']}{resp}: {e['message']}", file=summary_out)
    if errors > len(first):
        print(f"  ... and {errors - len(first)} more error(s)", file=summary_out)
    for k, v in (extra or {}).items():
        print(f"{k}: " + ", ".join(f"{n} {x}" for n, x in v.items()), file=summary_out)
