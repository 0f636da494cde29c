"""Cohort programs: people sign up during a window with a join code, then everyone is matched at
once, optimally, instead of first come first served.

Matching (`match_program`, by the organiser or by the schedule at `closes_at`): the program is
claimed ("matching", a conditioned update: of racing runs one goes on), the members are read with
their open matches, and chalicelib.cohort finds the exact optimum: the most mentees on their
target framework, then the highest total score, within every mentor's free slots, the mentee's
open-match limit, blocks and existing pairs. Each pair is then opened through a request's own
transaction (services.matches.open_pending_match, origin "program"), which also writes the
program's pair item (one per mentee, by condition): every invariant of a request holds, and a run
taken up again never opens a mentee's match twice. A pair refused meanwhile (a mentor's capacity
changed, a mentee reached the limit) is re-solved around with fresh reads, never overbooked.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from .. import clock
from ..errors import Conflict, Invalid, InvalidInput, NotAllowed, NotFound
from ..profiles import deleted_profile, public_profile
from ..responses import (
    Membership,
    MembershipEnvelope,
    Program,
    ProgramEnvelope,
    ProgramList,
    ProgramMatch,
    ProgramMatchList,
)
from ..storage import keys, paging, transactions
from ..storage import programs as program_store
from ..storage import users as user_store
from ..storage.models import MatchItem, ProgramItem, ProgramLink, ProgramMember, ProgramPair, UserItem

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
JOIN_CODE_LENGTH = 8
LONGEST_WINDOW = timedelta(days=365)
# A run that has not finished after this long is taken up again by the schedule.
STALE_RUN = timedelta(minutes=10)
# Rounds of solving and opening: a pair refused meanwhile is solved around in the next.
SOLVE_ROUNDS = 3


def readable_id(program_id: str) -> str | None:
    return program_id if 0 < len(program_id) <= 64 else None


def reads_for(user_id: str, program_id: str | None) -> list[tuple[str, str]]:
    """What a program's routes read with the token check: the program and the caller's membership."""
    if program_id is None:
        return []
    return [program_store.program_key(program_id), program_store.member_key(program_id, user_id)]


def _membership(program: ProgramItem, member: ProgramMember | None) -> Membership | None:
    if member is None:
        return None
    return Membership(program_id=program.id, program_name=program.name, role=member.role, joined_at=member.joined_at)


def _number(value):
    return None if value is None else int(value)


def program_document(program: ProgramItem, viewer_id: str, member: ProgramMember | None) -> Program:
    return Program(
        id=program.id, name=program.name, description=program.description, join_code=_shown_code(program.join_code),
        closes_at=program.closes_at, status=program.status, organiser_id=program.organiser_id,
        created_at=program.created_at, mentors=max(0, int(program.mentors or 0)),
        mentees=max(0, int(program.mentees or 0)), matched=_number(program.matched),
        unmatched=_number(program.unmatched), total_score=_number(program.total_score),
        matched_at=program.matched_at, is_organiser=program.organiser_id == viewer_id,
        membership=_membership(program, member),
    )


def _shown_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


# --- requests ------------------------------------------------------------------------------------


def create(caller: UserItem, body) -> ProgramEnvelope:
    """POST /programs: any user; they organise it."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    request = schemas.parse(schemas.ProgramRequest, body)
    moment = clock.now()
    closes_at: datetime = request.closes_at
    if closes_at <= moment:
        raise InvalidInput("closes_at", "must be in the future")
    if closes_at > moment + LONGEST_WINDOW:
        raise InvalidInput("closes_at", "must be within a year")
    program_id, now = clock.new_id(), clock.iso(moment)
    closes = clock.iso(closes_at)
    for _ in range(5):
        program = ProgramItem(
            *program_store.program_key(program_id), id=program_id, name=request.name,
            description=request.description or None, organiser_id=caller.id, join_code=_new_code(),
            closes_at=closes, status="open", created_at=now, mentors=0, mentees=0,
            **program_store.due_at(closes, program_id),
        )
        link = ProgramLink(keys.user(caller.id), keys.program_link(program_id, "organiser"), program_id=program_id,
                           name=request.name, role="organiser", created_at=now)
        if program_store.create(program, link):
            return ProgramEnvelope(program=program_document(program, caller.id, None))
    raise Conflict("join_code: could not draw a free code; please retry")  # 32^8 codes: never in practice


def join(caller: UserItem, body) -> MembershipEnvelope:
    """POST /programs/join: a mentor or mentee joins with the profile they have."""
    from .. import schemas

    request = schemas.parse(schemas.JoinRequest, body)
    code = program_store.find_code(request.join_code)
    if code is None:
        raise NotFound("join_code: no program has this code")
    now = clock.now_iso()
    member = ProgramMember(*program_store.member_key(code.program_id, caller.id), user_id=caller.id,
                           role=caller.role, joined_at=now)
    link = ProgramLink(keys.user(caller.id), keys.program_link(code.program_id, "member"),
                       program_id=code.program_id, name=code.name, role=caller.role, created_at=now)
    try:
        program_store.join(code.program_id, member, link)
    except program_store.AlreadyMember:
        raise Conflict("join_code: you are a member of this program already") from None
    except program_store.NotOpen:
        raise Conflict("program: sign-ups have closed (the program is being matched or matched)") from None
    return MembershipEnvelope(membership=Membership(program_id=code.program_id, program_name=code.name,
                                                    role=member.role, joined_at=now))


def _visible(caller: UserItem, found: dict, program_id: str | None) -> tuple[ProgramItem, ProgramMember | None]:
    """The program and the caller's membership, read with the token check; 404 unless the caller
    organises it or is a member."""
    program = program_store.program_of(found, program_id) if program_id else None
    member = program_store.member_of(found, program_id, caller.id) if program_id else None
    if program is None or (program.organiser_id != caller.id and member is None):
        raise NotFound("program: not found")
    return program, member


def get(caller: UserItem, found: dict, program_id: str | None) -> ProgramEnvelope:
    """GET /programs/{id}: the organiser and members."""
    program, member = _visible(caller, found, program_id)
    return ProgramEnvelope(program=program_document(program, caller.id, member))


def leave(caller: UserItem, found: dict, program_id: str | None) -> None:
    """DELETE /programs/{id}/members/me: while the program is open."""
    program, member = _visible(caller, found, program_id)
    if member is None:
        raise NotFound("membership: you are not a member of this program")
    if program.status != "open":
        raise Conflict(f"program: members cannot leave once it is {program.status}")
    try:
        program_store.leave(program.id, member)
    except program_store.NotOpen:
        raise Conflict("program: members cannot leave once it is matching or matched") from None
    except transactions.Retry:
        raise NotFound("membership: you are not a member of this program") from None


def list_programs(caller: UserItem) -> ProgramList:
    """GET /programs: the caller's programs (organised or joined), the newest first."""
    links = program_store.links_of(caller.id)
    found = program_store.programs_by_id(sorted({link.program_id for link in links}))
    joined = {link.program_id: link for link in links if link.role != "organiser"}
    documents = []
    for program in sorted(found.values(), key=lambda p: p.created_at, reverse=True):
        link = joined.get(program.id)
        member = None if link is None else ProgramMember(
            *program_store.member_key(program.id, caller.id), user_id=caller.id, role=link.role,
            joined_at=link.created_at)
        documents.append(program_document(program, caller.id, member))
    return ProgramList(programs=documents)


def run_match(caller: UserItem, found: dict, program_id: str | None) -> ProgramEnvelope:
    """POST /programs/{id}/match: the organiser matches it now."""
    program, member = _visible(caller, found, program_id)
    if program.organiser_id != caller.id:
        raise NotAllowed("program: only its organiser can match it")
    if program.status != "open":
        raise Conflict(f"status: the program is {program.status} already")
    if not match_program(program.id):
        current = program_store.find_program(program.id, consistent=True)
        raise Conflict(f"status: the program is {current.status if current else 'gone'} already")
    matched = program_store.find_program(program.id, consistent=True)
    return ProgramEnvelope(program=program_document(matched, caller.id, member))


def page_of_matches(caller: UserItem, found: dict, program_id: str | None, limit: int,
                    cursor: str | None) -> ProgramMatchList:
    """GET /programs/{id}/matches: the organiser sees the pairs, with scores and reasons."""
    program, _ = _visible(caller, found, program_id)
    if program.organiser_id != caller.id:
        raise NotAllowed("program: only its organiser sees its matches")
    start = paging.decode_cursor(cursor, expected={"pk": keys.program(program.id)}, key_attributes=("pk", "sk"))
    pairs, next_key = program_store.page_of_pairs(program.id, limit, start)
    people = user_store.find_users({uid for pair in pairs for uid in (pair.mentee_id, pair.mentor_id)})

    def person(user_id: str):
        user = people.get(user_id)
        return public_profile(user) if user is not None else deleted_profile(user_id)

    return ProgramMatchList(
        matches=[ProgramMatch(mentee=person(p.mentee_id), mentor=person(p.mentor_id), score=int(p.score),
                              reasons=list(p.reasons), on_target=bool(p.on_target), match_id=p.match_id)
                 for p in pairs],
        next_cursor=paging.encode_cursor(next_key),
    )


# --- matching --------------------------------------------------------------------------------------


def match_program(program_id: str, now: datetime | None = None) -> bool:
    """Match the program's members (see the module's docstring). False when another run has it,
    or it is matched already."""
    moment = now or clock.now()
    claimed = program_store.claim_for_matching(
        program_id, clock.iso(moment), stale_before=clock.iso(moment - STALE_RUN), again_at=clock.iso(moment + STALE_RUN),
    )
    if not claimed:
        return False
    members = program_store.members(program_id)
    mentee_ids = sorted(m.user_id for m in members if m.role == "mentee")
    mentor_ids = sorted(m.user_id for m in members if m.role == "mentor")
    opened = {pair.mentee_id for pair in program_store.pairs(program_id)}  # by a run that stopped
    for _ in range(SOLVE_ROUNDS):
        waiting = [mentee_id for mentee_id in mentee_ids if mentee_id not in opened]
        refused = _solve_and_open(program_id, waiting, mentor_ids, opened)
        if not refused:
            break
    pairs = program_store.pairs(program_id)
    program_store.finish(program_id, clock.now_iso(), matched=len(pairs),
                         unmatched=max(0, len(mentee_ids) - len(pairs)), total_score=sum(int(p.score) for p in pairs))
    return True


def _solve_and_open(program_id: str, mentee_ids: list[str], mentor_ids: list[str], opened: set[str]) -> bool:
    """One round: read, solve, open. True when a pair was refused (solve again around it)."""
    from .. import cohort

    mentors = user_store.find_users(mentor_ids)
    mentees = {mentee_id: user_store.user_and_matches(mentee_id) for mentee_id in mentee_ids}
    candidates, capacities = candidates_of(mentees, mentors)
    refused = False
    for assignment in cohort.solve(candidates, capacities):
        try:
            _open(program_id, assignment)
        except (Conflict, NotFound, Invalid):
            refused = True  # changed since read (capacity, limits, a block, another run): next round
            continue
        opened.add(assignment.mentee_id)
    return refused


def candidates_of(mentees: dict[str, tuple[UserItem | None, list[MatchItem]]],
                  mentors: dict[str, UserItem]) -> tuple[list, dict[str, int]]:
    """The pairs that may be matched, scored as a request would be, and each mentor's free slots."""
    from .. import cohort, scoring
    from . import matching, waitlist
    from .matches import MAX_OPEN_MATCHES

    moment = clock.now()
    capacities = {mentor_id: waitlist.free_slots(mentor) for mentor_id, mentor in mentors.items()}
    offers = {mentor_id: matching.offer_of(mentor, moment) for mentor_id, mentor in mentors.items()
              if capacities[mentor_id] > 0}
    standings = {mentor_id: scoring.standing(offer.reputation) for mentor_id, offer in offers.items()}
    candidates = []
    for mentee_id, (mentee, matches) in mentees.items():
        if mentee is None or mentee.role != "mentee" or mentee.hidden or mentee.banned:
            continue
        if int(mentee.open_matches or 0) >= MAX_OPEN_MATCHES:
            continue
        excluded = matching.excluded_mentors(mentee, matches)
        needs = matching.needs_of(mentee, moment)
        points = scoring.score_only(needs)  # a request's score, without working out the reasons
        wanted = {mentee.target_framework, *(mentee.frameworks or ())}
        for mentor_id, offer in offers.items():
            if mentor_id in excluded:
                continue
            if wanted.isdisjoint(offer.frameworks) and set(needs.goals).isdisjoint(offer.goals):
                continue  # shares neither a framework nor a goal: never a suggestion either
            candidates.append(cohort.Candidate(mentee_id, mentor_id,
                                               scoring.shown_score(points(offer), standings[mentor_id]),
                                               mentee.target_framework in offer.frameworks))
    return candidates, capacities


def _open(program_id: str, assignment) -> None:
    """Open the pair's pending match in a request's transaction, with the program's pair item."""
    from .matches import open_pending_match

    def read(_number: int):
        people = user_store.find_users([assignment.mentee_id, assignment.mentor_id])  # afresh, every attempt
        return people.get(assignment.mentee_id), people.get(assignment.mentor_id), []

    def pair(match: dict) -> list:
        return [ProgramPair(
            keys.program(program_id), keys.program_pair(match["mentee_id"]), mentee_id=match["mentee_id"],
            mentor_id=match["mentor_id"], match_id=match["match_id"], score=match["score"],
            reasons=match["reasons"], on_target=assignment.on_target, created_at=match["created_at"],
        )]

    open_pending_match(read, None, "program", also=pair)
