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

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** A <time> element for an ISO 8601 timestamp, short when it is today. */
export function time(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h("time", {}, "");
  const sameDay = date.toDateString() === new Date().toDateString();
  return h("time", { datetime: iso, title: dateTime.format(date) },
    sameDay ? timeOnly.format(date) : dateTime.format(date));
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
