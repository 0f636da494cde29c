"""Sign-in and sessions: emailed links and codes, the caller's devices, signing out."""

from __future__ import annotations

from chalice import Response

from ..http import Blueprint, authorization, json_body
from ..services import auth
from . import respond

# Each view imports its service on first use: the routes register at import, and the services
# (with the response models) would otherwise add to every cold start.

blueprint = Blueprint(__name__)


def _no_content() -> Response:
    return Response(body="", status_code=204)


@blueprint.route("/auth/links", methods=["POST"])
def request_sign_in_link():
    from ..services import sign_in

    return respond(sign_in.request_link(json_body(blueprint.current_request)), 202)


@blueprint.route("/auth/sessions", methods=["POST"])
def sign_in():
    from ..services import sign_in as service

    request = blueprint.current_request
    return respond(service.sign_in(json_body(request), request.headers.get("user-agent")), 201)


@blueprint.route("/auth/signout", methods=["POST"])
def sign_out():
    from ..services import sessions

    sessions.sign_out(authorization(blueprint.current_request))
    return _no_content()


@blueprint.route("/sessions", methods=["GET"])
def list_sessions():
    from ..services import sessions

    return respond(sessions.list_sessions(authorization(blueprint.current_request)))


@blueprint.route("/sessions/{session_id}", methods=["DELETE"])
def end_session(session_id):
    from ..services import sessions

    sessions.end_session(auth.authenticate_caller(authorization(blueprint.current_request)), session_id)
    return _no_content()


@blueprint.route("/sessions", methods=["DELETE"])
def end_other_sessions():
    from ..services import sessions

    sessions.end_other_sessions(authorization(blueprint.current_request))
    return _no_content()
