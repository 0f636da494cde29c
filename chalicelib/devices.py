"""A device's name for the session list, from the User-Agent it signed in with ("Firefox on Linux").

The User-Agent is stored as sent (cut short) and named only when the sessions are listed, so that
signing in never pays for parsing it (ua-parser's rules take ~0.1 s to load).
"""

from __future__ import annotations

UNKNOWN = "Unknown device"
_OS_NAMES = {"Mac OS X": "macOS"}


def label(user_agent: str | None) -> str:
    """"<browser> on <system>", what of it is known, or "Unknown device"."""
    if not user_agent:
        return UNKNOWN
    from ua_parser import parse  # on first use: see the module's docstring

    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else None
    system = result.os.family if result.os and result.os.family != "Other" else None
    system = _OS_NAMES.get(system, system)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or UNKNOWN
