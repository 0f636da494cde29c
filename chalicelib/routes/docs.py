"""The API's own description: ``GET /openapi.json`` (see chalicelib/openapi.py)."""

from __future__ import annotations

from chalice import Blueprint, Response

blueprint = Blueprint(__name__)


def _base_path() -> str:
    """The prefix the API is reached under: "" locally, "/api" behind an API Gateway stage."""
    request = blueprint.current_request
    context = request.context or {}
    path = context.get("path") or ""
    resource = context.get("resourcePath") or "/openapi.json"
    prefix = path[: -len(resource)] if path.endswith(resource) else ""
    # Only characters that are safe in a URL path; anything else falls back to the root.
    return prefix if all(c.isalnum() or c in "/-_.~" for c in prefix) else ""


@blueprint.route("/openapi.json", methods=["GET"])
def openapi_document():
    from .. import openapi  # on first use: it loads the pydantic schemas, which slows cold starts

    return Response(
        body=openapi.document_for(_base_path()),
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )
