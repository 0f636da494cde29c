"""Cohort programs: create, join, read, leave, match, and the pairs a program matched."""

from __future__ import annotations

from chalice import Response

from ..http import Blueprint, authorization, limit_param, query_param
from ..services import auth
from . import json_body_of_caller, respond

# The views import their service on first use, like the other blueprints (cold starts).

blueprint = Blueprint(__name__)


def _caller_with_program(program_id: str):
    """The caller, the program and their membership, read in one call with the token check."""
    from ..services import programs

    header = authorization(blueprint.current_request)
    readable = programs.readable_id(program_id)
    user, found = auth.authenticate_with(header, programs.reads_for(auth.credentials(header).user_id, readable))
    return user, found, readable


@blueprint.route("/programs", methods=["POST"])
def create_program():
    from ..services import programs

    request = blueprint.current_request
    body = json_body_of_caller(request)
    return respond(programs.create(auth.authenticate(authorization(request)), body), 201)


@blueprint.route("/programs", methods=["GET"])
def list_programs():
    from ..services import programs

    return respond(programs.list_programs(auth.authenticate(authorization(blueprint.current_request))))


@blueprint.route("/programs/join", methods=["POST"])
def join_program():
    from ..services import programs

    request = blueprint.current_request
    body = json_body_of_caller(request)
    return respond(programs.join(auth.authenticate(authorization(request)), body), 201)


@blueprint.route("/programs/{program_id}", methods=["GET"])
def get_program(program_id):
    from ..services import programs

    return respond(programs.get(*_caller_with_program(program_id)))


@blueprint.route("/programs/{program_id}/members/me", methods=["DELETE"])
def leave_program(program_id):
    from ..services import programs

    programs.leave(*_caller_with_program(program_id))
    return Response(body="", status_code=204)


@blueprint.route("/programs/{program_id}/match", methods=["POST"])
def match_program(program_id):
    from ..services import programs

    return respond(programs.run_match(*_caller_with_program(program_id)))


@blueprint.route("/programs/{program_id}/matches", methods=["GET"])
def list_program_matches(program_id):
    from ..services import programs

    request = blueprint.current_request
    user, found, readable = _caller_with_program(program_id)
    return respond(programs.page_of_matches(user, found, readable, limit_param(request), query_param(request, "cursor")))
