"""Users, profiles, the mentor listing and the vocabulary."""

from __future__ import annotations

from chalice import Response

from ..http import Blueprint, authorization, json_body, limit_param, query_param
from ..services import auth
from . import respond

# Each view imports the users service (and with it the response models) on first use: the
# routes register at import, and pydantic would otherwise add to every cold start.

blueprint = Blueprint(__name__)


@blueprint.route("/vocabulary", methods=["GET"])
def get_vocabulary():
    from ..services import users

    return respond(users.vocabulary_document(), headers={"Cache-Control": "public, max-age=3600"})


@blueprint.route("/users", methods=["POST"])
def register():
    from ..services import users

    request = blueprint.current_request
    return respond(users.register(json_body(request), request.headers.get("user-agent")), 201)


@blueprint.route("/users/me", methods=["GET"])
def get_me():
    from ..profiles import own_profile

    return respond(own_profile(auth.authenticate(authorization(blueprint.current_request))))


@blueprint.route("/users/me", methods=["PATCH"])
def patch_me():
    from ..services import users

    request = blueprint.current_request
    user = auth.authenticate(authorization(request))
    return respond(users.update_profile(user, json_body(request)))


@blueprint.route("/users/me", methods=["DELETE"])
def delete_me():
    from ..services import users

    caller, matches = auth.authenticate_caller_with_matches(authorization(blueprint.current_request))
    users.delete_account(caller.user, matches, caller.session)
    return Response(body="", status_code=204)


@blueprint.route("/users/me/export", methods=["GET"])
def export_me():
    from ..services import users

    return respond(users.export_account(auth.authenticate(authorization(blueprint.current_request))))


@blueprint.route("/users/{user_id}", methods=["GET"])
def get_user(user_id):
    from ..services import users

    return respond(users.get_public_profile(auth.authenticate(authorization(blueprint.current_request)), user_id))


# RFC 8058: a mail client's one-click unsubscribe is a form POST ("List-Unsubscribe=One-Click").
@blueprint.route("/unsubscribe", methods=["POST"],
                 content_types=["application/x-www-form-urlencoded", "application/json", "text/plain"])
def unsubscribe():
    from ..services import users

    return respond(users.unsubscribe(query_param(blueprint.current_request, "token")))


@blueprint.route("/mentors", methods=["GET"])
def list_mentors():
    from ..services import users

    request = blueprint.current_request
    header = authorization(request)
    return respond(users.list_mentors(
        framework=query_param(request, "framework"),
        goal=query_param(request, "goal"),
        limit=limit_param(request),
        cursor=query_param(request, "cursor"),
        viewer=auth.authenticate(header) if header else None,  # signed in: without the blocked
    ))
