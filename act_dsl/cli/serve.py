"""`act serve`: a task's verifier as an HTTP reward service (uvicorn), loading the program once."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from act_dsl.cli.common import EXIT_FAILED, EXIT_OK, UsageError, load_checked, positive_int, reference_date, task_name


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve a task's verifier as a reward service over HTTP (OpenRLHF, NeMo Gym, "
                                     "verl, or its own /score)")
    p.add_argument("file", help="the .act file")
    p.add_argument("--task", help="the task to serve (needed when the file has several)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; 0.0.0.0 serves every interface "
                                                       "(use --token then)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--workers", type=int, default=None,
                   help="scoring processes (0: score in the server process); default 1, and 0 per replica with --ray")
    p.add_argument("--token", help="a bearer token every request but /health must send "
                                   "(`Authorization: Bearer TOKEN`); default: $ACT_SERVE_TOKEN or none")
    p.add_argument("--deadline", type=float, default=60.0,
                   help="seconds one request's scoring may take; records past it are errors in the answer")
    p.add_argument("--max-body", type=positive_int, default=32 * 1024 * 1024, help="largest request body in bytes")
    p.add_argument("--max-records", type=positive_int, default=4096, help="most records in one request")
    p.add_argument("--none-value", type=float, default=0.0,
                   help="the reward where no constraint applies, for protocols without a not-applicable")
    p.add_argument("--reference-date", help="the day relative dates are read against, YYYY-MM-DD")
    ray = p.add_argument_group("Ray Serve (pip install 'act-dsl[serve-ray]')")
    ray.add_argument("--ray", action="store_true", help="serve as a Ray Serve deployment: replicas, autoscaling, "
                                                        "a cluster")
    ray.add_argument("--replicas", type=positive_int, help="with --ray: this many replicas (default 1)")
    ray.add_argument("--autoscale", metavar="MIN:MAX", help="with --ray: let Ray Serve run MIN to MAX replicas")
    ray.add_argument("--target-ongoing", type=float, metavar="R",
                     help="with --autoscale: requests (running and queued) per replica the autoscaler aims at "
                          "(default 2)")
    ray.add_argument("--upscale-delay", type=float, metavar="S",
                     help="with --autoscale: seconds the need for more replicas must last before they start "
                          "(default 30)")
    ray.add_argument("--downscale-delay", type=float, metavar="S",
                     help="with --autoscale: seconds the need for fewer replicas must last before idle ones stop "
                          "(default 600)")
    ray.add_argument("--ray-address", help="with --ray: the cluster to join (e.g. auto); default a new local Ray")
    p.set_defaults(fn=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from act_dsl.serve.app import Limits, Service, build_app
    from act_dsl.serve.scorer import ServeSettings
    ray_only = [f for f, v in (("--replicas", args.replicas), ("--autoscale", args.autoscale),
                               ("--ray-address", args.ray_address)) if v is not None]
    if ray_only and not args.ray:
        raise UsageError(f"{ray_only[0]} needs --ray")
    if args.replicas is not None and args.autoscale is not None:
        raise UsageError("give --replicas or --autoscale, not both")
    knobs = [f for f, v in (("--target-ongoing", args.target_ongoing), ("--upscale-delay", args.upscale_delay),
                            ("--downscale-delay", args.downscale_delay)) if v is not None]
    if knobs and args.autoscale is None:
        raise UsageError(f"{knobs[0]} needs --autoscale")
    workers = args.workers if args.workers is not None else 0 if args.ray else 1
    if workers < 0:
        raise UsageError(f"--workers must be 0 or more, got {workers}")
    if not args.deadline > 0:
        raise UsageError(f"--deadline must be a positive number of seconds, got {args.deadline:g}")
    program = load_checked(args.file)
    if program is None:
        return 1
    day = reference_date(args.reference_date)
    settings = ServeSettings(os.path.abspath(args.file), task_name(program, args.task),
                             day.isoformat() if day else None)
    token = args.token or os.environ.get("ACT_SERVE_TOKEN") or None
    limits = Limits(args.max_body, args.max_records, args.deadline)
    if args.ray_address is None:   # on a cluster the proxies listen on its nodes, not necessarily here
        check_listen(args.host, args.port)
    if args.ray:
        return run_on_ray(args, settings, limits, token, workers)
    service = Service(settings, workers, limits, token, args.none_value)
    config = uvicorn.Config(build_app(service), host=args.host, port=args.port, log_level="warning",
                            timeout_graceful_shutdown=int(args.deadline) + 5, access_log=False)
    server = uvicorn.Server(config)
    print(f"act serve: task `{settings.task}` ({len(service.constraints)} constraints), {workers} worker(s), "
          f"http://{args.host}:{args.port}{' (bearer token required)' if token else ''}", file=sys.stderr)
    server.run()
    return EXIT_OK


def check_listen(host: str, port: int) -> None:
    """Refuse, before any start-up work, an address this machine cannot listen on: a port another server holds
    (or one below 1024 without the right), or a host that is not one of this machine's addresses."""
    import socket
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be 0 to 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host {host}: {getattr(exc, 'strerror', None) or exc}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as the server itself binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (another server there? "
                             "give another --port)") from None


def run_on_ray(args: argparse.Namespace, settings: Any, limits: Any, token: str | None, workers: int) -> int:
    try:
        import ray.serve  # noqa: F401
    except ImportError:
        raise UsageError("--ray needs Ray Serve: pip install 'act-dsl[serve-ray]'") from None
    from act_dsl.serve.ray_serve import Scaling, StartError, application, autoscaling, run
    try:
        scaling = Scaling(args.replicas or 1) if args.autoscale is None else autoscaling(args.autoscale, {
            "target_ongoing": args.target_ongoing, "upscale_delay": args.upscale_delay,
            "downscale_delay": args.downscale_delay})
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        run(application(settings, scaling, limits, token, args.none_value, workers), args.host, args.port,
            args.ray_address, scaling)
    except StartError as exc:
        print(f"act serve: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
