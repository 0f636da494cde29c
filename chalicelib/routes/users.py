"""Users, profiles, the mentor listing and the vocabulary."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..http import caller, caller_with_matches, created, json_body, limit_param, query_param
from ..profiles import own_profile
from ..services import users

blueprint = Blueprint(__name__)


@blueprint.route("/vocabulary", methods=["GET"])
def get_vocabulary():
    from .. import vocabulary  # on first use, to keep cold starts cheap

    return Response(body=vocabulary.as_document(), headers={"Cache-Control": "public, max-age=3600"})


@blueprint.route("/users", methods=["POST"])
def register():
    return created(users.register(json_body(blueprint.current_request)))


@blueprint.route("/users/me", methods=["GET"])
def get_me():
    return own_profile(caller(blueprint.current_request))


@blueprint.route("/users/me", methods=["PATCH"])
def patch_me():
    request = blueprint.current_request
    user = caller(request)
    return users.update_profile(user, json_body(request))


@blueprint.route("/users/me", methods=["DELETE"])
def delete_me():
    users.delete_account(*caller_with_matches(blueprint.current_request))
    return Response(body="", status_code=204)


@blueprint.route("/users/me/export", methods=["GET"])
def export_me():
    return users.export_account(caller(blueprint.current_request))


@blueprint.route("/users/{user_id}", methods=["GET"])
def get_user(user_id):
    return users.get_public_profile(caller(blueprint.current_request), user_id)


@blueprint.route("/mentors", methods=["GET"])
def list_mentors():
    request = blueprint.current_request
    return users.list_mentors(
        framework=query_param(request, "framework"),
        goal=query_param(request, "goal"),
        limit=limit_param(request),
        cursor=query_param(request, "cursor"),
    )
