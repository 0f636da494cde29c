// Registration (mentee or mentor), and signing in without a password: the user asks for an
// email holding a link and a 6-digit code; opening the link (#/signin?token=...) or typing the
// code on the sign-in screen starts a session.

import { ApiError, api } from "./api.js";
import { clear, h } from "./dom.js";

const ROLE_TEXT = {
  mentee: {
    frameworks: "Other frameworks you are curious about (optional)",
    goals: "Your goals (pick 1–5)",
    bio: "About you (optional)",
  },
  mentor: {
    frameworks: "Frameworks you work with (pick 1–10)",
    goals: "What you can help with (pick 1–9)",
    bio: "About you (optional)",
  },
};

function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function browserLanguages() {
  const codes = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"])
    .map((tag) => String(tag).split("-")[0].toLowerCase())
    .filter((code) => /^[a-z]{2}$/.test(code));
  return [...new Set(codes)].slice(0, 5).join(", ") || "en";
}

/** A labelled field: label, control, optional hint, and the slot for its API error. */
function field(name, labelText, control, { hint, className = "" } = {}) {
  control.id = `field-${name}`;
  control.name = name;
  const describedBy = [];
  const hintEl = hint ? h("p", { className: "hint", id: `hint-${name}` }, hint) : null;
  if (hintEl) describedBy.push(hintEl.id);
  describedBy.push(`error-${name}`);
  control.setAttribute("aria-describedby", describedBy.join(" "));
  control.dataset.testid = `field-${name}`;
  return h("div", { className: `field ${className}`.trim(), testid: `group-${name}`, "data-field": name },
    h("label", { for: control.id }, labelText),
    control,
    hintEl,
    errorSlot(name),
  );
}

function errorSlot(name) {
  return h("p", { className: "field-error", id: `error-${name}`, testid: `error-${name}`, hidden: true });
}

/** A group of checkboxes in a fieldset (frameworks, goals). */
function checkboxGroup(name, legendText, items, { describe } = {}) {
  const legend = h("legend", { id: `legend-${name}` }, legendText);
  const options = items.map((item) => {
    const id = `field-${name}-${item.id}`;
    return h("div", { className: "choice" },
      h("input", { type: "checkbox", id, name, value: item.id, testid: `option-${name}-${item.id}` }),
      h("label", { for: id },
        h("span", { className: "choice__label" }, item.label),
        describe && item.description ? h("span", { className: "choice__hint" }, item.description) : null,
      ),
    );
  });
  const set = h("fieldset", {
    className: "field choices", id: `field-${name}`, testid: `field-${name}`, "data-field": name,
    "aria-describedby": `error-${name}`,
  }, legend, h("div", { className: "choices__grid" }, options), errorSlot(name));
  return { set, legend };
}

function select(items, placeholder) {
  return h("select", {},
    h("option", { value: "" }, placeholder),
    items.map((item) => h("option", { value: item.id }, item.label)));
}

function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[type=checkbox][name="${name}"]:checked`)].map((el) => el.value);
}

function numberOrRaw(value) {
  const text = value.trim();
  if (text === "") return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
}

function optionalText(value) {
  const text = value.trim();
  return text === "" ? undefined : text;
}

/** Build the POST /users body from the form (checked by `validate` first). */
function collect(form, role) {
  const value = (name) => form.elements.namedItem(name).value;
  const body = {
    role,
    name: value("name").trim(),
    email: value("email").trim(),
    timezone: value("timezone").trim(),
    languages: value("languages").split(/[\s,;]+/).map((code) => code.trim().toLowerCase()).filter(Boolean),
    bio: optionalText(value("bio")),
    frameworks: checkedValues(form, "frameworks"),
    goals: checkedValues(form, "goals"),
  };
  if (role === "mentee") {
    Object.assign(body, {
      target_framework: value("target_framework") || undefined,
      motivation: value("motivation") || undefined,
      backend_years: numberOrRaw(value("backend_years")),
      current_stack: optionalText(value("current_stack")),
    });
    if (body.frameworks.length === 0) delete body.frameworks;
  } else {
    Object.assign(body, {
      capacity: numberOrRaw(value("capacity")),
      accepting: form.elements.namedItem("accepting").checked,
      years_in_ml: numberOrRaw(value("years_in_ml")),
      transition_story: optionalText(value("transition_story")),
      moved_via: checkedValues(form, "moved_via"),
    });
    if (body.moved_via.length === 0) delete body.moved_via;
  }
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

const LIMITS = {
  mentee: { frameworks: [0, 10], goals: [1, 5] },
  mentor: { frameworks: [1, 10], goals: [1, 9] },
};

const chars = (text) => [...text].length;

/** A whole number in [min, max], or null. */
function wholeNumber(text, min, max) {
  if (!/^\d+$/.test(text.trim())) return null;
  const number = Number(text.trim());
  return number >= min && number <= max ? number : null;
}

/**
 * The rules of POST /users (chalicelib/schemas.py), checked before sending so that every problem
 * shows at once: the API reports only the first. Returns [{ field, message }] in form order.
 */
function validate(form, role) {
  const value = (name) => form.elements.namedItem(name).value;
  const problems = [];
  const problem = (field, message) => problems.push({ field, message });

  const name = value("name").trim();
  if (!name) problem("name", "Enter your name.");
  else if (chars(name) > 100) problem("name", `Shorten your name to 100 characters or fewer (it has ${chars(name)}).`);

  const email = value("email").trim();
  if (!email) problem("email", "Enter your email address.");
  else if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    problem("email", "Enter an email address like name@example.com.");
  }

  if (!value("timezone").trim()) problem("timezone", "Enter your time zone, for example Europe/Berlin.");

  const languages = value("languages").split(/[\s,;]+/).filter(Boolean);
  if (languages.length === 0) problem("languages", "Enter at least one language, for example en.");
  else if (new Set(languages.map((code) => code.toLowerCase())).size > 5) problem("languages", "Enter at most 5 languages.");

  if (role === "mentee" && !value("target_framework")) problem("target_framework", "Choose the framework you want to focus on.");

  const [minFrameworks, maxFrameworks] = LIMITS[role].frameworks;
  const frameworks = checkedValues(form, "frameworks").length;
  if (frameworks < minFrameworks) problem("frameworks", "Pick at least one framework.");
  else if (frameworks > maxFrameworks) problem("frameworks", `Pick at most ${maxFrameworks} frameworks.`);

  const [, maxGoals] = LIMITS[role].goals;
  const goals = checkedValues(form, "goals").length;
  if (goals === 0) problem("goals", role === "mentor" ? "Pick at least one thing you can help with." : "Pick at least one goal.");
  else if (goals > maxGoals) problem("goals", `Pick at most ${maxGoals}.`);

  if (role === "mentee") {
    if (!value("motivation")) problem("motivation", "Choose what draws you to ML.");
    const years = value("backend_years");
    if (!years.trim()) problem("backend_years", "Enter how many years you have worked as a backend engineer.");
    else if (wholeNumber(years, 0, 50) === null) problem("backend_years", "Enter a whole number of years from 0 to 50.");
    if (chars(value("current_stack").trim()) > 200) problem("current_stack", "Shorten your current stack to 200 characters or fewer.");
  } else {
    const capacity = value("capacity");
    if (!capacity.trim()) problem("capacity", "Enter how many mentees you can take at a time, from 1 to 10.");
    else if (wholeNumber(capacity, 1, 10) === null) problem("capacity", "Enter a whole number of mentees from 1 to 10.");
    const years = value("years_in_ml");
    if (years.trim() && wholeNumber(years, 0, 60) === null) problem("years_in_ml", "Enter a whole number of years from 0 to 60, or leave it empty.");
    if (chars(value("transition_story").trim()) > 1000) problem("transition_story", "Shorten your story to 1,000 characters or fewer.");
  }
  if (chars(value("bio").trim()) > 2000) problem("bio", "Shorten the text about you to 2,000 characters or fewer.");
  return problems;
}

// The API's wording is a validator's ("must be one of ..."): say what to do instead.
const SERVER_WORDS = {
  name: "Check your name: it must not be empty or longer than 100 characters.",
  email: "Enter an email address we can reach, like name@example.com.",
  timezone: "We do not know that time zone. Pick one from the list, for example Europe/Berlin.",
  languages: "Use two-letter language codes separated by commas, for example en, de.",
  target_framework: "Choose the framework you want to focus on.",
  frameworks: "Check the frameworks you picked.",
  goals: "Check the goals you picked.",
  motivation: "Choose what draws you to ML.",
  backend_years: "Enter a whole number of years from 0 to 50.",
  capacity: "Enter a whole number of mentees from 1 to 10.",
  years_in_ml: "Enter a whole number of years from 0 to 60, or leave it empty.",
  moved_via: "Check the ways you moved into ML that you picked.",
};

function plainServerMessage(error) {
  if (error.status === 409 && error.field === "email") {
    return "An account already uses this email. Use “Sign in” at the top to get a sign-in link instead.";
  }
  return SERVER_WORDS[error.field] || capitalize(error.problem || error.message);
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field--invalid")) el.classList.remove("field--invalid");
}

/** Put a message next to its field; false if the form has no such (visible) field. */
function showFieldError(form, name, message, { focus = true } = {}) {
  if (!name) return false;
  const slot = form.querySelector(`#error-${CSS.escape(name)}`);
  const group = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!slot || !group || group.closest("[hidden]")) return false;
  slot.textContent = message;
  slot.hidden = false;
  group.classList.add("field--invalid");
  const control = form.querySelector(`#field-${CSS.escape(name)}`);
  if (control) {
    control.setAttribute("aria-invalid", "true");
    const focusable = control.matches("fieldset") ? control.querySelector("input") : control;
    if (focusable && focus) focusable.focus();
  }
  return true;
}

function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

export async function renderRegister(container, ctx) {
  const vocab = ctx.vocab;
  let role = "mentee";

  const roleChoice = (value, title, text) => {
    const id = `role-${value}`;
    return h("div", { className: "role-card" },
      h("input", { type: "radio", name: "role", id, value, testid: id, checked: value === role }),
      h("label", { for: id }, h("span", { className: "role-card__title" }, title), h("span", { className: "role-card__text" }, text)),
    );
  };

  const timezoneInput = h("input", { type: "text", list: "timezones", autocomplete: "off", value: browserTimeZone(), spellcheck: "false" });
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zoneList = h("datalist", { id: "timezones" }, zones.map((zone) => h("option", { value: zone })));

  const frameworks = checkboxGroup("frameworks", ROLE_TEXT[role].frameworks, vocab.frameworks);
  const goals = checkboxGroup("goals", ROLE_TEXT[role].goals, vocab.goals, { describe: true });
  const bioLabelText = ROLE_TEXT[role].bio;

  const menteeOnlyTop = h("div", { className: "role-fields", testid: "mentee-fields-top" },
    field("target_framework", "The framework you will double down on", select(vocab.frameworks, "Choose a framework…")),
  );
  const menteeOnly = h("div", { className: "role-fields", testid: "mentee-fields" },
    field("motivation", "What draws you to ML?", select(vocab.motivations, "Choose one…")),
    h("div", { className: "field-row" },
      field("backend_years", "Years as a backend engineer", h("input", { type: "number", min: "0", max: "50", step: "1", inputmode: "numeric" })),
      field("current_stack", "Current stack (optional)", h("input", { type: "text", maxlength: "200", placeholder: "e.g. Go, Postgres, Kafka" })),
    ),
  );
  const movedVia = checkboxGroup("moved_via", "How did you move into ML? (optional, pick any)", vocab.goals);
  const acceptingBox = h("input", { type: "checkbox", checked: true, id: "field-accepting", name: "accepting", testid: "field-accepting",
    "aria-describedby": "error-accepting" });
  const mentorOnly = h("div", { className: "role-fields", testid: "mentor-fields", hidden: true },
    h("div", { className: "field-row" },
      field("capacity", "Mentees at a time (1–10)", h("input", { type: "number", min: "1", max: "10", step: "1", value: "2", inputmode: "numeric" })),
      field("years_in_ml", "Years in ML (optional)", h("input", { type: "number", min: "0", max: "60", step: "1", inputmode: "numeric" })),
    ),
    h("div", { className: "field field--inline", "data-field": "accepting", testid: "group-accepting" },
      acceptingBox, h("label", { for: "field-accepting" }, "I am accepting mentees now"), errorSlot("accepting")),
    movedVia.set,
    field("transition_story", "Your story of moving into ML (optional)", h("textarea", { rows: "3", maxlength: "1000" })),
  );

  const formError = h("p", { className: "error-box", role: "alert", id: "error-form", testid: "error-form", hidden: true });
  const submit = h("button", { type: "submit", className: "btn btn--primary", testid: "register-submit" }, "Create my profile");

  const form = h("form", { className: "card form", testid: "register-form", novalidate: true, "aria-labelledby": "register-title" },
    h("fieldset", { className: "field roles", "data-field": "role", id: "field-role", "aria-describedby": "error-role" },
      h("legend", {}, "I am…"),
      h("div", { className: "roles__grid" },
        roleChoice("mentee", "Moving into ML", "A backend engineer looking for a mentor"),
        roleChoice("mentor", "Working in ML", "An ML engineer who wants to help"),
      ),
      errorSlot("role"),
    ),
    h("div", { className: "field-row" },
      field("name", "Name", h("input", { type: "text", autocomplete: "name", maxlength: "100", required: true })),
      field("email", "Email", h("input", { type: "email", autocomplete: "email", required: true })),
    ),
    h("div", { className: "field-row" },
      field("timezone", "Time zone", timezoneInput, { hint: "An IANA name such as Europe/Berlin" }),
      field("languages", "Languages", h("input", { type: "text", value: browserLanguages(), autocomplete: "off", spellcheck: "false" }),
        { hint: "Comma-separated ISO 639-1 codes, e.g. en, de" }),
    ),
    zoneList,
    menteeOnlyTop,
    frameworks.set,
    goals.set,
    menteeOnly,
    mentorOnly,
    field("bio", bioLabelText, h("textarea", { rows: "3", maxlength: "2000" })),
    formError,
    h("div", { className: "form__actions" }, submit),
  );

  const setRole = (value) => {
    role = value;
    frameworks.legend.textContent = ROLE_TEXT[role].frameworks;
    goals.legend.textContent = ROLE_TEXT[role].goals;
    menteeOnlyTop.hidden = role !== "mentee";
    menteeOnly.hidden = role !== "mentee";
    mentorOnly.hidden = role !== "mentor";
    form.dataset.role = role;
  };
  for (const radio of form.querySelectorAll("input[name=role]")) {
    radio.addEventListener("change", () => radio.checked && setRole(radio.value));
  }
  setRole(role);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clearErrors(form);
    formError.hidden = true;
    const problems = validate(form, role);
    if (problems.length > 0) {
      problems.forEach((p, index) => showFieldError(form, p.field, p.message, { focus: index === 0 }));
      formError.textContent = problems.length === 1
        ? "One answer needs a change: see the marked field."
        : `${problems.length} answers need a change: see the marked fields.`;
      formError.hidden = false;
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      const result = await api.register(collect(form, role));
      ctx.startSession(result.token, result.user);
      ctx.notifyNext(`Welcome to mlbridge. We sent a link to ${result.user.email || "your email"} to confirm the address.`,
        { kind: "success", testid: "welcome-notice" });
      ctx.navigate(role === "mentee" ? "#/suggestions" : "#/requests");
    } catch (error) {
      if (!(error instanceof ApiError) || !showFieldError(form, error.field, plainServerMessage(error))) {
        formError.textContent = error.message;
        formError.hidden = false;
        formError.focus?.();
      }
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
  });

  container.append(
    h("section", { className: "intro" },
      h("h1", { className: "page-title", testid: "page-title", id: "register-title" }, "Join mlbridge"),
      h("p", { className: "lead" },
        "Backend engineers moving into machine learning meet ML engineers who have made the same move. ",
        "Tell us a little about yourself and we will suggest good matches."),
      h("p", { className: "signin-prompt" }, "Already registered? ",
        h("a", { href: "#/signin", testid: "signin-link" }, "Sign in with your email"), "."),
    ),
    form,
  );
}

// ---- Signing in ------------------------------------------------------------------------

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const LINK_USED = "That sign-in link has already been used or has expired. Each link works once, for 15 minutes.";

/** "Please wait 3 minutes": Retry-After is in seconds (a date is allowed too). */
function waitWords(retryAfter) {
  let seconds = Number(retryAfter);
  if (!Number.isFinite(seconds) && retryAfter) seconds = (Date.parse(retryAfter) - Date.now()) / 1000;
  if (!Number.isFinite(seconds) || seconds <= 0) return "Please wait a few minutes";
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `Please wait ${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
}

function tooManyLinks(error) {
  return `You asked for several sign-in links in a short time. ${waitWords(error.retryAfter)} and try again, `
    + "or use the newest email you already have.";
}

/** A labelled input with a hint and a slot for its error, wired together with aria-describedby. */
function signInField(id, labelText, input, hintText) {
  input.id = id;
  const hint = hintText ? h("p", { className: "hint", id: `${id}-hint` }, hintText) : null;
  const error = h("p", { className: "field-error", id: `${id}-error`, testid: `${id}-error`, hidden: true });
  input.setAttribute("aria-describedby", [hint && hint.id, error.id].filter(Boolean).join(" "));
  const group = h("div", { className: "field" }, h("label", { for: id }, labelText), input, hint, error);
  return {
    group,
    show(message) {
      error.textContent = message;
      error.hidden = false;
      group.classList.add("field--invalid");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      if (typeof input.select === "function") input.select();
    },
    reset() {
      error.textContent = "";
      error.hidden = true;
      group.classList.remove("field--invalid");
      input.removeAttribute("aria-invalid");
    },
  };
}

function busy(button, on) {
  button.disabled = on;
  if (on) button.setAttribute("aria-busy", "true");
  else button.removeAttribute("aria-busy");
}

export async function renderSignIn(container, ctx) {
  const title = h("h1", { className: "page-title", testid: "page-title", id: "signin-title" }, "Sign in");
  // One polite live region for the whole screen: what just happened ("We sent…").
  const status = h("p", { className: "lead", role: "status", testid: "signin-status" });
  const body = h("div", { className: "signin-body" });
  container.append(h("section", { className: "intro" }, title, status), body);

  const screen = { ctx, title, status, body };
  const token = ctx.query.get("token");
  if (token) await useLink(screen, token);
  else showEmailStep(screen);
}

// ---- The link from the email -------------------------------------------------------------

async function useLink(screen, token) {
  const { ctx, status, body } = screen;
  status.textContent = "Signing you in…";
  body.setAttribute("aria-busy", "true");
  try {
    const result = await api.signInWithLink(token);
    ctx.startSession(result.token, result.user);
    // Drop the link from the address bar and history: a reload must not try it again.
    ctx.replace(ctx.homeFor(result.user));
  } catch (error) {
    body.removeAttribute("aria-busy");
    if (error.status === 401) {
      if (ctx.me) {
        ctx.notifyNext(`${LINK_USED} You are still signed in.`, { kind: "info", testid: "link-error" });
        ctx.replace(ctx.homeFor(ctx.me));
        return;
      }
      history.replaceState(history.state, "", "#/signin");
      status.textContent = "";
      showEmailStep(screen, {
        problem: `${LINK_USED} Enter your email and we will send you a new one.`,
        problemTestid: "link-error",
      });
      return;
    }
    status.textContent = "";
    clear(body).append(
      h("p", { className: "error-box", role: "alert", testid: "link-error" },
        `We could not sign you in just now: ${error.message}`),
      h("div", { className: "form__actions" },
        h("button", { type: "button", className: "btn btn--primary", testid: "retry-link",
          on: { click: () => ctx.replace(location.hash) } }, "Try the link again"),
        h("a", { href: "#/signin", className: "btn", on: { click: (event) => {
          event.preventDefault();
          ctx.replace("#/signin");
        } } }, "Get a new link")),
    );
  }
}

// ---- Step 1: the email -------------------------------------------------------------------

function showEmailStep(screen, { email = "", problem, problemTestid = "signin-error" } = {}) {
  const { title, body } = screen;
  title.textContent = "Sign in";
  const input = h("input", { type: "email", autocomplete: "email", required: true, spellcheck: "false",
    value: email, testid: "signin-email" });
  const emailField = signInField("signin-email", "Email", input,
    "The email you registered with. We will email you a sign-in link and a 6-digit code.");
  const formError = h("p", { className: "error-box", role: "alert", testid: problemTestid, hidden: !problem },
    problem || "");
  const submit = h("button", { type: "submit", className: "btn btn--primary", testid: "send-link" }, "Email me a link");
  const form = h("form", { className: "card form", testid: "signin-form", novalidate: true, "aria-labelledby": "signin-title" },
    formError,
    emailField.group,
    h("div", { className: "form__actions" }, submit),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    emailField.reset();
    formError.hidden = true;
    formError.dataset.testid = "signin-error";
    const value = input.value.trim();
    if (!value) return emailField.show("Enter your email address.");
    if (value.length > 254 || !EMAIL_PATTERN.test(value)) return emailField.show("Enter an email address like name@example.com.");
    busy(submit, true);
    try {
      await api.sendSignInLink(value);
      showCodeStep(screen, value);
    } catch (error) {
      if (error.status === 400) emailField.show("Enter an email address like name@example.com.");
      else {
        formError.textContent = error.status === 429 ? tooManyLinks(error) : error.message;
        formError.hidden = false;
      }
    } finally {
      busy(submit, false);
    }
  });

  clear(body).append(
    form,
    h("p", { className: "muted" }, "New to mlbridge? ", h("a", { href: "#/register", testid: "register-link" }, "Create a profile"), "."),
  );
  return input;
}

// ---- Step 2: the code --------------------------------------------------------------------

function showCodeStep(screen, email) {
  const { ctx, title, status, body } = screen;
  title.textContent = "Check your inbox";
  status.textContent = `If an account uses ${email}, we have emailed it a sign-in link and a 6-digit code. `
    + "Both work once, for 15 minutes.";

  const input = h("input", { type: "text", inputmode: "numeric", autocomplete: "one-time-code", spellcheck: "false",
    maxlength: "12", className: "code-input", testid: "signin-code" });
  const codeField = signInField("signin-code", "6-digit code", input,
    "Type the code from the email here, or open the link in the email on the device you want to use.");
  const formError = h("p", { className: "error-box", role: "alert", testid: "code-form-error", hidden: true });
  const submit = h("button", { type: "submit", className: "btn btn--primary", testid: "code-submit" }, "Sign in");
  const resend = h("button", { type: "button", className: "btn btn--ghost", testid: "resend-link" }, "Send a new link");
  const back = h("button", { type: "button", className: "btn btn--ghost", testid: "change-email" }, "Use a different email");
  const form = h("form", { className: "card form", testid: "code-form", novalidate: true, "aria-labelledby": "signin-title" },
    codeField.group,
    formError,
    h("div", { className: "form__actions" }, submit, resend, back),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    codeField.reset();
    formError.hidden = true;
    const code = input.value.replace(/[\s-]/g, "");
    if (!/^\d{6}$/.test(code)) return codeField.show("Enter the 6 digits from the email.");
    busy(submit, true);
    try {
      const result = await api.signInWithCode(email, code);
      ctx.startSession(result.token, result.user);
      ctx.navigate(ctx.homeFor(result.user));
    } catch (error) {
      if (error.status === 401) {
        codeField.show("That code is wrong or has expired. Check it against the newest email, or send a new link.");
      } else {
        formError.textContent = error.status === 429
          ? `Too many tries. ${waitWords(error.retryAfter)} and try again.`
          : error.message;
        formError.hidden = false;
      }
    } finally {
      busy(submit, false);
    }
  });

  resend.addEventListener("click", async () => {
    if (resend.disabled) return;
    formError.hidden = true;
    busy(resend, true);
    try {
      await api.sendSignInLink(email);
      status.textContent = `We sent a new link and code to ${email}, if it has an account. Use the newest email.`;
    } catch (error) {
      formError.textContent = error.status === 429 ? tooManyLinks(error) : error.message;
      formError.hidden = false;
    } finally {
      busy(resend, false);
    }
  });

  back.addEventListener("click", () => {
    status.textContent = "";
    const emailInput = showEmailStep(screen, { email });
    emailInput.focus();
  });

  clear(body).append(form);
  input.focus();
}
