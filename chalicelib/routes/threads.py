"""Threads: the inbox, a thread's messages, sending and read marks (participants only)."""

from __future__ import annotations

from chalice import Blueprint

from ..http import caller, created, json_body, limit_param, query_param

# Each view imports the threads service on first use: the routes register at import, and the
# service (with the storage of threads) would otherwise add to every cold start.

blueprint = Blueprint(__name__)


@blueprint.route("/threads", methods=["GET"])
def list_threads():
    from ..services import threads

    request = blueprint.current_request
    user = caller(request)
    return threads.list_threads(user, limit_param(request), query_param(request, "cursor"))


@blueprint.route("/threads/{thread_id}/messages", methods=["GET"])
def list_messages(thread_id):
    from ..services import threads

    request = blueprint.current_request
    user = caller(request)
    return threads.list_messages(user, thread_id, limit_param(request), query_param(request, "cursor"))


@blueprint.route("/threads/{thread_id}/messages", methods=["POST"])
def post_message(thread_id):
    from ..services import threads

    request = blueprint.current_request
    sender = caller(request)
    key = request.headers.get("idempotency-key")
    return created(threads.post_message(sender, thread_id, json_body(request), key))


@blueprint.route("/threads/{thread_id}/read", methods=["POST"])
def mark_read(thread_id):
    from ..services import threads

    return threads.mark_read(caller(blueprint.current_request), thread_id)
