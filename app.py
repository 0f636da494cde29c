"""mlbridge: mentorship matching for backend engineers moving into machine learning.

Routes only: each view lives in a blueprint under chalicelib/routes and calls one service function.
"""

from chalice import Chalice

from chalicelib.http import http_middleware
from chalicelib.routes import matches, users

app = Chalice(app_name="mlbridge")
app.register_middleware(http_middleware, "http")
app.register_blueprint(users.blueprint)
app.register_blueprint(matches.blueprint)
