"""The sandbox's WSGI application: PatSnap's paths, parameters, envelope and error codes.

Business errors come back with HTTP 200 and ``{"status": false, "error_code": ...}``,
as PatSnap's do; only ``/oauth/token`` answers bad credentials with HTTP 401,
and injected faults use HTTP 500/502/503 or drop the connection.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import io
import json
import logging
import math
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from PIL import Image
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .. import codes
from . import batch, multiview
from .auth import Authenticator, AuthError
from .faults import FaultInjector
from .ledger import Ledger, LedgerEntry, clean_params
from .numbers import parse_number_query, search_numbers
from .params import Filters, ParamError, get, parse_filters, parse_limit, parse_list, parse_offset, required
from .ranking import Ranking, SearchEngine, sha256
from .records import bibliography_item, full_bibliography_item, hit_message, legal_item, legal_status_item, number_result

log = logging.getLogger(__name__)

MAX_IDS = codes.ID_BATCH_MAX  # P011 / P012 / P013 / P041: up to 100 comma-separated ids per call
#: Endpoints whose body is JSON: the ledger records its top-level names.
JSON_ENDPOINTS = ("image_single", "image_multiple", "number_search", "batch_create")
# Bodies above this are refused by werkzeug (413) before they are read; smaller
# oversize uploads get the documented 68300010.
MAX_REQUEST_BYTES = 64 * 1024 * 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_UPLOAD_EXTENSIONS = (".jpg", ".jpeg", ".png")


class ApiError(Exception):
    """A PatSnap business error: envelope with ``error_code`` (HTTP 200 unless told otherwise)."""

    def __init__(self, code: int, message: str | None = None, http_status: int = 200) -> None:
        self.code = code
        self.message = message or codes.ERROR_CODES.get(code, ("Error",))[0]
        self.http_status = http_status
        super().__init__(self.message)


class DroppedConnection(ConnectionAbortedError):
    """Raised after the socket was shut down: werkzeug treats it as a dropped connection."""


def invalid(err: ParamError) -> ApiError:
    return ApiError(68300004, f"{codes.ERROR_CODES[68300004][0]} {err}")


@dataclass
class Upload:
    data: bytes
    mime: str
    expires_at: float


@dataclass
class StoredSearch:
    created_at: float
    ranking: Ranking
    filters: Filters


@dataclass
class Outcome:
    """What a billable handler returns: the envelope's ``data`` and the ledger's result count."""

    data: object
    result_count: int


def envelope(data) -> dict:
    return {"data": data, "status": True, "error_code": 0}


def error_body(code: int, message: str) -> dict:
    return {"status": False, "error_code": code, "error_msg": message}


def retry_after_header(seconds: int, as_date: bool) -> str:
    """The ``Retry-After`` of a 429 answer: ``seconds``, or (``as_date``) the HTTP date that many seconds from now.

    An HTTP date has no fraction of a second: it is rounded up, so that counted from the
    answer's ``Date`` header (the server's clock, rounded down) it is never less than ``seconds``.

    Examples
    --------
    >>> retry_after_header(2, False)
    '2'
    >>> retry_after_header(2, True)
    '..., ... GMT'
    """
    if not as_date:
        return str(seconds)
    return email.utils.formatdate(math.ceil(time.time()) + seconds, usegmt=True)


def json_response(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


class SandboxApp:
    """WSGI callable. ``get_engine`` blocks until the corpus and index are loaded."""

    def __init__(
        self,
        get_engine: Callable[[], SearchEngine],
        authenticator: Authenticator,
        injector: FaultInjector,
        ledger: Ledger,
        *,
        hit_extras: bool = True,
        status: Callable[[], dict] | None = None,
    ) -> None:
        self.get_engine = get_engine
        self.auth = authenticator
        self.faults = injector
        self.ledger = ledger
        self.hit_extras = hit_extras
        self.status = status or (lambda: {})
        self._url_key = secrets.token_bytes(32)
        self._uploads: dict[str, Upload] = {}
        self._searches: dict[str, StoredSearch] = {}
        self._lock = threading.Lock()
        self.batches = batch.BatchJobs()
        self.url_map = Map(
            [
                Rule("/oauth/token", endpoint="token", methods=["POST"]),
                Rule("/image-search/image-upload", endpoint="upload", methods=["POST"]),
                Rule("/image-search/search-id", endpoint="search_id", methods=["GET"]),
                Rule("/image-search/results", endpoint="results", methods=["GET"]),
                Rule("/basic-patent-data/simple-bibliography", endpoint="bibliography", methods=["GET"]),
                Rule("/basic-patent-data/simple-legal-status", endpoint="legal_status", methods=["GET"]),
                Rule("/basic-patent-data/bibliography", endpoint="full_bibliography", methods=["GET"]),
                Rule("/basic-patent-data/legal-status", endpoint="legal_events", methods=["GET"]),
                Rule("/search/patent/patent-search-pn", endpoint="number_search", methods=["POST"]),
                Rule("/files/uploads/<name>", endpoint="upload_file", methods=["GET"]),
                Rule("/files/designs/<patent_id>/<name>", endpoint="design_file", methods=["GET"]),
                Rule("/search/patent/image-single", endpoint="image_single", methods=["POST"]),
                Rule("/search/patent/image-multiple", endpoint="image_multiple", methods=["POST"]),
                Rule(codes.BATCH_CREATE_PATH, endpoint="batch_create", methods=["POST"]),
                Rule(codes.BATCH_RESULT_PATH, endpoint="batch_result", methods=["POST"]),
                Rule("/_sandbox/ledger", endpoint="ledger", methods=["GET", "DELETE"]),
                Rule("/_sandbox/status", endpoint="status", methods=["GET"]),
            ]
        )
        self.billable = {
            "upload": self.do_upload,
            "search_id": self.do_search_id,
            "results": self.do_results,
            "bibliography": self.do_bibliography,
            "legal_status": self.do_legal_status,
            "full_bibliography": self.do_full_bibliography,
            "legal_events": self.do_legal_events,
            "number_search": self.do_number_search,
            "image_single": self.do_image_single,
            "image_multiple": self.do_image_multiple,
            "batch_create": self.do_batch_create,
        }
        # P060/P061: per-image scorers of the designs and of the utility-model part, built on first use
        self._design_scorer = multiview.EngineSlot(self.get_engine)
        self._utility = multiview.EngineSlot(multiview.shared_utility)

    # --- WSGI plumbing -----------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_REQUEST_BYTES
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            if endpoint in self.billable:
                response = self.billed_call(request, endpoint)
            else:
                response = getattr(self, "on_" + endpoint)(request, **values)
        except HTTPException as exc:
            response = exc
        finally:
            request.close()  # releases werkzeug's spooled upload files
        return response(environ, start_response)

    def billed_call(self, request: Request, endpoint: str) -> Response | HTTPException:
        """Auth, quota, latency and faults around one billable handler; always leaves a ledger entry."""
        started = time.time()
        params = clean_params(request.args.to_dict())

        def record(status: int, code: int | None = None, count: int = 0, ok: bool = False) -> None:
            entry = LedgerEntry(request.path, params, started, count, ok, code, status)
            self.ledger.append(entry)

        self.faults.delay()
        try:
            self.auth.check(request.headers.get("Authorization"), request.args.get("apikey"))
            retry_after = self.faults.draw_throttle()
            if retry_after is not None:  # the gateway's "too many requests", before the quota counts it
                record(429, 67200002)
                response = json_response(error_body(67200002, codes.ERROR_CODES[67200002][0]), 429)
                response.headers["Retry-After"] = retry_after_header(retry_after, self.faults.settings.retry_after_date)
                return response
            quota_code = self.faults.take_quota()
            if quota_code is not None:
                raise ApiError(quota_code)
            fault = self.faults.draw_failure()
            if fault is not None:
                return self.inject(request, fault, record)
            if endpoint == "upload":
                params.update(self.upload_params(request))
            if endpoint in JSON_ENDPOINTS:
                params.update(self.json_params(request))
            outcome = self.billable[endpoint](request)
        except AuthError as exc:
            message = f"{codes.ERROR_CODES[exc.code][0]} {exc}"
            record(200, exc.code)
            return json_response(error_body(exc.code, message), 200)
        except ApiError as exc:
            record(exc.http_status, exc.code)
            return json_response(error_body(exc.code, exc.message), exc.http_status)
        except HTTPException as exc:  # e.g. 413 for a body above MAX_REQUEST_BYTES
            record(exc.code or 500)
            return exc
        except DroppedConnection:
            raise
        except Exception as exc:  # a sandbox bug: answer like PatSnap's 67200000, keep the ledger whole
            log.exception("sandbox: %s failed", request.path)
            record(500, 67200000)
            return json_response(error_body(67200000, f"{codes.ERROR_CODES[67200000][0]} {exc!r}"), 500)
        record(200, None, outcome.result_count, True)
        return json_response(envelope(outcome.data))

    def inject(self, request: Request, fault, record) -> Response:
        if fault == "drop":
            record(0)
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise DroppedConnection("sandbox: injected dropped connection")
        if fault == 68300008:
            record(200, 68300008)
            return json_response(error_body(68300008, codes.ERROR_CODES[68300008][0]))
        if fault == 500:
            record(500, 67200000)
            return json_response(error_body(67200000, codes.ERROR_CODES[67200000][0]), 500)
        names = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}
        record(fault)
        page = f"<html><head><title>{fault} {names[fault]}</title></head><body><center><h1>{fault} {names[fault]}</h1></center></body></html>"
        return Response(page, status=fault, mimetype="text/html")

    def today(self) -> dt.date:
        """The sandbox's date: statuses, events and current assignees are as of this day (the ``today`` knob,
        else the clock's date once set)."""
        return self.faults.date()

    def published(self) -> dict[str, dt.date]:
        """Publication dates replaced by the ``published`` knob (patent number -> date); searches serve a
        design only once it is published by :meth:`today`."""
        return self.faults.settings.publication_dates

    # --- token -------------------------------------------------------------------

    def on_token(self, request: Request) -> Response:
        self.faults.delay()
        grant = request.form.get("grant_type")
        if grant != "client_credentials":
            message = f"{codes.ERROR_CODES[68300004][0]} grant_type={grant!r} is invalid: must be client_credentials"
            return json_response(error_body(68300004, message), 400)
        try:
            body = self.auth.issue_token(request.headers.get("Authorization"), self.faults.settings.token_lifetime)
        except AuthError as exc:
            return json_response(error_body(exc.code, f"{codes.ERROR_CODES[exc.code][0]} {exc}"), 401)
        return json_response(body)

    # --- signed file URLs -------------------------------------------------------------

    def sign(self, path: str, expires: int) -> str:
        return hmac.new(self._url_key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def signed_url(self, request: Request, path: str, lifetime: float) -> str:
        expires = int(self.faults.clock.time() + lifetime + 0.999)
        query = urlencode({"expires": expires, "signature": self.sign(path, expires)})
        return f"{request.host_url.rstrip('/')}{path}?{query}"

    def check_signature(self, path: str, args, at: float | None = None) -> bool:
        """True when the URL's signature is ours and it has not expired (by ``at``, default now on the clock)."""
        expires = args.get("expires", "")
        if not expires.isdigit() or not hmac.compare_digest(self.sign(path, int(expires)), args.get("signature", "")):
            return False
        return (self.faults.clock.time() if at is None else at) <= int(expires)

    @staticmethod
    def design_image_path(design, slot: int) -> str:
        return f"/files/designs/{design.patent_id}/{slot}.png"

    def find_upload(self, name: str, at: float | None = None) -> Upload | None:
        upload_id = name.rsplit(".", 1)[0]
        with self._lock:
            upload = self._uploads.get(upload_id)
        if upload is None or upload.expires_at < (self.faults.clock.time() if at is None else at):
            return None
        return upload

    def find_design_image(self, patent_id: str, name: str) -> str | None:
        """The corpus image key behind ``/files/designs/<patent_id>/<n>.png``."""
        engine = self.get_engine()
        index = engine.by_id.get(patent_id)
        utility = self._utility.built
        if index is None and utility is not None:  # a utility-model hit of P060/P061
            engine = utility[0]
            index = engine.by_id.get(patent_id)
        stem, _, ext = name.partition(".")
        if index is None or ext != "png" or not stem.isdigit():
            return None
        keys = engine.designs[index].image_keys
        return keys[int(stem)] if int(stem) < len(keys) else None

    def corpus_of_image(self, key: str):
        """The corpus holding an image key: the designs', else the utility-model part's."""
        engine = self.get_engine()
        utility = self._utility.built
        if key not in engine.image_slots and utility is not None:
            return utility[0].corpus
        return engine.corpus

    def on_upload_file(self, request: Request, name: str) -> Response:
        if not self.check_signature(request.path, request.args):
            return Response("AccessDenied: the URL has expired or its signature is not valid", 403, mimetype="text/plain")
        upload = self.find_upload(name)
        if upload is None:
            raise NotFound("the uploaded image has expired and was deleted")
        return Response(upload.data, mimetype=upload.mime)

    def on_design_file(self, request: Request, patent_id: str, name: str) -> Response:
        if not self.check_signature(request.path, request.args):
            return Response("AccessDenied: the URL has expired or its signature is not valid", 403, mimetype="text/plain")
        key = self.find_design_image(patent_id, name)
        if key is None:
            raise NotFound("no such patent image")
        return Response(self.corpus_of_image(key).image_png(key), mimetype="image/png")

    # --- P010 upload ---------------------------------------------------------------

    @staticmethod
    def upload_params(request: Request) -> dict:
        params = clean_params(request.form.to_dict())
        file = request.files.get("image")
        if file is not None:
            params["filename"] = file.filename
            params["content_type"] = file.mimetype
        return params

    def do_upload(self, request: Request) -> Outcome:
        file = request.files.get("image")
        if file is None:
            raise invalid(ParamError("image", None, "a multipart/form-data file field named 'image' is required"))
        data = file.read(codes.UPLOAD_MAX_BYTES + 1)
        max_kb = codes.UPLOAD_MAX_BYTES // 1024

        def rejected(why: str) -> ApiError:
            return ApiError(68300010, f"{codes.ERROR_CODES[68300010][0]} image: {why} (JPG or PNG, at most {max_kb} KB)")

        if len(data) > codes.UPLOAD_MAX_BYTES:
            raise rejected(f"larger than {max_kb} KB")
        if not data:
            raise rejected("the file is empty")
        name = (file.filename or "").lower()
        if "." in name and not name.endswith(_UPLOAD_EXTENSIONS):
            raise rejected(f"file name {file.filename!r} is not .jpg/.jpeg/.png")
        if data.startswith(_PNG_MAGIC):
            mime, ext, fmt = "image/png", "png", "PNG"
        elif data.startswith(_JPEG_MAGIC):
            mime, ext, fmt = "image/jpeg", "jpg", "JPEG"
        else:
            raise rejected("the content is not a JPG or PNG image")
        try:
            with Image.open(io.BytesIO(data)) as img:
                if img.format != fmt:
                    raise OSError(img.format)
                img.load()
        except Exception:
            raise rejected(f"the {fmt} data cannot be decoded") from None
        lifetime = self.faults.settings.image_url_lifetime
        upload_id = uuid.uuid4().hex
        now = self.faults.clock.time()  # uploads expire on the sandbox's clock
        with self._lock:
            self._uploads = {k: u for k, u in self._uploads.items() if u.expires_at >= now}
            self._uploads[upload_id] = Upload(data, mime, now + lifetime)
        url = self.signed_url(request, f"/files/uploads/{upload_id}.{ext}", lifetime)
        return Outcome({"url": url, "expire": int(round(lifetime))}, 1)

    # --- P009 search ---------------------------------------------------------------

    def own_netlocs(self, request: Request) -> set[str]:
        port = request.environ.get("SERVER_PORT", "")
        return {request.host.lower(), f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}

    def query_image(self, request: Request, url: str, at: float | None = None):
        """(PIL image, cache key) for a URL this sandbox handed out, alive at ``at`` (default now); ParamError otherwise."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in self.own_netlocs(request):
            raise ParamError(
                "url", url, "the sandbox searches only images it serves itself (P010 upload URLs and hit image URLs); "
                "it never fetches other addresses"
            )
        args = MultiDict(parse_qsl(parts.query))
        segments = parts.path.strip("/").split("/")
        gone = ParamError("url", url, "the image URL has expired, is not signed or points to no image")
        if not self.check_signature(parts.path, args, at):
            raise gone
        if len(segments) == 3 and segments[:2] == ["files", "uploads"]:
            upload = self.find_upload(segments[2], at)
            if upload is None:
                raise gone
            return Image.open(io.BytesIO(upload.data)), "upload:" + sha256(upload.data)
        if len(segments) == 4 and segments[:2] == ["files", "designs"]:
            key = self.find_design_image(segments[2], segments[3])
            if key is None:
                raise gone
            return self.corpus_of_image(key).image(key), "design:" + key
        raise gone

    def page(self, request: Request, search_id: str, ranking: Ranking, offset: int, limit: int) -> Outcome:
        engine = self.get_engine()
        lifetime = self.faults.settings.image_url_lifetime
        messages = []
        for hit in ranking.hits[offset : offset + limit]:
            design = engine.designs[hit.design_index]
            _, slot = engine.image_slots[hit.image_key]
            url = self.signed_url(request, self.design_image_path(design, slot), lifetime)
            messages.append(hit_message(design, hit.score, url, self.hit_extras))
        data = {"search_id": search_id, "patent_messages": messages, "total_search_result_count": ranking.total}
        return Outcome(data, len(messages))

    def do_search_id(self, request: Request) -> Outcome:
        args = request.args
        try:
            url = required(args, "url", "the URL of a JPG or PNG image")
            filters = parse_filters(args, day=self.today(), published=self.published())
            limit = parse_limit(args)
            image, cache_key = self.query_image(request, url)
        except ParamError as exc:
            raise invalid(exc) from None
        engine = self.get_engine()
        matches = engine.match(image, cache_key)
        ranking = engine.rank(matches, filters)
        search_id = uuid.uuid4().hex.upper() + "-1-D"
        now = time.time()
        lifetime = self.faults.settings.search_id_lifetime
        with self._lock:
            self._searches = {k: s for k, s in self._searches.items() if s.created_at + lifetime > now}
            self._searches[search_id] = StoredSearch(now, ranking, filters)
        return self.page(request, search_id, ranking, 0, limit)

    def do_results(self, request: Request) -> Outcome:
        args = request.args
        try:
            search_id = required(args, "search_id", "the id returned by /image-search/search-id")
            filters = parse_filters(args, day=self.today(), published=self.published())
            limit = parse_limit(args)
            offset = parse_offset(args)
        except ParamError as exc:
            raise invalid(exc) from None
        with self._lock:
            stored = self._searches.get(search_id)
        lifetime = self.faults.settings.search_id_lifetime
        if stored is None or stored.created_at + lifetime <= time.time():
            raise ApiError(codes.SEARCH_EXPIRED_CODE, codes.SEARCH_EXPIRED_MESSAGE)
        ranking = stored.ranking
        filter_key = [kv for kv in filters.key if kv[0] not in ("field", "order")]
        stored_key = [kv for kv in stored.filters.key if kv[0] not in ("field", "order")]
        sort_given = get(args, "field") is not None or get(args, "order") is not None
        refilter = filters.narrows and filter_key != stored_key
        resort = sort_given and (filters.field, filters.order) != (stored.filters.field, stored.filters.order)
        if refilter or resort:
            ranking = self.get_engine().narrow(ranking, filters, refilter=refilter, resort=resort)
        return self.page(request, search_id, ranking, offset, limit)

    # --- P060 / P061 (JSON bodies; see multiview.py) -----------------------------------

    @staticmethod
    def json_body(request: Request):
        try:
            return json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            raise invalid(ParamError("body", "<not JSON>", "a JSON object (Content-Type: application/json)")) from None

    def json_params(self, request: Request) -> dict:
        """The ledger's view of a JSON body: top-level names, lists joined by commas."""
        try:
            body = self.json_body(request)
        except ApiError:
            return {}
        if not isinstance(body, dict):
            return {}
        flat = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in body.items()}
        return clean_params(flat)

    def do_image_single(self, request: Request) -> Outcome:
        return self.image_search(request, multiple=False)

    def do_image_multiple(self, request: Request) -> Outcome:
        return self.image_search(request, multiple=True)

    def image_search(self, request: Request, *, multiple: bool) -> Outcome:
        body = self.json_body(request)
        try:
            query = multiview.parse_body(body, multiple=multiple, day=self.today(), published=self.published())
            images = [self.query_image(request, url) for url in query.urls]
        except ParamError as exc:
            if exc.name == "url" and multiple:
                exc = ParamError("urls", exc.value, exc.allowed)
            raise invalid(exc) from None
        engine, answer = self.multiview_answer(query, images)
        messages = self.full_hits(request, engine, answer, query, answer.ranking.hits[query.offset : query.offset + query.limit])
        data = {"patent_messages": messages, "total_search_result_count": answer.ranking.total}
        return Outcome(data, len(messages))

    def multiview_answer(self, query: multiview.ImageQuery, images: list) -> tuple:
        """(engine, multiview.Answer) of a P060/P061/P062 query."""
        slot = self._design_scorer if query.patent_type == "D" else self._utility
        engine, scorer = slot.get(colour=query.patent_type == "U")
        return engine, multiview.search(scorer, images, query)

    def full_hits(self, request: Request, engine, answer, query: multiview.ImageQuery, hits) -> list[dict]:
        """The ``patent_messages`` of ``hits`` (of ``answer``), with image URLs signed now."""
        lifetime = self.faults.settings.image_url_lifetime
        kinds = getattr(engine.corpus, "kinds", {})
        messages = []
        for hit in hits:
            design = engine.designs[hit.design_index]
            _, slot_no = engine.image_slots[hit.image_key]
            url = self.signed_url(request, self.design_image_path(design, slot_no), lifetime)
            loc_match = None if answer.predicted_loc is None else answer.predicted_loc in design.loc
            messages.append(multiview.full_hit(
                design, hit.score, url, img_id=hit.image_key if query.return_img_id else None,
                loc_match=loc_match, title=multiview.title_in(design, kinds, query.lang), day=query.filters.on))
        return messages

    # --- P062 (overnight batches; see batch.py) ------------------------------------------

    def do_batch_create(self, request: Request) -> Outcome:
        body = self.json_body(request)
        try:
            query, threshold = batch.parse_create(body, day=self.today(), published=self.published())
            for url in query.urls:  # a URL of another host is refused at create; expiry is judged when it runs
                if urlsplit(url).netloc.lower() not in self.own_netlocs(request):
                    self.query_image(request, url)
        except ParamError as exc:
            raise invalid(exc) from None
        job = self.batches.create(query, threshold, self.faults.clock.time(), self.faults.settings.batch_runs_at)
        return Outcome({"job_id": job.job_id}, len(query.urls))

    def on_batch_result(self, request: Request) -> Response:
        """P062 result: not billed (the create was), but authenticated like every business call."""
        self.faults.delay()
        try:
            self.auth.check(request.headers.get("Authorization"), request.args.get("apikey"))
            body = self.json_body(request)
            task_id = body.get("task_id") if isinstance(body, dict) else None
            job = self.batches.get(task_id) if isinstance(task_id, str) else None
            if job is None:
                raise ApiError(codes.BATCH_UNKNOWN_CODE, f"{codes.ERROR_CODES[codes.BATCH_UNKNOWN_CODE][0]} "
                               f"task_id={task_id!r} is unknown: send the job_id single-batch-create returned")
            now = self.faults.clock.time()
            status = job.status(now)
            if status != "FINISHED":
                raise ApiError(codes.BATCH_NOT_READY_CODE, f"{codes.BATCH_NOT_READY_MESSAGE}: status {status}, "
                               f"results from {batch.service_time(job.ready_at)} (service time, UTC+8)")
            return json_response(envelope(batch.result_data(self, request, job)))
        except AuthError as exc:
            return json_response(error_body(exc.code, f"{codes.ERROR_CODES[exc.code][0]} {exc}"), 200)
        except ApiError as exc:
            return json_response(error_body(exc.code, exc.message), exc.http_status)

    # --- P011 / P012 / P013 / P041 (by id, batches of 100) and P069 (by number) ---------

    def lookup(self, request: Request) -> list:
        args = request.args
        try:
            ids = parse_list(args, "patent_id")
            numbers = parse_list(args, "patent_number")
            if ids is None and numbers is None:
                raise ParamError("patent_id", None, "patent_id or patent_number is required (up to 100, comma-separated)")
            name, values = ("patent_id", ids) if ids is not None else ("patent_number", numbers or [])
            if len(values) > MAX_IDS:
                raise ParamError(name, f"<{len(values)} values>", f"at most {MAX_IDS} comma-separated values")
        except ParamError as exc:
            raise invalid(exc) from None
        engine = self.get_engine()
        table, norm = (engine.by_id, str) if name == "patent_id" else (engine.by_pn, str.upper)
        found, seen = [], set()
        for value in values:
            index = table.get(norm(value))
            if index is not None and index not in seen:
                seen.add(index)
                found.append(engine.designs[index])
        return found

    def items(self, request: Request, record: Callable) -> Outcome:
        """One ``record(design, today)`` per patent found: billed per result."""
        day = self.today()
        items = [record(d, day) for d in self.lookup(request)]
        return Outcome(items, len(items))

    def do_bibliography(self, request: Request) -> Outcome:
        return self.items(request, bibliography_item)

    def do_legal_status(self, request: Request) -> Outcome:
        return self.items(request, legal_status_item)

    def do_full_bibliography(self, request: Request) -> Outcome:
        return self.items(request, full_bibliography_item)

    def do_legal_events(self, request: Request) -> Outcome:
        return self.items(request, legal_item)

    def do_number_search(self, request: Request) -> Outcome:
        body = self.json_body(request)
        try:
            query = parse_number_query(body)
        except ParamError as exc:
            raise invalid(exc) from None
        found = search_numbers(self.get_engine().designs, query)
        day = self.today()
        results = [number_result(d, day) for d in found[query.offset : query.offset + query.limit]]
        return Outcome({"results": results, "total": len(found)}, len(results))

    # --- sandbox-only endpoints ------------------------------------------------------

    def on_ledger(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.ledger.clear()
        return json_response(self.ledger.to_list())

    def on_status(self, request: Request) -> Response:
        return json_response(self.status())
