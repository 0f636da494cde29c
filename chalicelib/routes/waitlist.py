"""The waitlist: a mentee joins, reads and leaves their place (offers come from the change stream)."""

from __future__ import annotations

from chalice import Response

from ..http import Blueprint, authorization
from ..services import auth
from . import json_body_of_caller, respond

# The view imports its service on first use, like the other blueprints (cold starts).

blueprint = Blueprint(__name__)


def _caller_with_spot():
    """The caller and their waitlist spot, read in one call with the token check."""
    from ..services import waitlist

    header = authorization(blueprint.current_request)
    return auth.authenticate_with(header, waitlist.spot_keys(auth.credentials(header).user_id))


@blueprint.route("/waitlist", methods=["POST"])
def join_waitlist():
    from ..services import waitlist

    request = blueprint.current_request
    body = json_body_of_caller(request, optional=True)
    mentee, found = _caller_with_spot()
    return respond(waitlist.join(mentee, found, body), 201)


@blueprint.route("/waitlist", methods=["GET"])
def get_waitlist():
    from ..services import waitlist

    return respond(waitlist.get(*_caller_with_spot()))


@blueprint.route("/waitlist", methods=["DELETE"])
def leave_waitlist():
    from ..services import waitlist

    waitlist.leave(*_caller_with_spot())
    return Response(body="", status_code=204)
