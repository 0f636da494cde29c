"""mlbridge: mentorship matching for backend engineers moving into machine learning.

Routes only: each view lives in a blueprint under chalicelib/routes and calls one service function.
"""

from chalice import Chalice

from chalicelib.http import http_middleware
from chalicelib.logs import configure_logging
from chalicelib.routes import docs
from chalicelib.routes import matches, users
from chalicelib.routes import threads
from chalicelib.routes import web

app = Chalice(app_name="mlbridge")
configure_logging(app.log)
app.register_middleware(http_middleware, "http")
app.register_blueprint(users.blueprint)
app.register_blueprint(matches.blueprint)
app.register_blueprint(threads.blueprint)
app.register_blueprint(docs.blueprint)
app.register_blueprint(web.blueprint)
