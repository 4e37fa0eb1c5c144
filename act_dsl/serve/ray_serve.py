"""`act serve --ray`: the same ASGI app as a Ray Serve deployment, with a fixed number of replicas or autoscaling.

Each replica is a Ray actor that loads the task once and runs `build_app` of its own `Service`, so every endpoint,
limit, deadline and the token behave as in `act serve`; Ray Serve's proxy spreads requests over the replicas and,
with autoscaling, adds replicas while requests queue. A cluster runs it with `serve run` and `app_builder`."""
from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any

from act_dsl.serve.app import Limits, Service, build_app
from act_dsl.serve.scorer import ServeSettings

APP_NAME = "act_serve"


@dataclass(frozen=True)
class Scaling:
    """How many replicas: a fixed number, or (min, max) for Ray Serve's autoscaler."""
    replicas: int = 1
    autoscale: tuple[int, int] | None = None

    def options(self) -> dict[str, Any]:
        if self.autoscale is None:
            return {"num_replicas": self.replicas}
        low, high = self.autoscale
        return {"autoscaling_config": {"min_replicas": low, "max_replicas": high, "initial_replicas": low}}

    @property
    def most(self) -> int:
        return self.autoscale[1] if self.autoscale else self.replicas


def parse_autoscale(text: str) -> tuple[int, int]:
    """`MIN:MAX` replicas, 1 <= MIN <= MAX."""
    low, sep, high = text.partition(":")
    if not (sep and low.strip().isdigit() and high.strip().isdigit()):
        raise ValueError(f"`--autoscale` takes MIN:MAX replicas, e.g. 1:4, got {text!r}")
    lo, hi = int(low), int(high)
    if not 1 <= lo <= hi:
        raise ValueError(f"`--autoscale {text}`: need 1 <= MIN <= MAX")
    return lo, hi


class ActServeReplica:
    """The deployment's class; `serve.ingress` gives it the app built on the replica (see `application`)."""


def application(settings: ServeSettings, scaling: Scaling, limits: Limits = Limits(), token: str | None = None,
                none_value: float = 0.0, workers: int = 0) -> Any:
    """A bound Ray Serve application of the service; `workers` scoring processes per replica (0: the replica's own
    process scores, in a thread, which is what Ray's one CPU per replica accounts for)."""
    from ray import serve

    def build() -> Any:   # runs on each replica when it starts: the task is loaded there, once
        service = Service(settings, workers, limits, token, none_value)
        service.about["replica"] = serve.get_replica_context().replica_id.unique_id
        return build_app(service)

    deployment = serve.deployment(
        name="act_serve", ray_actor_options={"num_cpus": 1},
        # a replica being stopped (scale-down, shutdown) first answers what it accepted, within the deadline
        graceful_shutdown_timeout_s=limits.deadline + 5, **scaling.options())(serve.ingress(build)(ActServeReplica))
    return deployment.bind()


def app_builder(args: dict[str, str]) -> Any:
    """For `serve run act_dsl.serve.ray_serve:app_builder file=TASK.act [task=T] [replicas=N | autoscale=MIN:MAX]
    [token=T] [deadline=S] [reference_date=YYYY-MM-DD]` and Serve config files (`import_path`, `args`)."""
    known = {"file", "task", "replicas", "autoscale", "token", "deadline", "reference_date", "none_value", "workers"}
    unknown = sorted(set(args) - known)
    if unknown or "file" not in args:
        raise ValueError(f"act serve on Ray takes file=TASK.act and optionally {', '.join(sorted(known - {'file'}))}"
                         + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    autoscale = parse_autoscale(args["autoscale"]) if "autoscale" in args else None
    scaling = Scaling(int(args.get("replicas", 1)), autoscale)
    settings = ServeSettings(os.path.abspath(args["file"]), args.get("task"), args.get("reference_date"))
    limits = Limits(deadline=float(args.get("deadline", Limits.deadline)))
    return application(settings, scaling, limits, args.get("token") or os.environ.get("ACT_SERVE_TOKEN") or None,
                       float(args.get("none_value", 0.0)), int(args.get("workers", 0)))


def run(app: Any, host: str, port: int, address: str | None, scaling: Scaling) -> None:
    """Start Ray (a new local instance unless `address` names a cluster), deploy on host:port, and serve until
    SIGTERM or Ctrl-C; then Serve stops its replicas gracefully and Ray shuts down."""
    import ray
    from ray import serve
    if address is None:   # never join a Ray that another program on this machine started
        ray.init(address="local", num_cpus=max(os.cpu_count() or 1, scaling.most), include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):   # after ray.init, which installs handlers of its own
        signal.signal(sig, lambda *_: stop.set())
    try:
        serve.start(http_options={"host": host, "port": port})
        serve.run(app, name=APP_NAME, route_prefix="/")
        print(f"act serve: on Ray Serve, {describe(scaling)}, http://{host}:{port}", file=sys.stderr, flush=True)
        while not stop.wait(0.5):   # a short wait, so the signal's handler runs promptly
            pass
    finally:
        serve.shutdown()
        ray.shutdown()


def describe(scaling: Scaling) -> str:
    if scaling.autoscale:
        return f"{scaling.autoscale[0]} to {scaling.autoscale[1]} replicas (autoscaling)"
    return f"{scaling.replicas} replica(s)"
