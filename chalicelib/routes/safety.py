"""Safety: blocking a user, the caller's blocks, reporting a user."""

from __future__ import annotations

from chalice import Response

from ..http import Blueprint, authorization
from ..services import auth
from . import json_body_of_caller, respond

# The views import their service on first use, like the other blueprints (cold starts).

blueprint = Blueprint(__name__)


@blueprint.route("/users/{user_id}/block", methods=["POST"])
def block_user(user_id):
    from ..services import safety

    safety.block(auth.authenticate(authorization(blueprint.current_request)), user_id)
    return Response(body="", status_code=204)


@blueprint.route("/users/{user_id}/block", methods=["DELETE"])
def unblock_user(user_id):
    from ..services import safety

    safety.unblock(auth.authenticate(authorization(blueprint.current_request)), user_id)
    return Response(body="", status_code=204)


@blueprint.route("/users/me/blocks", methods=["GET"])
def list_blocks():
    from ..services import safety

    return respond(safety.list_blocks(auth.authenticate(authorization(blueprint.current_request))))


@blueprint.route("/reports", methods=["POST"])
def report_user():
    from ..services import safety

    request = blueprint.current_request
    body = json_body_of_caller(request)
    return respond(safety.report(auth.authenticate(authorization(request)), body), 201)
