"""Threads: the inbox, a thread's messages, sending and read marks (participants only)."""

from __future__ import annotations

from ..http import Blueprint, authorization, json_body, limit_param, query_param
from . import respond

# Each view imports the threads service on first use: the routes register at import, and the
# service (with the storage of threads) would otherwise add to every cold start.

blueprint = Blueprint(__name__)


@blueprint.route("/threads", methods=["GET"])
def list_threads():
    from ..services import threads

    request = blueprint.current_request
    return respond(threads.list_threads(authorization(request), limit_param(request), query_param(request, "cursor")))


@blueprint.route("/threads/{thread_id}/messages", methods=["GET"])
def list_messages(thread_id):
    from ..services import threads

    request = blueprint.current_request
    _, thread = threads.participant_and_thread(authorization(request), thread_id)
    return respond(threads.list_messages(thread, limit_param(request), query_param(request, "cursor")))


@blueprint.route("/threads/{thread_id}/messages", methods=["POST"])
def post_message(thread_id):
    from ..services import threads

    request = blueprint.current_request
    sender, thread = threads.participant_and_thread(authorization(request), thread_id)
    key = request.headers.get("idempotency-key")
    return respond(threads.post_message(sender, thread, json_body(request), key), 201)


@blueprint.route("/threads/{thread_id}/read", methods=["POST"])
def mark_read(thread_id):
    from ..services import auth, threads

    return respond(threads.mark_read(auth.authenticate(authorization(blueprint.current_request)), thread_id))
