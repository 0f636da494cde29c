"""The web app's blueprint: the page, its assets, their types and security headers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.routes import web

WEB_DIR = Path(web.__file__).resolve().parent.parent / "web"
ROOT = WEB_DIR.parent.parent

EXPECTED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def client():
    app = Chalice(app_name="web-assets-test")
    app.register_blueprint(web.blueprint)
    web.clear_cache()
    with Client(app) as test_client:
        yield test_client.http
    web.clear_cache()


def _header(response, name):
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return value
    return None


def test_index_is_html_with_strict_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert _header(response, "Content-Type") == "text/html; charset=utf-8"
    assert _header(response, "Content-Security-Policy") == EXPECTED_CSP
    assert _header(response, "X-Content-Type-Options") == "nosniff"
    assert _header(response, "Referrer-Policy") == "no-referrer"
    assert _header(response, "Cache-Control")
    body = response.body.decode("utf-8")
    assert body.lstrip().lower().startswith("<!doctype html>")
    assert '<script type="module" src="/static/app.js"></script>' in body
    assert '<link rel="stylesheet" href="/static/styles.css">' in body
    assert web.BASE_PLACEHOLDER not in body


def test_index_has_nothing_the_csp_would_block(client):
    body = client.get("/").body.decode("utf-8")
    # No inline scripts, inline handlers or inline styles.
    for tag in re.findall(r"<script\b[^>]*>", body, flags=re.I):
        assert "src=" in tag
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", body, flags=re.I) is None
    assert re.search(r"\son[a-z]+\s*=", body, flags=re.I) is None
    assert re.search(r"\sstyle\s*=", body, flags=re.I) is None
    assert "<style" not in body.lower()


def test_every_page_reference_is_a_served_asset(client):
    body = client.get("/").body.decode("utf-8")
    referenced = set(re.findall(r'(?:src|href)="/static/([^"]+)"', body))
    assert referenced, "the page references no assets"
    assert referenced <= set(web.ASSETS)


def test_every_module_import_is_a_served_asset():
    for name in web.ASSETS:
        if not name.endswith(".js"):
            continue
        source = (WEB_DIR / name).read_text(encoding="utf-8")
        for imported in re.findall(r'^\s*import\b[^;]*?from\s+"\./([^"]+)"', source, flags=re.M):
            assert imported in web.ASSETS, f"{name} imports {imported}, which is not served"


def test_every_file_in_the_web_folder_is_served_and_vice_versa():
    on_disk = {path.name for path in WEB_DIR.iterdir() if path.is_file()} - {web.INDEX_FILE}
    assert on_disk == set(web.ASSETS)


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("messages.js", "text/javascript; charset=utf-8"),
        ("styles.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ],
)
def test_assets_are_served_with_their_type(client, name, content_type):
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert _header(response, "Content-Type") == content_type
    assert _header(response, "X-Content-Type-Options") == "nosniff"
    assert _header(response, "Cache-Control")
    assert _header(response, "ETag")
    assert response.body.decode("utf-8") == (WEB_DIR / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    ["index.html", "nope.js", "APP.JS", "app.js.map", "..%2Froutes%2Fweb.py", "%2E%2E", "web.py", ".env"],
)
def test_unknown_assets_are_404(client, name):
    response = client.get(f"/static/{name}")
    assert response.status_code == 404
    assert _header(response, "Content-Type") == "application/json"


def test_paths_outside_the_static_folder_are_not_served(client):
    assert client.get("/static/../app.py").status_code in (403, 404)
    assert client.get("/static/").status_code in (403, 404)
    assert client.get("/static/sub/app.js").status_code in (403, 404)


def test_unchanged_asset_revalidates_with_304(client):
    first = client.get("/static/styles.css")
    etag = _header(first, "ETag")
    again = client.get("/static/styles.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.body in (b"", "")
    other = client.get("/static/styles.css", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_files_are_read_once_and_cached(client, monkeypatch):
    assert client.get("/static/app.js").status_code == 200
    calls = []
    original = Path.read_text

    def counting_read_text(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting_read_text)
    for _ in range(3):
        assert client.get("/static/app.js").status_code == 200
    assert "app.js" not in calls


def test_nothing_is_read_at_import():
    code = (
        "import pathlib, sys\n"
        "reads = []\n"
        "original = pathlib.Path.read_text\n"
        "pathlib.Path.read_text = lambda self, *a, **k: reads.append(self.name) or original(self, *a, **k)\n"
        "import chalicelib.routes.web as web\n"
        "assert web._cache == {} and reads == [], reads\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_index_under_a_stage_prefix_points_assets_at_the_prefix(monkeypatch):
    app = Chalice(app_name="web-assets-stage-test")
    app.register_blueprint(web.blueprint)

    class FakeRequest:
        context = {"path": "/api"}
        headers = {}

    monkeypatch.setattr(type(web.blueprint), "current_request", property(lambda self: FakeRequest()))
    response = web.index()
    body = response.body
    assert 'src="/api/static/app.js"' in body
    assert 'href="/api/static/styles.css"' in body


def test_web_sources_have_no_inline_html_injection_points():
    """User data goes in as text: no innerHTML/outerHTML/insertAdjacentHTML/eval in the app."""
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
    for name in web.ASSETS:
        if name.endswith(".js"):
            source = (WEB_DIR / name).read_text(encoding="utf-8")
            assert forbidden.search(source) is None, f"{name} uses an HTML injection sink"
            assert ".style." not in source and "setAttribute(\"style\"" not in source, f"{name} sets inline styles"
