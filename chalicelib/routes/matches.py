"""Suggestions and the match lifecycle."""

from __future__ import annotations

from ..http import Blueprint, authorization, json_body, limit_param, query_param
from ..services import auth
from . import json_body_of_caller, respond

# Each view imports its service on first use: the routes register at import, and the services
# (with the storage of matches and threads) would otherwise add to every cold start.

blueprint = Blueprint(__name__)


@blueprint.route("/matches/suggestions", methods=["GET"])
def suggestions():
    from ..services import matching  # with scoring

    request = blueprint.current_request
    mentee, history = auth.authenticate_with_matches(authorization(request))
    limit = limit_param(request, default=5, maximum=matching.MAX_SUGGESTIONS)
    return respond(matching.suggest_mentors(mentee, limit, matches=history))


@blueprint.route("/matches", methods=["POST"])
def request_match():
    from ..services import matches

    request = blueprint.current_request
    body = json_body_of_caller(request, optional=True)
    if isinstance(body, dict) and body.get("mentor_id") is None:
        # The best suggestion is taken: the mentee's matches are read with the token check.
        mentee, history = auth.authenticate_with_matches(authorization(request))
        return respond(matches.request_match(mentee, body, history), 201)
    return respond(matches.request_match(auth.authenticate(authorization(request)), body), 201)


@blueprint.route("/matches", methods=["GET"])
def list_matches():
    from ..services import matches

    request = blueprint.current_request
    user = auth.authenticate(authorization(request))
    return respond(matches.list_matches(user, query_param(request, "status"), limit_param(request), query_param(request, "cursor")))


@blueprint.route("/matches/{match_id}", methods=["GET"])
def get_match(match_id):
    from ..services import matches

    _, match = auth.authenticate_with_match(authorization(blueprint.current_request), matches.readable_match_id(match_id))
    return respond(matches.get_match(match))


def _transition(match_id: str, action: str):
    from ..services import matches

    request = blueprint.current_request
    user, match = auth.authenticate_with_match(authorization(request), matches.readable_match_id(match_id))
    return respond(matches.change_match(user, match_id, action, json_body(request, optional=True), match))


@blueprint.route("/matches/{match_id}/accept", methods=["POST"])
def accept_match(match_id):
    return _transition(match_id, "accept")


@blueprint.route("/matches/{match_id}/decline", methods=["POST"])
def decline_match(match_id):
    return _transition(match_id, "decline")


@blueprint.route("/matches/{match_id}/cancel", methods=["POST"])
def cancel_match(match_id):
    return _transition(match_id, "cancel")


@blueprint.route("/matches/{match_id}/end", methods=["POST"])
def end_match(match_id):
    return _transition(match_id, "end")


@blueprint.route("/matches/{match_id}/feedback", methods=["POST"])
def give_feedback(match_id):
    from ..services import matches

    request = blueprint.current_request
    body = json_body_of_caller(request)
    user, match = auth.authenticate_with_match(authorization(request), matches.readable_match_id(match_id))
    return respond(matches.give_feedback(user, match_id, body, match), 201)
