"""The operator's tool for reports: `python -m scripts.moderate list | clear USER_ID | ban USER_ID`.

  list           users with open reports, the most reported first, with each report
  clear USER_ID  resolve the user's reports and list them again (directory, suggestions, waitlist)
  ban USER_ID    hide the user for good, close their open matches, end their sessions

Which table: by default the one `make run` serves (DynamoDB Local at 127.0.0.1:$DB_PORT, 8001
unless set, or $DYNAMODB_ENDPOINT; table $TABLE_NAME, mlbridge-local unless set). With `--aws`,
a deployed table, with the credentials and region of the environment (AWS_PROFILE, AWS_REGION...):
  python -m scripts.moderate --aws --table mlbridge-prod --region eu-west-1 list
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.config import Settings  # noqa: E402
from chalicelib.errors import NotFound  # noqa: E402

LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.moderate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--aws", action="store_true", help="a deployed table (AWS credentials of the environment)")
    parser.add_argument("--table", help="table name (default: $TABLE_NAME or mlbridge-local)")
    parser.add_argument("--region", help="region (default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1)")
    parser.add_argument("--endpoint", help="DynamoDB endpoint (default: the local stack's; none with --aws)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="users with open reports")
    for name, text in (("clear", "resolve the user's reports and list them again"),
                       ("ban", "hide the user for good, close their matches, end their sessions")):
        command = commands.add_parser(name, help=text)
        command.add_argument("user_id")
    return parser


def settings_for(args: argparse.Namespace, environ: dict | None = None) -> Settings:
    """The table the command works on (see the module's docstring)."""
    env = os.environ if environ is None else environ
    settings = Settings.from_env(env)
    if args.aws:
        endpoint = args.endpoint
    else:
        endpoint = args.endpoint or settings.endpoint or f"http://127.0.0.1:{env.get('DB_PORT', '8001')}"
    return replace(settings, table_name=args.table or settings.table_name, region=args.region or settings.region,
                   endpoint=endpoint)


def _report_lines(entry) -> list[str]:
    state = "banned" if entry.banned else ("hidden" if entry.hidden else "listed")
    name = entry.name if entry.name is not None else "(deleted account)"
    lines = [f"{entry.user_id}  {name} ({entry.role or '-'}), {entry.distinct_reporters} distinct reporter(s), {state}"]
    for report in entry.reports:
        about = f" match {report.match_id}" if report.match_id else ""
        details = f": {report.details}" if report.details else ""
        lines.append(f"  {report.created_at}  {report.reason} by {report.reporter_id}{about}{details}")
    return lines


def main(argv: list[str] | None = None, environ: dict | None = None) -> int:
    args = _parser().parse_args(argv)
    env = os.environ if environ is None else environ
    if not args.aws:
        for name, value in LOCAL_CREDENTIALS.items():  # DynamoDB Local takes any credentials
            os.environ.setdefault(name, value)
    from chalicelib.services import moderation
    from chalicelib.storage import db

    db.configure(settings_for(args, env))
    if args.command == "list":
        entries = moderation.reported_users()
        if args.json:
            print(json.dumps([{
                "user_id": e.user_id, "name": e.name, "role": e.role, "hidden": e.hidden, "banned": e.banned,
                "distinct_reporters": e.distinct_reporters,
                "reports": [{"id": r.id, "reporter_id": r.reporter_id, "reason": r.reason, "details": r.details,
                             "match_id": r.match_id, "created_at": r.created_at} for r in e.reports],
            } for e in entries], indent=2))
        elif not entries:
            print("No open reports.")
        else:
            for entry in entries:
                print("\n".join(_report_lines(entry)))
        return 0
    try:
        user = moderation.clear(args.user_id) if args.command == "clear" else moderation.ban(args.user_id)
    except NotFound:
        print(f"No user {args.user_id}.", file=sys.stderr)
        return 1
    if args.command == "clear":
        print(f"Cleared {user.name} ({user.id}): listed again" + (" (still banned)" if user.banned else "") + ".")
    else:
        print(f"Banned {user.name} ({user.id}): hidden, open matches closed, sessions ended.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
