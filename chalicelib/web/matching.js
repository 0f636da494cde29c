// Suggestions (mentees), requests and availability (mentors), and the list of matches (both).

import { api } from "./api.js";
import { actionButton, append, avatar, charCounter, clear, displayName, emptyState, errorBox, h, pageHeader, tag, time } from "./dom.js";

const OPEN = new Set(["pending", "active"]);
const INTRO_LIMIT = 4000;
const STATUS_TEXT = {
  pending: "Pending",
  active: "Active",
  declined: "Declined",
  cancelled: "Cancelled",
  ended: "Ended",
  expired: "Expired — not answered in time",
};

// How a match began, when it was not the mentee's own request.
const ORIGIN_TEXT = {
  waitlist: "From the waitlist",
  program: "From your program",
};

// How the mentor's request card says when it came ("Requested" for a mentee's own request).
const REQUEST_WORD = {
  waitlist: "Offered ",
  program: "Matched by the program ",
};

// Public profiles of the people one is matched with, by id (a promise each).
const profiles = new Map();

function profileOf(id) {
  if (!profiles.has(id)) {
    profiles.set(id, api.user(id).catch((error) => {
      profiles.delete(id);
      if (error.status === 404) return { id, name: "Deleted user", deleted: true };
      throw error;
    }));
  }
  return profiles.get(id);
}

/** Forget cached profiles (on sign-out: another person may see different ones). */
export function forgetProfiles() {
  profiles.clear();
}

/** Optional text worth showing: a string with something besides white space (never null). */
export function present(text) {
  return typeof text === "string" && text.trim() !== "";
}

function statusTag(status) {
  const el = tag(STATUS_TEXT[status] || status, `tag--${status}`);
  el.dataset.testid = "match-status";
  return el;
}

/** "From the waitlist" (or a program) on a match that did not begin as a request. */
function originTag(match) {
  const text = ORIGIN_TEXT[match.origin];
  if (!text) return null;
  const el = tag(text, "tag--origin");
  el.dataset.testid = `origin-${match.origin}`;
  return el;
}

export function scoreBadge(score) {
  if (score === undefined || score === null) return null;
  return h("span", { className: "score", testid: "score", title: "Match score out of 100" },
    h("strong", {}, String(Math.round(score))), h("span", { className: "score__unit" }, "/100"));
}

export function reasonsList(reasons) {
  if (!reasons || reasons.length === 0) return null;
  return h("ul", { className: "reasons", testid: "reasons", "aria-label": "Why this match" },
    reasons.map((reason) => h("li", { testid: "reason" }, reason)));
}

/** Key facts of a public profile as small tags. */
function profileFacts(ctx, profile) {
  if (!profile || profile.deleted) return null;
  const facts = [];
  if (profile.role === "mentor") {
    for (const id of profile.frameworks || []) facts.push(tag(ctx.label("frameworks", id), "tag--framework"));
    if (profile.years_in_ml !== undefined && profile.years_in_ml !== null) facts.push(tag(`${profile.years_in_ml} yrs in ML`));
  } else {
    if (profile.target_framework) facts.push(tag(`Focus: ${ctx.label("frameworks", profile.target_framework)}`, "tag--framework"));
    if (profile.backend_years !== undefined && profile.backend_years !== null) facts.push(tag(`${profile.backend_years} yrs backend`));
    if (profile.motivation) facts.push(tag(`Why ML: ${ctx.label("motivations", profile.motivation)}`));
  }
  if (profile.timezone) facts.push(tag(profile.timezone, "tag--muted"));
  if (profile.languages && profile.languages.length) facts.push(tag(profile.languages.join(", ").toUpperCase(), "tag--muted"));
  return h("div", { className: "tags" }, facts);
}

function goalsLine(ctx, profile, prefix) {
  if (!profile || !profile.goals || profile.goals.length === 0) return null;
  const goals = profile.goals.filter(Boolean).map((id) => ctx.label("goals", id));
  if (goals.length === 0) return null;
  return h("p", { className: "goals" }, h("span", { className: "muted" }, prefix), " ", goals.join(" · "));
}

// ---- A mentor's reputation and how they moved into ML -------------------------------------

const oneDecimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** "Usually answers within a day", from the median hours a mentor takes to answer a request. */
export function responseWords(hours) {
  if (!isNumber(hours) || hours < 0) return null;
  if (hours <= 1) return "Usually answers within an hour";
  if (hours <= 24) return "Usually answers within a day";
  return `Usually answers within ${Math.ceil(hours / 24)} days`;
}

/**
 * A mentor's track record in one line: "★ 4.8 · 5 ratings", "12 mentorships completed",
 * "Usually answers within a day". Unknown values are left out; a mentor with no rating and no
 * completed mentorship reads "New mentor". Null for mentees and deleted users.
 */
export function reputation(profile) {
  if (!profile || profile.deleted || profile.role !== "mentor") return null;
  const items = [];
  const completed = isNumber(profile.mentorships_completed) ? profile.mentorships_completed : null;
  if (isNumber(profile.rating)) {
    const count = isNumber(profile.rating_count) ? profile.rating_count : 0;
    items.push(h("span", { className: "reputation__rating", testid: "mentor-rating" },
      h("span", { className: "reputation__star", "aria-hidden": "true" }, "★"), " ", oneDecimal.format(profile.rating),
      h("span", { className: "visually-hidden" }, " out of 5"),
      count > 0 ? ` · ${plural(count, "rating", "ratings")}` : null));
  } else if (completed === 0) {
    items.push(h("span", { testid: "mentor-new" }, "New mentor"));
  }
  if (completed) items.push(h("span", { testid: "mentor-completed" }, plural(completed, "mentorship", "mentorships") + " completed"));
  const answers = responseWords(profile.response_hours);
  if (answers) items.push(h("span", { testid: "mentor-response" }, answers));
  if (items.length === 0) return null;
  const line = h("p", { className: "reputation", testid: "reputation" });
  items.forEach((item, index) => {
    if (index > 0) line.append(h("span", { className: "reputation__sep", "aria-hidden": "true" }, " · "));
    line.append(item);
  });
  return line;
}

/** "Moved into ML by: Internal transfer, Kaggle" (a mentor's `moved_via`, as goal labels). */
export function movedViaLine(ctx, profile) {
  if (!profile || profile.deleted || !Array.isArray(profile.moved_via) || profile.moved_via.length === 0) return null;
  const ways = profile.moved_via.filter(Boolean).map((id) => ctx.label("goals", id));
  if (ways.length === 0) return null;
  return h("p", { className: "goals moved-via", testid: "moved-via" },
    h("span", { className: "muted" }, "Moved into ML by:"), " ", ways.join(", "));
}

function personHeader(profile, ...extra) {
  return h("div", { className: "person" },
    avatar(profile),
    h("div", { className: "person__main" },
      h("h2", { className: "person__name", testid: "person-name" }, displayName(profile)),
      extra,
    ),
  );
}

// ---- Mentee: suggestions -----------------------------------------------------------------

export async function renderSuggestions(container, ctx) {
  const list = h("div", { className: "cards", testid: "suggestions" });
  const waitlist = waitlistPanel(ctx, () => load());
  const refresh = actionButton("Refresh", { className: "btn btn--ghost", testid: "refresh-suggestions", onClick: () => load() });
  container.append(
    pageHeader("Suggested mentors", "Mentors who can take you on now, best match first.", refresh),
    list,
    waitlist.element,
  );

  let loads = 0;
  async function load() {
    const mine = ++loads;
    let data;
    let entry;
    try {
      [data, entry] = await Promise.all([api.suggestions(5), currentWaitlist()]);
    } catch (error) {
      if (mine === loads) clear(list).append(errorBox(error.message));
      return;
    }
    if (mine !== loads) return;
    clear(list);
    const suggestions = data.suggestions || [];
    // The waitlist is for the target framework: offered when nobody is free, or when nobody
    // free knows that framework (the others are suggested on goals, time zone and language).
    const target = ctx.me.target_framework;
    const knowTarget = suggestions.some(({ mentor }) => (mentor.frameworks || []).includes(target));
    waitlist.show(entry, { offer: !knowTarget, others: suggestions.length > 0 });
    // With suggestions the waitlist comes first, without it follows "nobody is free".
    if (suggestions.length > 0) list.before(waitlist.element);
    else list.after(waitlist.element);
    if (suggestions.length === 0) {
      list.append(emptyState("No mentor can take you on right now.", "no-suggestions"));
      return;
    }
    for (const suggestion of suggestions) list.append(suggestionCard(ctx, suggestion));
  }

  await load();
}

// ---- Mentee: the waitlist ----------------------------------------------------------------

/** The mentee's place on the waitlist ({framework, position, created_at}), or null when not waiting. */
async function currentWaitlist() {
  try {
    const data = await api.waitlist();
    return (data && data.waitlist) || null;
  } catch (error) {
    if (error.status === 404) return null;
    if (error.status === 401) throw error;
    return null; // Not known: the page still works; joining will say what is wrong.
  }
}

/** "waitlist: you are already waiting" -> "You are already waiting." */
export function plainWords(error) {
  const text = (error.field ? error.problem : error.message).trim();
  if (!text) return error.message;
  const sentence = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/**
 * Waiting for the first free mentor of the target framework: the place in line and a way to
 * leave, or (when nobody can take the mentee now) a way to join, with an optional intro.
 * Returns { element, show(entry, { offer, others }) }; `reload` refreshes the whole page.
 */
function waitlistPanel(ctx, reload) {
  const slot = h("div", { testid: "waitlist" });
  const status = h("p", { className: "visually-hidden", role: "status", testid: "waitlist-status" });
  const feedback = h("div", { testid: "waitlist-feedback" });
  const element = h("div", { className: "waitlist" }, slot, feedback, status);
  const frameworkLabel = (id) => ctx.label("frameworks", id || ctx.me.target_framework);

  const heading = (text) => h("h2", { className: "section-title", id: "waitlist-title", tabindex: "-1" }, text);
  const focusHeading = () => {
    const title = slot.querySelector("#waitlist-title");
    if (title) title.focus();
  };
  const fail = (error) => {
    if (error.status === 401) return;
    clear(feedback).append(errorBox(error.status === 409 ? plainWords(error) : error.message, "waitlist-error"));
  };

  function waitingCard(entry) {
    const framework = frameworkLabel(entry.framework);
    const leave = actionButton("Leave the waitlist", { className: "btn btn--ghost", testid: "leave-waitlist", busyLabel: "Leaving…",
      onClick: async () => {
        clear(feedback);
        try {
          await api.leaveWaitlist();
        } catch (error) {
          if (error.status !== 404) {
            fail(error);
            return;
          }
        }
        status.textContent = "You left the waitlist.";
        await reload();
        focusHeading();
      } });
    return h("section", { className: "card waitlist__card", testid: "waitlist-waiting", "aria-labelledby": "waitlist-title" },
      heading("You are on the waitlist"),
      h("p", { className: "waitlist__position", testid: "waitlist-position" },
        `You are number ${entry.position} in line for ${framework}.`),
      h("p", { className: "muted" },
        `When a mentor who works with ${framework} has a free place, we send them your request and you leave the list. `,
        "It will appear under ", h("a", { href: "#/matches" }, "Matches"), "."),
      entry.created_at ? h("p", { className: "muted small" }, "Waiting since ", time(entry.created_at)) : null,
      h("div", { className: "card__actions" }, leave),
    );
  }

  function joinCard(others) {
    const framework = frameworkLabel();
    const introId = "waitlist-intro";
    const intro = h("textarea", { id: introId, rows: "3", testid: "waitlist-intro", "aria-describedby": `${introId}-count`,
      placeholder: "Say hello: where you are now and what you hope to learn." });
    const join = h("button", { type: "submit", className: "btn btn--primary", testid: "join-waitlist" },
      `Wait for the first free ${framework} mentor`);
    const counter = charCounter(intro, INTRO_LIMIT, { id: `${introId}-count`, onChange: (over) => {
      join.disabled = over;
    } });
    const form = h("form", { className: "request-form", testid: "waitlist-form", novalidate: true },
      h("div", { className: "field" },
        h("label", { for: introId }, "A message for the mentor (optional)"), intro, counter.element),
      h("div", { className: "form__actions" }, join),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (counter.over() || join.disabled) return;
      clear(feedback);
      join.disabled = true;
      join.setAttribute("aria-busy", "true");
      try {
        const message = intro.value.trim();
        const { waitlist } = await api.joinWaitlist(message || undefined);
        status.textContent = `You joined the waitlist. You are number ${waitlist.position} in line for ${frameworkLabel(waitlist.framework)}.`;
        show(waitlist);
        focusHeading();
      } catch (error) {
        fail(error);
        // Already waiting (say, from another device): show the place in line.
        if (error.status === 409) {
          const entry = await currentWaitlist().catch(() => null);
          if (entry) show(entry);
        }
      } finally {
        join.disabled = counter.over();
        join.removeAttribute("aria-busy");
      }
    });
    return h("section", { className: "card waitlist__card", testid: "waitlist-offer", "aria-labelledby": "waitlist-title" },
      heading(others ? `No ${framework} mentor is free right now` : "Wait for a mentor"),
      h("p", { className: "muted" },
        others ? `The mentors below can help with your goals, but none of them works with ${framework}. ` : null,
        `Join the waitlist and the first ${framework} mentor with a free place gets your request, with your message. `,
        "First come, first served. You can leave the list at any time."),
      form,
    );
  }

  /** `entry`: the place in line (or null); `offer`: whether to offer joining; `others`: suggestions shown. */
  function show(entry, { offer = true, others = false } = {}) {
    clear(slot);
    if (entry) slot.append(waitingCard(entry));
    else if (offer) slot.append(joinCard(others));
  }

  return { element, show };
}

function suggestionCard(ctx, { mentor, score, reasons }) {
  const card = h("article", { className: "card match-card", testid: "suggestion", "data-mentor-id": mentor.id });
  const error = h("p", { className: "error-box", role: "alert", testid: "request-error", hidden: true });
  const introId = `intro-${mentor.id}`;
  const intro = h("textarea", { id: introId, rows: "3", testid: "intro", "aria-describedby": `${introId}-count`,
    placeholder: "Say hello: where you are now and what you hope to learn." });
  const send = h("button", { type: "submit", className: "btn btn--primary", testid: "send-request" }, "Send request");
  const counter = charCounter(intro, INTRO_LIMIT, { id: `${introId}-count`, onChange: (over) => {
    send.disabled = over;
  } });
  const cancel = h("button", { type: "button", className: "btn btn--ghost" }, "Cancel");
  const form = h("form", { className: "request-form", hidden: true, testid: "request-form" },
    h("div", { className: "field" }, h("label", { for: introId }, `Introduce yourself to ${displayName(mentor)}`), intro,
      counter.element),
    h("div", { className: "form__actions" }, send, cancel),
  );
  const open = h("button", { type: "button", className: "btn btn--primary", testid: "request-mentor" }, "Request mentorship");

  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    intro.focus();
  });
  cancel.addEventListener("click", () => {
    form.hidden = true;
    open.hidden = false;
    open.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (counter.over()) return;
    error.hidden = true;
    send.disabled = true;
    try {
      const message = intro.value.trim();
      const { match } = await api.requestMatch(mentor.id, message || undefined);
      const link = h("a", { href: `#/thread/${encodeURIComponent(match.thread_id)}` }, "Open the conversation");
      clear(card).append(
        personHeader(mentor, h("p", { className: "muted" }, "Request sent")),
        h("p", { className: "success", testid: "request-sent" },
          `Your request is with ${displayName(mentor)}. You will see it under Matches; `, link, "."),
      );
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      send.disabled = counter.over();
    }
  });

  append(card, [
    h("div", { className: "match-card__top" },
      personHeader(mentor, profileFacts(ctx, mentor), reputation(mentor)),
      scoreBadge(score),
    ),
    reasonsList(reasons),
    goalsLine(ctx, mentor, "Can help with:"),
    movedViaLine(ctx, mentor),
    present(mentor.bio) ? h("p", { className: "bio" }, mentor.bio) : null,
    present(mentor.transition_story) ? h("p", { className: "bio muted" }, mentor.transition_story) : null,
    error,
    h("div", { className: "card__actions" }, open),
    form,
  ]);
  return card;
}

// ---- Mentor: requests and availability ---------------------------------------------------

export async function renderRequests(container, ctx) {
  const list = h("div", { className: "cards", testid: "requests" });
  const refresh = actionButton("Refresh", { className: "btn btn--ghost", testid: "refresh-requests", onClick: () => load() });
  container.append(
    pageHeader("Mentorship requests", "Mentees who would like to learn from you.", refresh),
    availabilityPanel(ctx),
    h("h2", { className: "section-title" }, "Pending requests"),
    list,
  );

  let loads = 0;
  async function load() {
    const mine = ++loads;
    let matches;
    let intros = new Map();
    let cards;
    try {
      [matches, intros] = await Promise.all([
        api.matches("pending").then((data) => data.matches || []),
        api.threads(undefined, 100)
          .then((data) => new Map((data.threads || []).map((t) => [t.match_id, t.last_message])))
          .catch(() => new Map()),
      ]);
      cards = await Promise.all(matches.map((match) => requestCard(ctx, match, intros.get(match.id), load)));
    } catch (error) {
      if (mine === loads) clear(list).append(errorBox(error.message));
      return;
    }
    if (mine !== loads) return; // a newer load is under way
    if (ctx.inbox) ctx.inbox.setPendingRequests(matches.length);
    clear(list);
    if (cards.length === 0) list.append(emptyState("No pending requests. New ones will appear here.", "no-requests"));
    else list.append(...cards);
  }

  // Every request opens a thread: when the (polled) inbox gains a thread, look again.
  const threadIds = () => (ctx.inbox ? ctx.inbox.threads.map((t) => t.id).sort().join(",") : "");
  let seen = threadIds();
  await load();
  const unsubscribe = ctx.inbox ? ctx.inbox.subscribe(() => {
    const now = threadIds();
    if (now !== seen) {
      seen = now;
      load();
    }
  }) : () => {};
  return unsubscribe;
}

async function requestCard(ctx, match, lastMessage, reload) {
  const mentee = await profileOf(match.mentee_id).catch(() => ({ id: match.mentee_id, name: "Mentee" }));
  const card = h("article", { className: "card match-card", testid: "request", "data-match-id": match.id, "data-mentee-id": match.mentee_id });
  const error = h("p", { className: "error-box", role: "alert", hidden: true, testid: "request-error" });

  const act = (action) => async () => {
    error.hidden = true;
    try {
      await api.transition(match.id, action);
      await ctx.refreshMe().catch(() => {});
      if (action === "accept") {
        ctx.notify([`You are now mentoring ${displayName(mentee)}. `,
          h("a", { href: `#/thread/${encodeURIComponent(match.thread_id)}` }, "Say hello")], { kind: "success", testid: "accepted-notice" });
      } else {
        ctx.notify(`You declined ${displayName(mentee)}'s request.`, { testid: "declined-notice" });
      }
      await reload();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  };

  append(card, [
    h("div", { className: "match-card__top" },
      personHeader(mentee, profileFacts(ctx, mentee),
        ORIGIN_TEXT[match.origin] ? h("div", { className: "tags" }, originTag(match)) : null,
        h("p", { className: "muted small" }, REQUEST_WORD[match.origin] || "Requested ", time(match.created_at))),
      scoreBadge(match.score),
    ),
    reasonsList(match.reasons),
    goalsLine(ctx, mentee, "Goals:"),
    // The intro is the mentee's first message; without one there is nothing to quote.
    present(lastMessage && lastMessage.sender_id === match.mentee_id && lastMessage.body)
      ? h("blockquote", { className: "intro-message", testid: "intro-message" }, lastMessage.body) : null,
    present(mentee.bio) ? h("p", { className: "bio" }, mentee.bio) : null,
    error,
    h("div", { className: "card__actions" },
      actionButton("Accept", { className: "btn btn--primary", testid: "accept", busyLabel: "Accepting…", onClick: act("accept") }),
      actionButton("Decline", { className: "btn btn--ghost", testid: "decline", busyLabel: "Declining…", onClick: act("decline") }),
      h("a", { className: "btn btn--ghost", href: `#/thread/${encodeURIComponent(match.thread_id)}` }, "Conversation"),
    ),
  ]);
  return card;
}

function availabilityPanel(ctx) {
  const me = ctx.me;
  const accepting = h("input", { type: "checkbox", id: "field-accepting", testid: "field-accepting", checked: me.accepting !== false,
    "aria-describedby": "error-accepting" });
  const capacity = h("input", { type: "number", id: "field-capacity", testid: "field-capacity", min: "1", max: "10", step: "1",
    value: me.capacity ?? 1, inputmode: "numeric", "aria-describedby": "error-capacity" });
  const capacityError = h("p", { className: "field-error", id: "error-capacity", testid: "error-capacity", hidden: true });
  const acceptingError = h("p", { className: "field-error", id: "error-accepting", testid: "error-accepting", hidden: true });
  const formError = h("p", { className: "error-box", role: "alert", hidden: true, testid: "availability-error" });
  const summary = h("p", { className: "muted", testid: "availability-summary" });
  const save = h("button", { type: "submit", className: "btn", testid: "save-availability" }, "Save");
  const status = h("span", { className: "saved", role: "status", testid: "availability-status" });

  const showSummary = () => {
    const used = ctx.me.active_mentees ?? 0;
    summary.textContent = `${used} of ${ctx.me.capacity} places taken (pending and active). `
      + (ctx.me.accepting === false ? "You are not accepting new mentees." : "You are accepting new mentees.");
  };
  showSummary();

  const form = h("form", { className: "card availability", testid: "availability", novalidate: true },
    h("h2", { className: "section-title" }, "Your availability"),
    summary,
    h("div", { className: "availability__row" },
      h("div", { className: "field field--inline", "data-field": "accepting" },
        accepting, h("label", { for: "field-accepting" }, "Accepting new mentees"), acceptingError),
      h("div", { className: "field field--compact", "data-field": "capacity" },
        h("label", { for: "field-capacity" }, "Mentees at a time"), capacity, capacityError),
      h("div", { className: "availability__save" }, save, status),
    ),
    formError,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const slot of [capacityError, acceptingError, formError]) slot.hidden = true;
    capacity.removeAttribute("aria-invalid");
    status.textContent = "";
    save.disabled = true;
    try {
      const raw = capacity.value.trim();
      const number = Number(raw);
      const body = { accepting: accepting.checked, capacity: raw !== "" && Number.isFinite(number) ? number : raw };
      ctx.me = { ...ctx.me, ...(await api.updateMe(body)) };
      showSummary();
      status.textContent = "Saved";
    } catch (err) {
      const slot = err.field === "capacity" ? capacityError : err.field === "accepting" ? acceptingError : formError;
      slot.textContent = err.field ? err.problem : err.message;
      slot.hidden = false;
      if (err.field === "capacity") capacity.setAttribute("aria-invalid", "true");
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// ---- Both: matches -----------------------------------------------------------------------

/** Closed by blocking: said plainly to the person who blocked; the other side is not told. */
function blockedByMe(ctx, match) {
  return match.close_reason === "blocked" && match.closed_by === ctx.me.id;
}

function matchStatusTag(ctx, match) {
  if (!blockedByMe(ctx, match)) return statusTag(match.status);
  const el = tag("Closed: blocked", "tag--ended tag--blocked");
  el.dataset.testid = "match-status";
  return el;
}

export async function renderMatches(container, ctx) {
  const body = h("div", { className: "match-groups", testid: "matches" });
  const status = h("p", { className: "visually-hidden", role: "status", testid: "matches-status" });
  container.append(pageHeader("Your matches", ctx.me.role === "mentee"
    ? "Your requests and mentorships."
    : "The mentees you mentor, and past requests."), status, body);

  // What survives a reload of the list: the match whose feedback form opens (right after
  // "End"), and where the keyboard focus goes once the list is back.
  const state = { feedbackFor: null, focus: null, announce: (text) => {
    status.textContent = text;
  } };

  let loads = 0;
  async function load() {
    const mine = ++loads;
    let matches = [];
    try {
      let cursor = null;
      // A person has a handful of matches; walk a few pages at most.
      for (let page = 0; page < 5; page += 1) {
        const data = await api.matches(undefined, cursor, 100);
        matches = matches.concat(data.matches || []);
        cursor = data.next_cursor;
        if (!cursor) break;
      }
    } catch (error) {
      if (mine === loads) clear(body).append(errorBox(error.message));
      return;
    }
    const groups = [
      { key: "pending", title: "Pending", items: matches.filter((m) => m.status === "pending"),
        empty: ctx.me.role === "mentee" ? "No pending requests." : "No requests waiting for you." },
      { key: "active", title: "Active", items: matches.filter((m) => m.status === "active"), empty: "No active mentorships yet." },
      { key: "closed", title: "Closed", items: matches.filter((m) => !OPEN.has(m.status)), empty: "Nothing here yet." },
    ];
    const sections = await Promise.all(groups.map(async (group) => {
      const cards = await Promise.all(group.items.map((match) => matchCard(ctx, match, load, state)));
      return h("section", { className: "match-group", testid: `matches-${group.key}`, "aria-labelledby": `group-${group.key}` },
        h("h2", { className: "section-title", id: `group-${group.key}` }, group.title, " ",
          h("span", { className: "count" }, String(group.items.length))),
        cards.length ? h("div", { className: "cards" }, cards) : emptyState(group.empty),
      );
    }));
    if (mine !== loads) return;
    clear(body).append(...sections);
    state.feedbackFor = null;
    if (state.focus && state.focus.isConnected) state.focus.focus();
    state.focus = null;
  }

  await load();
}

async function matchCard(ctx, match, reload, state) {
  const otherId = ctx.me.role === "mentee" ? match.mentor_id : match.mentee_id;
  // The inbox already holds the other participant's profile (deleted users included).
  const thread = ctx.inbox ? ctx.inbox.find(match.thread_id) : null;
  const other = thread && thread.other
    ? thread.other
    : await profileOf(otherId).catch(() => ({ id: otherId, name: "Unknown user" }));
  const error = h("p", { className: "error-box", role: "alert", hidden: true, testid: "match-error" });
  const threadLink = (text) => h("a", { className: "btn btn--ghost", href: `#/thread/${encodeURIComponent(match.thread_id)}`,
    testid: "open-thread" }, text);

  const act = (action, reason) => async () => {
    error.hidden = true;
    try {
      await api.transition(match.id, action, reason ? reason() : undefined);
      if (ctx.me.role === "mentor") await ctx.refreshMe().catch(() => {});
      // Ending a mentorship asks at once how it went.
      if (action === "end") {
        state.feedbackFor = match.id;
        state.announce(`Your mentorship with ${displayName(other)} has ended.`);
      }
      await reload();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  };

  const actions = h("div", { className: "card__actions" });
  let feedback = null;
  if (match.status === "pending" && ctx.me.role === "mentor") {
    actions.append(
      actionButton("Accept", { className: "btn btn--primary", testid: "accept", onClick: act("accept") }),
      actionButton("Decline", { className: "btn btn--ghost", testid: "decline", onClick: act("decline") }),
      threadLink("Conversation"),
    );
  } else if (match.status === "pending") {
    actions.append(
      threadLink("Conversation"),
      actionButton("Cancel request", { className: "btn btn--ghost", testid: "cancel", onClick: act("cancel") }),
    );
  } else if (match.status === "active") {
    actions.append(threadLink("Open conversation"), endControl(match, act));
  } else {
    actions.append(threadLink("View conversation"));
    if (match.status === "ended") {
      feedback = feedbackArea(ctx, match, other, actions, { open: state.feedbackFor === match.id });
      if (feedback.focus) state.focus = feedback.focus;
    }
  }

  return h("article", { className: `card match-card match-card--${match.status}`, testid: "match", "data-match-id": match.id,
    "data-status": match.status },
  h("div", { className: "match-card__top" },
    personHeader(other,
      h("div", { className: "tags" }, matchStatusTag(ctx, match), originTag(match),
        tag(ctx.me.role === "mentee" ? "Mentor" : "Mentee", "tag--muted")),
      ctx.me.role === "mentee" ? reputation(other) : null,
      h("p", { className: "muted small" }, "Since ", time(match.created_at),
        match.updated_at && match.updated_at !== match.created_at ? [" · updated ", time(match.updated_at)] : null)),
    scoreBadge(match.score)),
  reasonsList(match.reasons),
  error,
  feedback ? feedback.thanks : null,
  actions,
  feedback ? feedback.form : null,
  );
}

// ---- Feedback on an ended mentorship -----------------------------------------------------

const FEEDBACK_NOTE_LIMIT = 1000;
const RATING_WORDS = { 1: "Poor", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent" };

function thanksText(feedback) {
  return `Thanks — you rated this mentorship ${feedback.rating}/5.`;
}

/**
 * On an ended match: the thanks line once feedback was given, else a "Give feedback" button (in
 * `actions`) that opens the form; `open` shows the form at once (right after "End").
 * Returns { thanks, form, focus } (the element to focus after rendering, when open).
 */
function feedbackArea(ctx, match, other, actions, { open = false } = {}) {
  const thanks = h("p", { className: "success feedback-thanks", testid: "feedback-thanks", tabindex: "-1",
    hidden: !match.feedback }, match.feedback ? thanksText(match.feedback) : "");
  if (match.feedback) return { thanks, form: null, focus: null };

  const give = h("button", { type: "button", className: "btn", testid: "give-feedback" }, "Give feedback");
  const slot = h("div", { className: "feedback-slot" });
  let form = null;

  const showThanks = (given, note) => {
    thanks.textContent = note ? `${note} ${thanksText(given)}` : thanksText(given);
    thanks.hidden = false;
    give.remove();
    clear(slot);
    thanks.focus();
  };
  const close = () => {
    clear(slot);
    form = null;
    give.hidden = false;
    give.focus();
  };
  const openForm = () => {
    give.hidden = true;
    form = feedbackForm(match, other, { onDone: showThanks, onCancel: close });
    clear(slot).append(form.element);
    return form.heading;
  };

  give.addEventListener("click", () => openForm().focus());
  actions.append(give);
  const focus = open ? openForm() : null;
  return { thanks, form: slot, focus };
}

/** The form: 1-5 stars (a radio group), an optional private note, "Send feedback" and "Not now". */
function feedbackForm(match, other, { onDone, onCancel }) {
  const id = `feedback-${match.id}`;
  const name = displayName(other);
  const heading = h("h3", { className: "feedback-form__title", id: `${id}-title`, tabindex: "-1", testid: "feedback-title" },
    `How was your mentorship with ${name}?`);
  const ratingError = h("p", { className: "field-error", id: `${id}-rating-error`, testid: "feedback-rating-error", hidden: true });
  const choice = h("span", { className: "rating__choice", testid: "rating-choice", "aria-hidden": "true" });
  const stars = [1, 2, 3, 4, 5].map((value) => {
    const input = h("input", { type: "radio", name: `${id}-rating`, value: String(value), "aria-label": `${value} of 5`,
      testid: `rating-${value}` });
    return h("label", { className: "rating__star", "data-value": String(value), title: `${value} of 5: ${RATING_WORDS[value]}` },
      input, h("span", { className: "rating__glyph", "aria-hidden": "true" }, "☆"));
  });
  const group = h("fieldset", { className: "field rating", "aria-describedby": `${id}-rating-hint ${id}-rating-error`,
    testid: "feedback-rating" },
  h("legend", {}, "Your rating"),
  h("div", { className: "rating__stars" }, stars, choice),
  h("p", { className: "hint", id: `${id}-rating-hint` }, "1 star is poor, 5 stars is excellent."),
  ratingError);

  const noteId = `${id}-note`;
  const note = h("textarea", { id: noteId, rows: "3", testid: "feedback-note",
    "aria-describedby": `${noteId}-hint ${noteId}-count` });
  const submit = h("button", { type: "submit", className: "btn btn--primary", testid: "feedback-submit" }, "Send feedback");
  const counter = charCounter(note, FEEDBACK_NOTE_LIMIT, { id: `${noteId}-count`, onChange: (over) => {
    submit.disabled = over;
  } });
  const later = h("button", { type: "button", className: "btn btn--ghost", testid: "feedback-later" }, "Not now");
  const formError = h("div", { testid: "feedback-error-area" });

  const form = h("form", { className: "feedback-form", testid: "feedback-form", novalidate: true, "aria-labelledby": heading.id },
    heading,
    group,
    h("div", { className: "field" },
      h("label", { for: noteId }, "A note for the mlbridge team (optional)"),
      note,
      h("p", { className: "hint", id: `${noteId}-hint` }, `Only the people who run mlbridge read it. ${name} never sees it.`),
      counter.element),
    formError,
    h("div", { className: "form__actions" }, submit, later),
  );

  // The stars up to the chosen one light up; the words say what the number means.
  const paint = () => {
    const checked = form.querySelector("input[type=radio]:checked");
    const value = checked ? Number(checked.value) : 0;
    for (const star of stars) {
      const on = Number(star.dataset.value) <= value;
      star.classList.toggle("rating__star--on", on);
      star.querySelector(".rating__glyph").textContent = on ? "★" : "☆";
    }
    choice.textContent = value ? `${value} of 5: ${RATING_WORDS[value]}` : "";
  };
  group.addEventListener("change", () => {
    paint();
    ratingError.hidden = true;
    group.classList.remove("field--invalid");
  });

  later.addEventListener("click", () => onCancel());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clear(formError);
    const checked = form.querySelector("input[type=radio]:checked");
    if (!checked) {
      ratingError.textContent = "Choose a rating from 1 to 5 stars.";
      ratingError.hidden = false;
      group.classList.add("field--invalid");
      stars[0].querySelector("input").focus();
      return;
    }
    if (counter.over()) {
      note.focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      const text = note.value.trim();
      const result = await api.giveFeedback(match.id, Number(checked.value), text || undefined);
      onDone(result.feedback);
    } catch (error) {
      if (error.status === 409) {
        // Given already (say, on another device): show what was given.
        const data = await api.match(match.id).catch(() => null);
        if (data && data.match && data.match.feedback) {
          onDone(data.match.feedback, "You had already given feedback on this mentorship.");
          return;
        }
        formError.append(errorBox("Feedback can no longer be given on this mentorship: "
          + "it was given already, or the mentorship is not over.", "feedback-error"));
      } else if (error.status !== 401) {
        formError.append(errorBox(error.message, "feedback-error"));
      }
    } finally {
      submit.disabled = counter.over();
      submit.removeAttribute("aria-busy");
    }
  });

  return { element: form, heading };
}

/** "End mentorship" asks for confirmation (and an optional reason) inline, without a dialog. */
function endControl(match, act) {
  const wrapper = h("div", { className: "end-control" });
  const reasonId = `end-reason-${match.id}`;
  const reason = h("input", { type: "text", id: reasonId, maxlength: "500", testid: "end-reason", placeholder: "Optional" });
  const start = h("button", { type: "button", className: "btn btn--ghost btn--danger", testid: "end" }, "End mentorship");
  const confirmBox = h("div", { className: "confirm", hidden: true, testid: "end-confirm" },
    h("div", { className: "field field--compact" }, h("label", { for: reasonId }, "Reason (optional)"), reason),
    actionButton("Yes, end it", { className: "btn btn--danger", testid: "confirm-end",
      onClick: act("end", () => reason.value.trim() || undefined) }),
    h("button", { type: "button", className: "btn btn--ghost", on: { click: () => { confirmBox.hidden = true; start.hidden = false; start.focus(); } } },
      "Keep it"),
  );
  start.addEventListener("click", () => {
    start.hidden = true;
    confirmBox.hidden = false;
    reason.focus();
  });
  wrapper.append(start, confirmBox);
  return wrapper;
}
