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
  program: "From a cohort program",
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
function present(text) {
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

function scoreBadge(score) {
  if (score === undefined || score === null) return null;
  return h("span", { className: "score", testid: "score", title: "Match score out of 100" },
    h("strong", {}, String(Math.round(score))), h("span", { className: "score__unit" }, "/100"));
}

function reasonsList(reasons) {
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
function plainWords(error) {
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
      personHeader(mentor, profileFacts(ctx, mentor)),
      scoreBadge(score),
    ),
    reasonsList(reasons),
    goalsLine(ctx, mentor, "Can help with:"),
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
        match.origin === "waitlist" ? h("div", { className: "tags" }, originTag(match)) : null,
        h("p", { className: "muted small" }, match.origin === "waitlist" ? "Offered " : "Requested ", time(match.created_at))),
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

export async function renderMatches(container, ctx) {
  const body = h("div", { className: "match-groups", testid: "matches" });
  container.append(pageHeader("Your matches", ctx.me.role === "mentee"
    ? "Your requests and mentorships."
    : "The mentees you mentor, and past requests."), body);

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
      const cards = await Promise.all(group.items.map((match) => matchCard(ctx, match, load)));
      return h("section", { className: "match-group", testid: `matches-${group.key}`, "aria-labelledby": `group-${group.key}` },
        h("h2", { className: "section-title", id: `group-${group.key}` }, group.title, " ",
          h("span", { className: "count" }, String(group.items.length))),
        cards.length ? h("div", { className: "cards" }, cards) : emptyState(group.empty),
      );
    }));
    if (mine === loads) clear(body).append(...sections);
  }

  await load();
}

async function matchCard(ctx, match, reload) {
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
      await reload();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  };

  const actions = h("div", { className: "card__actions" });
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
  }

  return h("article", { className: `card match-card match-card--${match.status}`, testid: "match", "data-match-id": match.id,
    "data-status": match.status },
  h("div", { className: "match-card__top" },
    personHeader(other,
      h("div", { className: "tags" }, statusTag(match.status), originTag(match),
        tag(ctx.me.role === "mentee" ? "Mentor" : "Mentee", "tag--muted")),
      h("p", { className: "muted small" }, "Since ", time(match.created_at),
        match.updated_at && match.updated_at !== match.created_at ? [" · updated ", time(match.updated_at)] : null)),
    scoreBadge(match.score)),
  reasonsList(match.reasons),
  error,
  actions,
  );
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
