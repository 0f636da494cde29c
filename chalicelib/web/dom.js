// Small DOM helpers. Text always goes in as text nodes, never as markup.

/**
 * Create an element.
 *   h("button", { type: "button", testid: "send", on: { click: fn } }, "Send")
 * Props: className, testid (-> data-testid), text, on (event listeners), hidden, disabled,
 * checked, value, and anything else as an attribute. Children: nodes, strings (text), arrays,
 * null/undefined/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    switch (key) {
      case "className":
        el.className = value;
        break;
      case "testid":
        el.dataset.testid = value;
        break;
      case "text":
        el.textContent = String(value);
        break;
      case "on":
        for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
        break;
      case "hidden":
      case "disabled":
      case "checked":
      case "required":
      case "multiple":
      case "selected":
        el[key] = Boolean(value);
        break;
      case "value":
        el.value = String(value);
        break;
      default:
        el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

const fullDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
const yearDayAndTime = new Intl.DateTimeFormat(undefined,
  { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });

/** How a moment reads in a list: the time alone for today, else the date too ("Mar 3, 14:05"). */
export function formatWhen(date, now = new Date()) {
  if (date.toDateString() === now.toDateString()) return timeOnly.format(date);
  if (date.getFullYear() === now.getFullYear()) return dayAndTime.format(date);
  return yearDayAndTime.format(date);
}

/** A <time> element for an ISO 8601 timestamp: the time for today, the date and time before. */
export function time(iso) {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) return null;
  return h("time", { datetime: iso, title: fullDateTime.format(date) }, formatWhen(date));
}

const numberFormat = new Intl.NumberFormat();

/** Characters as the API counts them: code points, after trimming white space. */
export function charCount(text) {
  return [...String(text ?? "").trim()].length;
}

/**
 * A live "n / limit characters" counter for a textarea. Past the limit the text is kept as it is
 * (never cut), the counter turns into a plain message and `onChange(over)` lets the caller refuse
 * to send. Returns { element, over(), update() }.
 */
export function charCounter(textarea, limit, { id, onChange = () => {} } = {}) {
  const element = h("p", { className: "char-count", id, testid: "char-count", "aria-live": "polite" });
  let wasOver = null;
  const update = () => {
    const count = charCount(textarea.value);
    const over = count > limit;
    element.textContent = over
      ? `${numberFormat.format(count)} / ${numberFormat.format(limit)} characters: `
        + `too long by ${numberFormat.format(count - limit)}. Shorten it to send.`
      : `${numberFormat.format(count)} / ${numberFormat.format(limit)} characters`;
    element.classList.toggle("char-count--over", over);
    if (over) textarea.setAttribute("aria-invalid", "true");
    else if (wasOver) textarea.removeAttribute("aria-invalid");
    if (over !== wasOver) {
      wasOver = over;
      onChange(over);
    }
  };
  textarea.addEventListener("input", update);
  update();
  return { element, update, over: () => charCount(textarea.value) > limit };
}

/** Display name of a (possibly deleted or missing) public profile. */
export function displayName(profile) {
  if (!profile || profile.deleted) return "Deleted user";
  return profile.name || "Unknown user";
}

/** Initials for an avatar circle. */
export function initials(profile) {
  const name = displayName(profile);
  if (!profile || profile.deleted) return "?";
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[1][0] : (parts[0] || "?").slice(0, 2);
  return letters.toUpperCase();
}

export function avatar(profile) {
  return h("span", { className: "avatar", "aria-hidden": "true" }, initials(profile));
}

/** A tiny pill/tag. */
export function tag(text, extra = "") {
  return h("span", { className: `tag ${extra}`.trim() }, text);
}

/** A button that shows progress while its async action runs. */
export function actionButton(label, { testid, className = "btn", busyLabel, onClick, ...rest }) {
  const button = h("button", { type: "button", className, testid, ...rest }, label);
  button.addEventListener("click", async (event) => {
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (busyLabel) button.textContent = busyLabel;
    try {
      await onClick(event);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      if (busyLabel) button.textContent = label;
    }
  });
  return button;
}

/** A section heading with an optional short description. */
export function pageHeader(title, description, ...actions) {
  return h("div", { className: "page-header" },
    h("div", {},
      h("h1", { className: "page-title", testid: "page-title" }, title),
      description ? h("p", { className: "muted" }, description) : null,
    ),
    actions.length ? h("div", { className: "page-header__actions" }, actions) : null,
  );
}

export function emptyState(text, testid = "empty") {
  return h("p", { className: "empty", testid }, text);
}

/** An inline error for a whole area (not tied to a field). */
export function errorBox(message, testid = "error") {
  return h("p", { className: "error-box", role: "alert", testid }, message);
}
