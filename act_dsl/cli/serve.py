"""`act serve`: a task's verifier as an HTTP reward service (uvicorn), loading the program once."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from act_dsl.cli.common import EXIT_OK, UsageError, load_checked, positive_int, reference_date, task_name


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve a task's verifier as a reward service over HTTP (OpenRLHF, NeMo Gym, "
                                     "verl, or its own /score)")
    p.add_argument("file", help="the .act file")
    p.add_argument("--task", help="the task to serve (needed when the file has several)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; 0.0.0.0 serves every interface "
                                                       "(use --token then)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--workers", type=int, default=1, help="scoring processes (0: score in the server process)")
    p.add_argument("--token", help="a bearer token every request but /health must send "
                                   "(`Authorization: Bearer TOKEN`); default: $ACT_SERVE_TOKEN or none")
    p.add_argument("--deadline", type=float, default=60.0,
                   help="seconds one request's scoring may take; records past it are errors in the answer")
    p.add_argument("--max-body", type=positive_int, default=32 * 1024 * 1024, help="largest request body in bytes")
    p.add_argument("--max-records", type=positive_int, default=4096, help="most records in one request")
    p.add_argument("--none-value", type=float, default=0.0,
                   help="the reward where no constraint applies, for protocols without a not-applicable")
    p.add_argument("--reference-date", help="the day relative dates are read against, YYYY-MM-DD")
    p.set_defaults(fn=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from act_dsl.serve.app import Limits, Service, build_app
    from act_dsl.serve.scorer import ServeSettings
    if args.workers < 0:
        raise UsageError(f"--workers must be 0 or more, got {args.workers}")
    if not args.deadline > 0:
        raise UsageError(f"--deadline must be a positive number of seconds, got {args.deadline:g}")
    program = load_checked(args.file)
    if program is None:
        return 1
    day = reference_date(args.reference_date)
    settings = ServeSettings(os.path.abspath(args.file), task_name(program, args.task),
                             day.isoformat() if day else None)
    token = args.token or os.environ.get("ACT_SERVE_TOKEN") or None
    service = Service(settings, args.workers, Limits(args.max_body, args.max_records, args.deadline), token,
                      args.none_value)
    config = uvicorn.Config(build_app(service), host=args.host, port=args.port, log_level="warning",
                            timeout_graceful_shutdown=int(args.deadline) + 5, access_log=False)
    server = uvicorn.Server(config)
    print(f"act serve: task `{settings.task}` ({len(service.constraints)} constraints), {args.workers} worker(s), "
          f"http://{args.host}:{args.port}{' (bearer token required)' if token else ''}", file=sys.stderr)
    server.run()
    return EXIT_OK
