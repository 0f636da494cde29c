// The Programs screen: cohort programs (join with a code, start one, the organiser's view).
import { api } from "./api.js";
import { actionButton, append, charCounter, clear, displayName, emptyState, errorBox, h, pageHeader, tag, time } from "./dom.js";
import { plainWords, plural, present, reasonsList, scoreBadge } from "./matching.js";

// ---- Cohort programs ---------------------------------------------------------------------
//
// An organiser starts a program and shares its code; mentors and mentees join with it. When
// sign-ups close (or the organiser matches by hand) everyone is matched at once, and each
// matched mentee gets a pending request ("From your program") to their mentor.

const PROGRAM_STATUS = {
  open: { text: "Open for sign-ups", className: "tag--active" },
  matching: { text: "Matching now", className: "tag--pending" },
  matched: { text: "Matched", className: "tag--origin" },
};
const PROGRAM_DESCRIPTION_LIMIT = 2000;
const PROGRAM_NAME_LIMIT = 100;
const PROGRAM_POLL_MS = 4000;
const PAIRS_PAGE = 20;
const longDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

function programStatusTag(status) {
  const spec = PROGRAM_STATUS[status] || { text: status, className: "" };
  const el = tag(spec.text, spec.className);
  el.dataset.testid = "program-status";
  return el;
}

/** A <time> with the full local date and time: "Friday, 12 June 2026 at 17:00". */
function longTime(iso, testid) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return null;
  return h("time", { datetime: iso, testid }, longDateTime.format(date));
}

function memberCounts(program) {
  return [
    h("span", { testid: "program-mentors" }, plural(program.mentors, "mentor", "mentors")),
    " · ",
    h("span", { testid: "program-mentees" }, plural(program.mentees, "mentee", "mentees")),
  ];
}

function roleWords(program) {
  if (program.is_organiser && program.membership) return `You organise it and joined as a ${program.membership.role}`;
  if (program.is_organiser) return "You organise it";
  if (program.membership) return `You joined as a ${program.membership.role}`;
  return null;
}

/** "K7QF 2mzp" -> "K7QF2MZP"; null when it cannot be a code (8 letters or digits). */
function cleanCode(value) {
  const code = String(value || "").replace(/[\s-]/g, "").toUpperCase();
  return /^[A-Z0-9]{8}$/.test(code) ? code : null;
}

/** A Date as the value of a datetime-local input, in local time: "2026-06-12T17:00". */
function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (local time) as a Date; null when it is not one. */
function parseLocalInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || "");
  if (!match) return null;
  const [, y, mo, d, hh, mm, ss] = match.map(Number);
  const date = new Date(y, mo - 1, d, hh, mm, ss || 0);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** An ISO 8601 UTC string without milliseconds: "2026-06-12T15:00:00Z". */
function isoUtc(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A field with its label, an optional hint, and an error slot tied to the control. */
function programField(id, label, control, hint) {
  const error = h("p", { className: "field-error", id: `${id}-error`, testid: `${id}-error`, hidden: true });
  const hintEl = hint ? h("p", { className: "hint", id: `${id}-hint` }, hint) : null;
  const described = [hintEl ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), described].filter(Boolean).join(" "));
  const show = (message) => {
    error.textContent = message;
    error.hidden = false;
    control.setAttribute("aria-invalid", "true");
  };
  const reset = () => {
    error.hidden = true;
    error.textContent = "";
    control.removeAttribute("aria-invalid");
  };
  return { element: h("div", { className: "field" }, h("label", { for: id }, label), control, hintEl, error), show, reset };
}

// ---- The Programs screen: join with a code, my programs, start one --------------------------

export async function renderPrograms(container, ctx) {
  const list = h("div", { testid: "programs", "aria-busy": "true" });
  container.append(
    pageHeader("Programs", "Match a whole group at once. Mentors and mentees join with a code; "
      + "when sign-ups close, everyone is matched together."),
    joinProgramCard(ctx, () => load()),
    h("section", { className: "program-section", "aria-labelledby": "my-programs-title" },
      h("h2", { className: "section-title", id: "my-programs-title" }, "Your programs"),
      list),
    createProgramCard(ctx),
  );

  let loads = 0;
  async function load() {
    const mine = ++loads;
    let programs;
    try {
      programs = (await api.programs()).programs || [];
    } catch (error) {
      if (mine === loads) clear(list).append(errorBox(error.message, "programs-error"));
      list.removeAttribute("aria-busy");
      return;
    }
    if (mine !== loads) return;
    clear(list);
    list.removeAttribute("aria-busy");
    if (programs.length === 0) {
      list.append(emptyState("You have not started or joined a program yet.", "no-programs"));
      return;
    }
    list.append(h("ul", { className: "program-list" }, programs.map((program) => programItem(program))));
  }

  await load();
}

function programItem(program) {
  const role = roleWords(program);
  return h("li", { className: "card program-item", testid: "program-item", "data-program-id": program.id },
    h("h3", { className: "program-item__name" },
      h("a", { href: `#/programs/${encodeURIComponent(program.id)}`, testid: "program-link" }, program.name)),
    h("div", { className: "tags" }, programStatusTag(program.status), role ? tag(role, "tag--muted") : null),
    h("p", { className: "muted small" }, memberCounts(program), " · ",
      program.status === "open" ? "Sign-ups close " : "Sign-ups closed ", time(program.closes_at)),
  );
}

function joinProgramCard(ctx, reload) {
  const id = "program-code";
  const input = h("input", { type: "text", id, name: "join_code", testid: "join-code-input", autocomplete: "off",
    autocapitalize: "characters", spellcheck: "false", maxlength: "20", value: ctx.query.get("code") || "" });
  const role = ctx.me.role === "mentor" ? "mentor" : "mentee";
  const field = programField(id, "Join code", input, `8 letters or digits, like K7QF-2MZP. You join as a ${role}.`);
  const submit = h("button", { type: "submit", className: "btn btn--primary", testid: "join-program" }, "Join");
  const result = h("div", { testid: "join-result" });
  const form = h("form", { className: "join-form", testid: "join-form", novalidate: true },
    field.element, h("div", { className: "form__actions" }, submit));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    field.reset();
    clear(result);
    if (!input.value.trim()) {
      field.show("Enter the code you were given.");
      input.focus();
      return;
    }
    const code = cleanCode(input.value);
    if (!code) {
      field.show("A code has 8 letters or digits, like K7QF-2MZP. Check it and try again.");
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      const { membership } = await api.joinProgram(code);
      input.value = "";
      const link = h("a", { href: `#/programs/${encodeURIComponent(membership.program_id)}`, testid: "joined-program-link" },
        `Open ${membership.program_name}`);
      result.append(h("p", { className: "success", role: "status", testid: "joined", tabindex: "-1" },
        `You joined ${membership.program_name} as a ${membership.role}. `, link));
      await reload();
      result.querySelector('[data-testid="joined"]').focus();
    } catch (error) {
      if (error.status === 401) return;
      if (error.status === 404) field.show("No program has this code. Check it and try again.");
      else if (error.status === 409) field.show(plainWords(error));
      else if (error.status === 400) field.show("A code has 8 letters or digits, like K7QF-2MZP. Check it and try again.");
      else field.show(error.message);
      input.focus();
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
  });

  return h("section", { className: "card program-section", testid: "join-card", "aria-labelledby": "join-title" },
    h("h2", { className: "section-title", id: "join-title" }, "Join a program"),
    h("p", { className: "muted" }, "Got a code from an organiser? Enter it here to sign up with your profile."),
    form, result);
}

function createProgramCard(ctx) {
  const name = h("input", { type: "text", id: "program-name", name: "name", testid: "program-name", maxlength: String(PROGRAM_NAME_LIMIT),
    autocomplete: "off" });
  const week = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  week.setHours(17, 0, 0, 0);
  const closes = h("input", { type: "datetime-local", id: "program-closes", name: "closes_at", testid: "program-closes",
    min: localInputValue(new Date()), value: localInputValue(week) });
  const description = h("textarea", { id: "program-description", name: "description", rows: "3", testid: "program-description",
    "aria-describedby": "program-description-count" });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const nameField = programField("program-name", "Name", name, "Up to 100 characters, e.g. “Spring 2026 cohort”.");
  const closesField = programField("program-closes", "Sign-ups close", closes,
    `In your local time${zone ? ` (${zone})` : ""}. Everyone is matched then, unless you match them earlier.`);
  const submit = h("button", { type: "submit", className: "btn btn--primary", testid: "create-program" }, "Create program");
  const counter = charCounter(description, PROGRAM_DESCRIPTION_LIMIT, { id: "program-description-count", onChange: (over) => {
    submit.disabled = over;
  } });
  const descriptionField = programField("program-description", "Description (optional)", description,
    "Who it is for and what to expect. Members see it.");
  descriptionField.element.append(counter.element);
  const formError = h("div", { testid: "create-error-area" });

  const form = h("form", { className: "form", testid: "create-form", novalidate: true },
    nameField.element, closesField.element, descriptionField.element, formError,
    h("div", { className: "form__actions" }, submit));

  const fields = { name: [nameField, name], closes_at: [closesField, closes], description: [descriptionField, description] };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    for (const [field] of Object.values(fields)) field.reset();
    clear(formError);
    const problems = [];
    const title = name.value.trim();
    if (!title) problems.push(["name", "Give the program a name."]);
    const when = parseLocalInput(closes.value);
    if (!when) problems.push(["closes_at", "Choose the date and time when sign-ups close."]);
    else if (when.getTime() <= Date.now()) problems.push(["closes_at", "Choose a time in the future."]);
    else if (when.getTime() > Date.now() + 365 * 24 * 3600 * 1000) problems.push(["closes_at", "Choose a time within a year from now."]);
    if (counter.over()) problems.push(["description", "Shorten the description to 2,000 characters or fewer."]);
    if (problems.length) {
      for (const [key, message] of problems) fields[key][0].show(message);
      fields[problems[0][0]][1].focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      const text = description.value.trim();
      const body = { name: title, closes_at: isoUtc(when), ...(text ? { description: text } : {}) };
      const { program } = await api.createProgram(body);
      ctx.notifyNext(`${program.name} is open for sign-ups. Share its code with mentors and mentees.`,
        { kind: "success", testid: "created-notice" });
      ctx.navigate(`#/programs/${encodeURIComponent(program.id)}`);
    } catch (error) {
      if (error.status === 401) return;
      const target = fields[error.field];
      if (target) {
        target[0].show(plainWords(error));
        target[1].focus();
      } else {
        formError.append(errorBox(error.message, "create-error"));
      }
    } finally {
      submit.disabled = counter.over();
      submit.removeAttribute("aria-busy");
    }
  });

  return h("section", { className: "card program-section", testid: "create-card", "aria-labelledby": "create-title" },
    h("h2", { className: "section-title", id: "create-title" }, "Start a program"),
    h("p", { className: "muted" }, "You organise it: share its code, watch people sign up, and match everyone at once."),
    form);
}

// ---- A program's page --------------------------------------------------------------------

export async function renderProgram(container, ctx, programId) {
  const back = h("p", { className: "back" }, h("a", { href: "#/programs", testid: "back-to-programs" }, "← All programs"));
  let program;
  try {
    program = (await api.program(programId)).program;
  } catch (error) {
    if (error.status !== 404) throw error;
    container.append(back, pageHeader("Program not found"),
      errorBox("This program does not exist, or you are not its organiser or a member.", "program-missing"));
    return null;
  }

  let timer = null;
  let stopped = false;
  let polling = false;
  let view = null;

  function draw(next) {
    program = next;
    view = programView(ctx, program, { onChanged: (changed, focusId) => {
      draw(changed);
      const target = focusId ? container.querySelector(`#${focusId}`) : null;
      if (target) target.focus();
    }, onLeft: () => {
      stopped = true;
      ctx.notifyNext(`You left ${program.name}.`, { kind: "success", testid: "left-notice" });
      ctx.navigate("#/programs");
    } });
    clear(container).append(back, view.element);
  }

  // While sign-ups are open (or matching runs), the counts and the status follow the server.
  async function poll() {
    if (stopped || polling || document.hidden) return;
    if (program.status === "matched") return;
    polling = true;
    try {
      const fresh = (await api.program(programId)).program;
      if (stopped) return;
      if (fresh.status !== program.status) draw(fresh);
      else {
        program = fresh;
        view.update(fresh);
      }
    } catch (error) {
      if (error.status === 401 || error.status === 404) stopped = true;
    } finally {
      polling = false;
    }
  }

  draw(program);
  timer = setInterval(poll, PROGRAM_POLL_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** The page's body for `program`. Returns { element, update(program) } (update: counts only). */
function programView(ctx, program, { onChanged, onLeft }) {
  const counts = h("dd", { testid: "program-counts" }, memberCounts(program));
  const role = roleWords(program);
  const facts = h("dl", { className: "details program-facts", testid: "program-facts" },
    h("dt", {}, "Status"), h("dd", {}, programStatusTag(program.status)),
    h("dt", {}, program.status === "open" ? "Sign-ups close" : "Sign-ups closed"),
    h("dd", {}, longTime(program.closes_at, "program-closes-at")),
    h("dt", {}, "Signed up"), counts,
    role ? [h("dt", {}, "Your part"), h("dd", { testid: "program-role" }, role)] : null,
  );
  const header = h("div", { className: "page-header" },
    h("div", {},
      h("h1", { className: "page-title", testid: "page-title" }, program.name),
      present(program.description) ? h("p", { className: "lead program-description", testid: "program-description-text" },
        program.description) : null));

  const updaters = [(fresh) => clear(counts).append(...memberCounts(fresh))];
  const sections = [];
  if (program.is_organiser && program.status === "open") {
    sections.push(joinCodeCard(program));
    const match = matchNowCard(program, onChanged);
    updaters.push(match.update);
    sections.push(match.element);
  }
  if (program.status === "matching") {
    sections.push(h("p", { className: "card", role: "status", testid: "program-matching" },
      "Sign-ups are closed and everyone is being matched. This page updates on its own."));
  }
  if (program.is_organiser && program.status === "matched") sections.push(resultsCard(ctx, program));
  if (program.membership) sections.push(memberCard(ctx, program, onLeft));

  const element = h("div", { className: "program-page", testid: "program" }, header, facts, sections);
  return { element, update: (fresh) => updaters.forEach((update) => update(fresh)) };
}

/** Copy `text`; where the clipboard is not available, select `shown` so that it can be copied by hand. */
async function copyText(text, shown, status) {
  status.textContent = "";
  try {
    if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error("no clipboard");
    await navigator.clipboard.writeText(text);
    status.textContent = "Copied.";
  } catch {
    const range = document.createRange();
    range.selectNodeContents(shown);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    status.textContent = "Could not copy by itself: the text is selected, press Ctrl+C (or ⌘C) to copy it.";
  }
}

function joinCodeCard(program) {
  const code = h("p", { className: "join-code", testid: "join-code", id: "join-code" }, program.join_code);
  const base = location.href.split("#")[0];
  const link = `${base}#/programs?code=${encodeURIComponent(program.join_code)}`;
  const closes = longDateTime.format(new Date(program.closes_at));
  const shareText = `Join “${program.name}” on mlbridge: sign in, open Programs and enter the code ${program.join_code} `
    + `(or open ${link}). Sign-ups close ${closes}.`;
  const share = h("p", { className: "share-text", testid: "share-text" }, shareText);
  const status = h("p", { className: "copy-status", role: "status", testid: "copy-status" });
  return h("section", { className: "card program-section join-code-card", testid: "join-code-card", "aria-labelledby": "code-title" },
    h("h2", { className: "section-title", id: "code-title" }, "Join code"),
    h("p", { className: "muted" }, "Mentors and mentees sign up by entering this code under Programs."),
    code,
    h("div", { className: "card__actions" },
      h("button", { type: "button", className: "btn btn--primary", testid: "copy-code", "aria-describedby": "join-code",
        on: { click: () => copyText(program.join_code, code, status) } }, "Copy code"),
      h("button", { type: "button", className: "btn", testid: "copy-invitation",
        on: { click: () => copyText(shareText, share, status) } }, "Copy invitation")),
    status,
    h("h3", { className: "share-title" }, "Invitation to share"),
    share,
  );
}

function matchQuestion(program) {
  if (program.mentees === 0) return "No mentee has joined yet. Match now anyway? Sign-ups close.";
  if (program.mentors === 0) return "No mentor has joined yet. Match now anyway? Sign-ups close and nobody is matched.";
  return `Match ${plural(program.mentees, "mentee", "mentees")} with ${plural(program.mentors, "mentor", "mentors")} now? Sign-ups close.`;
}

function matchNowCard(program, onChanged) {
  const error = h("div", { testid: "match-error-area" });
  const question = h("p", { id: "match-question", testid: "match-question" }, matchQuestion(program));
  const start = h("button", { type: "button", className: "btn btn--primary", testid: "match-now" }, "Match now");
  const cancel = h("button", { type: "button", className: "btn btn--ghost", testid: "cancel-match" }, "Not yet");
  const confirm = actionButton("Yes, match now", { className: "btn btn--primary", testid: "confirm-match", busyLabel: "Matching…",
    "aria-describedby": "match-question",
    onClick: async () => {
      clear(error);
      try {
        const { program: matched } = await api.matchProgram(program.id);
        onChanged({ ...program, ...matched }, "results-title");
      } catch (err) {
        if (err.status === 401) return;
        if (err.status === 409) {
          const fresh = await api.program(program.id).catch(() => null);
          if (fresh && fresh.program) {
            onChanged(fresh.program, fresh.program.status === "matched" ? "results-title" : null);
            return;
          }
        }
        error.append(errorBox(err.status === 409 ? plainWords(err) : err.message, "match-error"));
      }
    } });
  const box = h("div", { className: "confirm", hidden: true, testid: "match-confirm" }, question, confirm, cancel);
  start.addEventListener("click", () => {
    start.hidden = true;
    box.hidden = false;
    confirm.focus();
  });
  cancel.addEventListener("click", () => {
    box.hidden = true;
    start.hidden = false;
    start.focus();
  });
  const element = h("section", { className: "card program-section", testid: "match-card", "aria-labelledby": "match-title" },
    h("h2", { className: "section-title", id: "match-title" }, "Match everyone"),
    h("p", { className: "muted" }, "When sign-ups close, everyone is matched at once: as many mentees as possible with a mentor "
      + "who knows their target framework, then the best scores. Each matched mentee gets a request to their mentor. "
      + "You can match now instead of waiting."),
    h("div", { className: "card__actions" }, start, box),
    error);
  return { element, update: (fresh) => {
    question.textContent = matchQuestion(fresh);
  } };
}

function resultsCard(ctx, program) {
  const stat = (label, value, testid) => h("div", { className: "stat" },
    h("dt", {}, label), h("dd", { testid }, value === null || value === undefined ? "—" : String(value)));
  const list = h("ol", { className: "pairs", testid: "pairs", "aria-labelledby": "pairs-title" });
  const more = h("button", { type: "button", className: "btn", testid: "show-more-pairs", hidden: true }, "Show more");
  const area = h("div", { testid: "pairs-area" });
  let cursor = null;

  async function loadPage() {
    more.disabled = true;
    more.setAttribute("aria-busy", "true");
    try {
      const data = await api.programMatches(program.id, cursor, PAIRS_PAGE);
      const items = (data.matches || []).map((pair) => pairItem(ctx, pair));
      list.append(...items);
      cursor = data.next_cursor || null;
      more.hidden = !cursor;
      if (!list.children.length) clear(area).append(emptyState("No pairs: no mentor who joined could take these mentees.", "no-pairs"));
      return items;
    } catch (error) {
      if (error.status !== 401) clear(area).append(errorBox(error.message, "pairs-error"));
      return [];
    } finally {
      more.disabled = false;
      more.removeAttribute("aria-busy");
    }
  }
  more.addEventListener("click", async () => {
    const items = await loadPage();
    if (items.length) items[0].focus();
    else if (more.hidden) list.focus();
  });
  loadPage();

  return h("section", { className: "card program-section", testid: "program-results", "aria-labelledby": "results-title" },
    h("h2", { className: "section-title", id: "results-title", tabindex: "-1" }, "Results"),
    program.matched_at ? h("p", { className: "muted small" }, "Matched ", time(program.matched_at),
      ". Each pair is a pending request until the mentor accepts it.") : null,
    h("dl", { className: "stats", testid: "program-stats" },
      stat("Matched", program.matched, "program-matched"),
      stat("Unmatched", program.unmatched, "program-unmatched"),
      stat("Total score", program.total_score, "program-total-score")),
    h("h3", { className: "share-title", id: "pairs-title" }, "Pairs"),
    list, area,
    h("div", { className: "card__actions" }, more));
}

function pairItem(ctx, pair) {
  const onTarget = pair.on_target
    ? tag("On target framework", "tag--active")
    : tag("Not on target framework", "tag--muted");
  onTarget.dataset.testid = pair.on_target ? "on-target" : "off-target";
  const focus = pair.mentee && !pair.mentee.deleted && pair.mentee.target_framework
    ? tag(`Focus: ${ctx.label("frameworks", pair.mentee.target_framework)}`, "tag--framework") : null;
  return h("li", { className: "pair", testid: "pair", tabindex: "-1", "data-match-id": pair.match_id },
    h("div", { className: "match-card__top" },
      h("div", { className: "pair__main" },
        h("p", { className: "pair__names", testid: "pair-names" },
          h("span", { className: "pair__who" }, h("span", { className: "visually-hidden" }, "Mentee "),
            h("strong", { testid: "pair-mentee" }, displayName(pair.mentee))),
          h("span", { className: "pair__arrow", "aria-hidden": "true" }, " → "),
          h("span", { className: "pair__who" }, h("span", { className: "visually-hidden" }, ", mentor "),
            h("strong", { testid: "pair-mentor" }, displayName(pair.mentor)))),
        h("div", { className: "tags" }, onTarget, focus)),
      scoreBadge(pair.score)),
    reasonsList(pair.reasons));
}

/** Whether the caller has a match the program opened (origin "program", from their joining to its matching). */
async function matchedByProgram(program) {
  const joined = Date.parse(program.membership.joined_at);
  const matchedAt = Date.parse(program.matched_at || "") || Date.now();
  const data = await api.matches(undefined, undefined, 100);
  return (data.matches || []).some((match) => {
    if (match.origin !== "program") return false;
    const at = Date.parse(match.created_at);
    return at >= joined - 1000 && at <= matchedAt + 60_000;
  });
}

function memberCard(ctx, program, onLeft) {
  const membership = program.membership;
  const body = h("div", {});
  const section = h("section", { className: "card program-section", testid: "member-card", "aria-labelledby": "member-title" },
    h("h2", { className: "section-title", id: "member-title" }, "Your place"),
    membership.joined_at ? h("p", { className: "muted small", testid: "member-joined" }, "Joined ", time(membership.joined_at), ".") : null,
    body);

  if (program.status === "open") {
    body.append(h("p", { className: "muted" },
      "When sign-ups close, everyone is matched at once. A match from this program appears under ",
      h("a", { href: "#/matches" }, "Matches"), "."));
    const error = h("div", {});
    const start = h("button", { type: "button", className: "btn btn--ghost btn--danger", testid: "leave-program" }, "Leave");
    const stay = h("button", { type: "button", className: "btn btn--ghost", testid: "cancel-leave" }, "Stay");
    const confirm = actionButton("Yes, leave", { className: "btn btn--danger", testid: "confirm-leave", busyLabel: "Leaving…",
      "aria-describedby": "leave-question",
      onClick: async () => {
        clear(error);
        try {
          await api.leaveProgram(program.id);
          onLeft();
        } catch (err) {
          if (err.status === 404) onLeft();
          else if (err.status !== 401) error.append(errorBox(err.status === 409 ? plainWords(err) : err.message, "leave-error"));
        }
      } });
    const box = h("div", { className: "confirm", hidden: true, testid: "leave-confirm" },
      h("p", { id: "leave-question" }, `Leave ${program.name}? You can join again with the code while sign-ups are open.`),
      confirm, stay);
    start.addEventListener("click", () => {
      start.hidden = true;
      box.hidden = false;
      confirm.focus();
    });
    stay.addEventListener("click", () => {
      box.hidden = true;
      start.hidden = false;
      start.focus();
    });
    body.append(h("div", { className: "card__actions" }, start, box), error);
  } else if (program.status === "matched") {
    const note = h("p", { className: "success", testid: "program-matched-note" },
      "The program has been matched. Any match it made for you is under ", h("a", { href: "#/matches" }, "Matches"), ".");
    body.append(note);
    matchedByProgram(program).then((found) => {
      append(clear(note), found
        ? ["Your program matched you: see ", h("a", { href: "#/matches", testid: "see-matches" }, "Matches"), "."]
        : [membership.role === "mentee"
          ? "The program could not find a free mentor for you this time. You can still ask mentors yourself under "
          : "No mentee was matched with you this time. Your requests are under ",
        h("a", { href: membership.role === "mentee" ? "#/suggestions" : "#/requests" },
          membership.role === "mentee" ? "Mentors" : "Requests"), "."]);
      if (!found) note.className = "program-note";
    }).catch(() => {});
  }
  return section;
}
