"""Run the sandbox: a werkzeug server in a background thread, as a context manager.

Examples
--------
>>> import requests
>>> from patsnap_pandas.sandbox import start_sandbox
>>> with start_sandbox() as sandbox:
...     key = sandbox.credentials.api_key
...     r = requests.get(sandbox.base_url + "/basic-patent-data/simple-legal-status",
...                      params={"patent_id": sandbox.corpus.designs[0].patent_id},
...                      headers={"Authorization": f"Bearer {key}"})
...     body = r.json()
...     body["status"], body["error_code"], sorted(body["data"][0])
(True, 0, ['patent_id', 'pn', 'simple_legal_status'])
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from .. import codes
from .app import ApiError, SandboxApp
from .auth import Authenticator, SandboxCredentials
from .faults import FaultInjector, FaultSettings
from .ledger import Ledger
from .ranking import SearchEngine

_ENGINES: dict[tuple, SearchEngine] = {}
_ENGINES_LOCK = threading.Lock()
LOAD_TIMEOUT_S = 900.0


def load_engine(corpus=None, *, corpus_size: int = 600, corpus_seed: int = 0, index=None) -> SearchEngine:
    """Corpus + image index, loaded once per process for each corpus spec (sandboxes share them)."""
    from .corpus import CACHE_DIR_ENV, load_corpus

    cache_dir = os.environ.get(CACHE_DIR_ENV)
    key: tuple[object, ...]
    if corpus is None:
        key = ("generated", corpus_size, corpus_seed, cache_dir)
    elif isinstance(corpus, (str, Path)):
        key = ("dir", str(Path(corpus).resolve()), cache_dir)
    else:
        key = ("object", id(corpus))
    if index is not None:
        key += ("index", id(index))
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            loaded = load_corpus(corpus, size=corpus_size, seed=corpus_seed)
            if index is None:
                from .index import ImageIndex

                index = ImageIndex(loaded)
            engine = SearchEngine(loaded, index)
            _ENGINES[key] = engine
        return engine


class _Handler(WSGIRequestHandler):
    """werkzeug's handler without per-request log lines (unless the server asks for them)."""

    def log_request(self, code="-", size="-") -> None:
        if getattr(self.server, "log_requests", False):
            super().log_request(code, size)

    def connection_dropped(self, error, environ=None) -> None:
        # An injected drop shut the socket: what is left of the request body must not be read
        # as the next request line (werkzeug would log "code 400, Bad request syntax").
        self.close_connection = True


class Sandbox:
    """A running offline PatSnap server. Create it with ``start_sandbox``.

    Attributes
    ----------
    base_url : str
        ``"http://127.0.0.1:PORT"``: pass it as the client's base URL.
    credentials : SandboxCredentials
        ``client_id``, ``client_secret`` and ``api_key`` (``sk-...``) this instance accepts.
    ledger : Ledger
        Every billable call, failed ones included.
    corpus : Corpus
        The designs served (waits for them to load).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> sandbox = start_sandbox(latency=0.01)
    >>> sandbox
    <Sandbox http://127.0.0.1:... ready>
    >>> creds = sandbox.credentials
    >>> client = PatsnapClient(client_id=creds.client_id, client_secret=creds.client_secret,
    ...                        base_url=sandbox.base_url)
    >>> hits = search_designs(samples.image("armchair"), client=client)
    >>> [entry.endpoint for entry in sandbox.ledger]
    ['/image-search/image-upload', '/image-search/search-id']
    >>> sandbox.configure(quota=0)                   # from now on every billable call fails
    >>> sandbox.settings.quota, sandbox.quota_used
    (0, 0)
    >>> client.close(); sandbox.stop()
    """

    def __init__(
        self,
        corpus=None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        corpus_size: int = 600,
        corpus_seed: int = 0,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_key: str | None = None,
        hit_extras: bool = True,
        index=None,
        wait: bool = True,
        log_requests: bool = False,
        **fault_options,
    ) -> None:
        self._injector = FaultInjector(FaultSettings().replace(**fault_options))
        self.credentials = SandboxCredentials.create(client_id, client_secret, api_key)
        self.ledger = Ledger()
        self._engine: SearchEngine | None = None
        self._load_error: BaseException | None = None
        self._ready = threading.Event()
        self._corpus_spec = (corpus, corpus_size, corpus_seed, index)
        self.app = SandboxApp(
            self._get_engine,
            Authenticator(self.credentials),
            self._injector,
            self.ledger,
            hit_extras=hit_extras,
            status=self._status,
        )
        try:
            self._server = make_server(host, port, self.app, threaded=True, request_handler=_Handler)
        except SystemExit:  # werkzeug exits on bind errors; an API must raise instead
            raise OSError(f"cannot listen on {host}:{port} (port in use or address not available)") from None
        self._server.log_requests = log_requests  # type: ignore[attr-defined]  # read by _Handler
        self.host = host
        self.port = self._server.server_address[1]
        self.base_url = f"http://{_url_host(host)}:{self.port}"
        self._stopped = False
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=f"patsnap-sandbox-{self.port}", daemon=True)
        self._thread.start()
        self._loader = threading.Thread(target=self._load, name="patsnap-sandbox-load", daemon=True)
        self._loader.start()
        if wait:
            try:
                self.wait_ready()
            except BaseException:
                self.stop()
                raise

    # --- corpus loading ----------------------------------------------------------------

    def _load(self) -> None:
        corpus, size, seed, index = self._corpus_spec
        try:
            self._engine = load_engine(corpus, corpus_size=size, corpus_seed=seed, index=index)
        except BaseException as exc:  # reported to callers by wait_ready / as 67200000
            self._load_error = exc
        finally:
            self._ready.set()

    def wait_ready(self, timeout: float | None = LOAD_TIMEOUT_S) -> None:
        """Block until the corpus and image index are loaded; re-raise a loading error."""
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the sandbox corpus did not load within {timeout} s")
        if self._load_error is not None:
            raise RuntimeError(f"the sandbox corpus failed to load: {self._load_error!r}") from self._load_error

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._load_error is None

    def _get_engine(self) -> SearchEngine:
        try:
            self.wait_ready()
        except Exception as exc:
            raise ApiError(67200000, f"Server internal error! {exc}", 500) from exc
        assert self._engine is not None  # wait_ready() returned: the engine is loaded
        return self._engine

    def _status(self) -> dict:
        engine = self._engine
        return {
            "sandbox": True,  # clients on this machine tell sandbox data from PatSnap's by this
            "ready": self.ready,
            "error": None if self._load_error is None else repr(self._load_error),
            "corpus": None if engine is None else engine.corpus.name,
            "designs": None if engine is None else len(engine.designs),
            "today": self.today.isoformat(),
            "now": self.now.isoformat(timespec="seconds"),  # the clock: service time, UTC+8
        }

    @property
    def corpus(self):
        """The ``Corpus`` served (waits for it to load)."""
        self.wait_ready()
        return self._engine.corpus

    # --- knobs ---------------------------------------------------------------------

    @property
    def settings(self) -> FaultSettings:
        """The current fault and lifetime settings."""
        return self._injector.settings

    def configure(self, **fault_options) -> None:
        """Change knobs while running (latency, latency_jitter, failure_rate, drop_rate,
        failure_kinds, quota, quota_code, token_lifetime, image_url_lifetime,
        search_id_lifetime, seed, today, now, batch_runs_at, published). Reseeds the fault generators and
        restarts the quota count; ``now`` sets the clock (see :meth:`set_clock`, :meth:`advance`).
        """
        self._injector.configure(**fault_options)

    @property
    def today(self):
        """The sandbox's date (``datetime.date``): the ``today`` knob, else the real date.

        Legal statuses (P041, P013, the status filters), the events P013 lists and the current
        assignees (P011, P012, P060/P061, P069) are as of this day.
        """
        return self._injector.date()

    @property
    def clock(self):
        """The sandbox's :class:`~patsnap_pandas.sandbox.clock.SandboxClock` (service time, UTC+8)."""
        return self._injector.clock

    @property
    def now(self):
        """The sandbox's service time now (aware ``datetime``, UTC+8): the ``now`` knob's clock, running on."""
        return self._injector.clock.now()

    def set_clock(self, now=None) -> None:
        """Set the clock to ``now`` (service time; None: the real time) without touching the other knobs."""
        self._injector.clock.set(now)

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0) -> None:
        """Move the sandbox's clock forward: image URLs expire, P062 windows open and close, ``today`` follows.

        Examples
        --------
        >>> with start_sandbox(corpus_size=60, now="2026-12-07 15:00") as sandbox:
        ...     sandbox.advance(hours=17)
        ...     sandbox.now.strftime("%Y-%m-%d %H:%M"), sandbox.today.isoformat()
        ('2026-12-08 08:00', '2026-12-08')
        """
        self._injector.clock.advance(seconds, minutes=minutes, hours=hours, days=days)

    def in_force_on(self, day=None, markets=None) -> list:
        """The designs in force on ``day`` (default :attr:`today`), of the authorities ``markets`` if given:
        the sandbox's own truth, to compare a client's answer with (see ``Corpus.in_force_on``)."""
        return self.corpus.in_force_on(self.today if day is None else day, markets)

    @property
    def quota_used(self) -> int:
        """Billable calls counted against the quota since it was last configured."""
        return self._injector.quota_used

    # --- lifecycle ---------------------------------------------------------------------

    def stop(self) -> None:
        """Stop serving and close the port (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else ("ready" if self.ready else "loading")
        return f"<Sandbox {self.base_url} {state}>"


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def start_sandbox(
    corpus=None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 0,
    corpus_size: int = 600,
    latency: float = 0.0,
    latency_jitter: float = 0.0,
    failure_rate: float = 0.0,
    drop_rate: float | None = None,
    quota: int | None = None,
    quota_code: int = 67200002,
    token_lifetime: float = codes.TOKEN_LIFETIME_S,
    image_url_lifetime: float = codes.IMAGE_URL_LIFETIME_S,
    search_id_lifetime: float = codes.SEARCH_ID_LIFETIME_S,
    **options,
) -> Sandbox:
    """Start an offline PatSnap-compatible server on ``host`` (loopback by default).

    Parameters
    ----------
    corpus : None, str, Path or Corpus
        None: the generated corpus (``corpus_size`` designs, ``corpus_seed``);
        a folder of drawings with a ``manifest.csv`` (see ``directory_corpus``); or a ``Corpus``.
    host, port : str, int
        Where to listen; port 0 picks a free one.
    seed : int
        Seeds the fault generators (not the corpus: see ``corpus_seed``).
    latency, latency_jitter, failure_rate, drop_rate, quota, quota_code :
        Fault knobs, see ``FaultSettings`` and docs/sandbox.md.
    token_lifetime, image_url_lifetime, search_id_lifetime : float
        Seconds.
    **options
        ``corpus_seed``, ``client_id``, ``client_secret``, ``api_key``, ``failure_kinds``,
        ``hit_extras`` (default True), ``wait`` (default True: return once the
        corpus is loaded), ``log_requests``, ``today`` (the sandbox's date for legal
        statuses and events, ``"YYYY-MM-DD"`` or a ``datetime.date``; default: the real date),
        ``now`` (the clock's service time, UTC+8, e.g. ``"2026-12-07 15:00"``; it runs on from there),
        ``batch_runs_at`` (when P062 jobs run)
        and the other knobs of ``FaultSettings``.

    Returns
    -------
    Sandbox
        Running; use it as a context manager or call ``stop()``.

    Examples
    --------
    >>> with start_sandbox(failure_rate=0.2, seed=1) as sandbox:
    ...     print(sandbox.base_url, len(sandbox.corpus.designs), sandbox.credentials.api_key[:3])
    http://127.0.0.1:... 600 sk-

    Most code starts it through the client, which also stops it:
    ``PatsnapClient.sandbox(failure_rate=0.2, seed=1)``.
    """
    return Sandbox(
        corpus,
        host=host,
        port=port,
        seed=seed,
        corpus_size=corpus_size,
        latency=latency,
        latency_jitter=latency_jitter,
        failure_rate=failure_rate,
        drop_rate=drop_rate,
        quota=quota,
        quota_code=quota_code,
        token_lifetime=token_lifetime,
        image_url_lifetime=image_url_lifetime,
        search_id_lifetime=search_id_lifetime,
        **options,
    )
