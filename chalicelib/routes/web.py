"""Serves the web app: ``GET /`` (the HTML page) and ``GET /static/{name}`` (its modules, styles
and icon).

Only the files named in ``ASSETS`` are ever served; any other name is a 404, so no request can
reach an arbitrary path. Files are read on first use and kept in memory for the life of the
process (nothing is read at import time, which keeps cold starts lean).

Assets are not fingerprinted, so they are sent with ``Cache-Control: no-cache`` and a strong
``ETag``: browsers revalidate on every load and get a cheap 304 while nothing changed, and a
deployment never leaves a browser with a mix of old and new modules.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from chalice import Blueprint, Response

blueprint = Blueprint(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

# The page is the only HTML document; everything it loads comes from this origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

_JS = "text/javascript; charset=utf-8"

# The allow-list: file name -> Content-Type.
ASSETS: dict[str, str] = {
    "app.js": _JS,
    "api.js": _JS,
    "dom.js": _JS,
    "register.js": _JS,
    "matching.js": _JS,
    "programs.js": _JS,
    "messages.js": _JS,
    "profile.js": _JS,
    "styles.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}

INDEX_FILE = "index.html"
HTML_TYPE = "text/html; charset=utf-8"
# In index.html, stands for the path the API is served under ("" locally, "/api" behind an
# API Gateway stage), so that asset URLs work whether or not the page URL ends with a slash.
BASE_PLACEHOLDER = "{{BASE}}"

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
HTML_HEADERS = {
    **COMMON_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
}
ASSET_HEADERS = {
    **COMMON_HEADERS,
    "Cache-Control": "no-cache",
}


class _File:
    __slots__ = ("text", "etag")

    def __init__(self, text: str):
        self.text = text
        self.etag = '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


_cache: dict[str, _File] = {}
_lock = threading.Lock()


def _load(name: str) -> _File:
    cached = _cache.get(name)
    if cached is None:
        with _lock:
            cached = _cache.get(name)
            if cached is None:
                cached = _File((WEB_DIR / name).read_text(encoding="utf-8"))
                _cache[name] = cached
    return cached


def clear_cache() -> None:
    """Forget the files read so far (for tests and local development)."""
    with _lock:
        _cache.clear()


def _base_path() -> str:
    """The path prefix the app is reached under, without a trailing slash.

    ``GET /`` is requested as ``/`` locally, and as ``/api`` or ``/api/`` behind an API Gateway
    stage; the request context carries that path.
    """
    context = blueprint.current_request.context or {}
    path = context.get("path") or "/"
    # Only keep characters that are safe inside an HTML attribute value and a URL path.
    prefix = path.rstrip("/")
    if not all(c.isalnum() or c in "/-_.~" for c in prefix):
        return ""
    return prefix


def _not_modified(etag: str) -> bool:
    header = blueprint.current_request.headers.get("if-none-match") or ""
    candidates = {tag.strip() for tag in header.split(",")}
    return etag in candidates or "*" in candidates


def _respond(body: str, etag: str, content_type: str, headers: dict[str, str]) -> Response:
    all_headers = {**headers, "ETag": etag}
    if _not_modified(etag):
        return Response(body="", status_code=304, headers=all_headers)
    return Response(body=body, status_code=200, headers={**all_headers, "Content-Type": content_type})


@blueprint.route("/", methods=["GET"])
def index() -> Response:
    page = _load(INDEX_FILE)
    base = _base_path()
    body = page.text.replace(BASE_PLACEHOLDER, base)
    etag = page.etag if not base else page.etag[:-1] + "-" + hashlib.sha256(base.encode()).hexdigest()[:8] + '"'
    return _respond(body, etag, HTML_TYPE, HTML_HEADERS)


@blueprint.route("/static/{name}", methods=["GET"])
def static_asset(name: str) -> Response:
    content_type = ASSETS.get(name)
    if content_type is None:
        return Response(
            body={"Code": "NotFoundError", "Message": "name: no such asset"},
            status_code=404,
            headers={**COMMON_HEADERS, "Content-Type": "application/json"},
        )
    asset = _load(name)
    return _respond(asset.text, asset.etag, content_type, ASSET_HEADERS)
