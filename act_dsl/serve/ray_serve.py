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

APP_NAME = DEPLOYMENT = "act_serve"


@dataclass(frozen=True)
class Scaling:
    """How many replicas: a fixed number, or (min, max) for Ray Serve's autoscaler, which aims at `target_ongoing`
    requests (running and queued) per replica and acts on a decision only after it held `upscale_delay` seconds
    (adding) or `downscale_delay` seconds (removing). The defaults are Ray Serve's own."""
    replicas: int = 1
    autoscale: tuple[int, int] | None = None
    target_ongoing: float = 2.0
    upscale_delay: float = 30.0
    downscale_delay: float = 600.0

    def options(self) -> dict[str, Any]:
        if self.autoscale is None:
            return {"num_replicas": self.replicas}
        low, high = self.autoscale
        return {"autoscaling_config": {"min_replicas": low, "max_replicas": high, "initial_replicas": low,
                                       "target_ongoing_requests": self.target_ongoing,
                                       "upscale_delay_s": self.upscale_delay,
                                       "downscale_delay_s": self.downscale_delay}}

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
        name=DEPLOYMENT, ray_actor_options={"num_cpus": 1},
        # a replica being stopped (scale-down, shutdown) first answers what it accepted, within the deadline
        graceful_shutdown_timeout_s=limits.deadline + 5, **scaling.options())(serve.ingress(build)(ActServeReplica))
    return deployment.bind()


KNOBS = ("target_ongoing", "upscale_delay", "downscale_delay")   # the autoscaler's settings, as Scaling names them


def autoscaling(text: str, knobs: dict[str, float | None]) -> Scaling:
    """`--autoscale MIN:MAX` and the autoscaler's settings (None: Ray Serve's default); ValueError names a bad one."""
    low, high = parse_autoscale(text)
    given = {k: float(v) for k, v in knobs.items() if v is not None}
    if not given.get("target_ongoing", 1.0) > 0:   # also NaN
        raise ValueError("the target of ongoing requests per replica (--target-ongoing) must be above 0, "
                         f"got {given['target_ongoing']:g}")
    for name in ("upscale_delay", "downscale_delay"):
        if not given.get(name, 0.0) >= 0:   # also NaN
            raise ValueError(f"the {name.replace('_', ' ')} (--{name.replace('_', '-')}) must be 0 or more seconds, "
                             f"got {given[name]:g}")
    base = Scaling()
    return Scaling(autoscale=(low, high), target_ongoing=given.get("target_ongoing", base.target_ongoing),
                   upscale_delay=given.get("upscale_delay", base.upscale_delay),
                   downscale_delay=given.get("downscale_delay", base.downscale_delay))


def app_builder(args: dict[str, str]) -> Any:
    """For `serve run act_dsl.serve.ray_serve:app_builder file=TASK.act [task=T] [replicas=N | autoscale=MIN:MAX
    [target_ongoing=R] [upscale_delay=S] [downscale_delay=S]] [token=T] [deadline=S] [reference_date=YYYY-MM-DD]`
    and Serve config files (`import_path`, `args`)."""
    known = {"file", "task", "replicas", "autoscale", "token", "deadline", "reference_date", "none_value", "workers",
             *KNOBS}
    unknown = sorted(set(args) - known)
    if unknown or "file" not in args:
        raise ValueError(f"act serve on Ray takes file=TASK.act and optionally {', '.join(sorted(known - {'file'}))}"
                         + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    knobs = {k: float(args[k]) if k in args else None for k in KNOBS}
    if "autoscale" in args:
        scaling = autoscaling(args["autoscale"], knobs)
    elif any(v is not None for v in knobs.values()):
        raise ValueError(f"{', '.join(k for k in KNOBS if k in args)} needs autoscale=MIN:MAX")
    else:
        scaling = Scaling(int(args.get("replicas", 1)))
    settings = ServeSettings(os.path.abspath(args["file"]), args.get("task"), args.get("reference_date"))
    limits = Limits(deadline=float(args.get("deadline", Limits.deadline)))
    return application(settings, scaling, limits, args.get("token") or os.environ.get("ACT_SERVE_TOKEN") or None,
                       float(args.get("none_value", 0.0)), int(args.get("workers", 0)))


PROXY_READY_S = 30   # seconds, for each of Ray Serve's 3 readiness checks of a starting HTTP proxy (its default: 5)


class StartError(RuntimeError):
    """Ray Serve's controller, HTTP proxy or replicas did not come up (the message says which, as Ray put it)."""


def run(app: Any, host: str, port: int, address: str | None, scaling: Scaling) -> None:
    """Start Ray (a new local instance unless `address` names a cluster), deploy on host:port, and serve until
    SIGTERM or Ctrl-C; then Serve stops its replicas gracefully and Ray shuts down."""
    import ray
    from ray import serve
    if address is None:   # never join a Ray that another program on this machine started
        # Ray Serve gives its HTTP proxy 5 s to answer a readiness check and replaces it after 3 misses; on 2
        # busy cores its start-up alone can take longer, and the proxy was killed before it ever ran. The local
        # Ray's processes inherit this environment; a value the user set is kept.
        os.environ.setdefault("RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S", str(PROXY_READY_S))
        ray.init(address="local", num_cpus=max(os.cpu_count() or 1, scaling.most), include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):   # after ray.init, which installs handlers of its own
        signal.signal(sig, lambda *_: stop.set())
    try:
        try:
            serve.start(http_options={"host": host, "port": port})
            serve.run(app, name=APP_NAME, route_prefix="/")
        except (TimeoutError, ray.exceptions.RayError) as exc:
            said = str(exc).strip().splitlines() or ["no message"]
            raise StartError(f"Ray Serve did not start on {host}:{port} ({type(exc).__name__}: {said[0]}); on a busy "
                             "machine its parts can miss their start-up deadlines: try again when it is quieter"
                             ) from None
        print(f"act serve: on Ray Serve, {describe(scaling)}, http://{host}:{port}", file=sys.stderr, flush=True)
        shown, polls = scaling.replicas if scaling.autoscale is None else scaling.autoscale[0], 0
        while not stop.wait(0.5):   # a short wait, so the signal's handler runs promptly
            polls += 1
            if scaling.autoscale is None or polls % 2:
                continue
            try:   # once a second: say when the autoscaler changed the count
                running = running_replicas()
            except Exception:   # noqa: BLE001 - a status read that fails (a busy controller) never stops serving
                running = None
            if running is not None and running != shown:
                print(f"act serve: {running} replica(s) running (was {shown})", file=sys.stderr, flush=True)
                shown = running
    finally:
        try:   # the application first, while the HTTP proxies still run: each replica answers what it accepted
            serve.delete(APP_NAME)   # (within graceful_shutdown_timeout_s) and the proxy carries the answer back;
        except Exception:   # noqa: BLE001 - serve.shutdown() alone cut every request in flight off
            pass            # never deployed (serve.run failed): nothing to drain
        serve.shutdown()
        ray.shutdown()


def running_replicas() -> int | None:
    """How many replicas of the deployment are running, from Ray Serve's status (None before it is deployed)."""
    from ray import serve
    app = serve.status().applications.get(APP_NAME)
    deployment = app.deployments.get(DEPLOYMENT) if app is not None else None
    return None if deployment is None else sum(n for state, n in deployment.replica_states.items()
                                               if state == "RUNNING")


def describe(scaling: Scaling) -> str:
    if scaling.autoscale:
        return (f"{scaling.autoscale[0]} to {scaling.autoscale[1]} replicas (autoscaling: {scaling.target_ongoing:g} "
                f"ongoing requests per replica, up after {scaling.upscale_delay:g} s, down after "
                f"{scaling.downscale_delay:g} s)")
    return f"{scaling.replicas} replica(s)"
