"""mlbridge: mentorship matching for backend engineers moving into machine learning.

Routes only: each view lives in a blueprint under chalicelib/routes and calls one service function.
"""

from chalice import Chalice, Rate

from chalicelib.http import http_middleware
from chalicelib.logs import configure_logging
from chalicelib.routes import auth, docs
from chalicelib.routes import matches, programs, safety, users
from chalicelib.routes import threads
from chalicelib.routes import waitlist
from chalicelib.routes import web

app = Chalice(app_name="mlbridge")
configure_logging(app.log)
app.register_middleware(http_middleware, "http")
app.register_blueprint(users.blueprint)
app.register_blueprint(auth.blueprint)
app.register_blueprint(matches.blueprint)
app.register_blueprint(threads.blueprint)
app.register_blueprint(waitlist.blueprint)
app.register_blueprint(safety.blueprint)
app.register_blueprint(programs.blueprint)
app.register_blueprint(docs.blueprint)
app.register_blueprint(web.blueprint)


# The table's change stream (chalicelib.events): mail after a write, off the request path. The ARN
# here is a placeholder: infra/table.yaml points the event source at the stage's table stream.
TABLE_STREAM_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/mlbridge/stream/placeholder"


@app.on_dynamodb_record(stream_arn=TABLE_STREAM_ARN, batch_size=10, starting_position="TRIM_HORIZON",
                        name="on_table_change")
def on_table_change(event):
    from chalicelib import events

    return events.handle(event.to_dict())


# The schedule (chalicelib.services.schedule): expiring requests, reminders, unread-message emails.
@app.schedule(Rate(15, unit=Rate.MINUTES), name="run_schedule")
def run_schedule(event):
    from chalicelib.services import schedule

    return dict(schedule.run())
