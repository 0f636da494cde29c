// mlbridge web app: session, navigation and routing. Views live in their own modules.

import { api, clearToken, getToken, setUnauthorizedHandler } from "./api.js";
import { clear, h } from "./dom.js";
import { forgetProfiles, renderMatches, renderRequests, renderSuggestions } from "./matching.js";
import { createInbox, renderInbox, renderThread } from "./messages.js";
import { renderProfile } from "./profile.js";
import { renderRegister } from "./register.js";

const view = document.querySelector('[data-testid="view"]');
const nav = document.querySelector('[data-testid="nav"]');
const navList = document.querySelector('[data-testid="nav-list"]');
const notices = document.querySelector('[data-testid="notices"]');
const main = document.getElementById("main");
const BASE_TITLE = document.title;

const ctx = {
  me: null,
  vocab: null,
  inbox: null,
  labels: { frameworks: new Map(), goals: new Map(), motivations: new Map() },
  navigate,
  notify,
  signIn,
  signOut,
  refreshMe,
  label(kind, id) {
    return this.labels[kind].get(id) || id;
  },
};

let cleanup = null;
let renderSeq = 0;
let firstRoute = true;

// ---- Notices -----------------------------------------------------------------------------

/** Show a dismissible message above the view. Returns the notice element. */
function notify(content, { kind = "info", testid = "notice", sticky = false } = {}) {
  const close = h("button", { type: "button", className: "notice__close", "aria-label": "Dismiss" }, "×");
  const notice = h("div", { className: `notice notice--${kind}`, testid, role: kind === "error" ? "alert" : "status" },
    h("div", { className: "notice__body" }, content),
    close,
  );
  if (sticky) notice.dataset.sticky = "true";
  close.addEventListener("click", () => notice.remove());
  notices.append(notice);
  return notice;
}

function clearNotices() {
  for (const notice of notices.querySelectorAll(".notice:not([data-sticky])")) notice.remove();
}

// ---- Session -----------------------------------------------------------------------------

async function loadVocabulary() {
  if (ctx.vocab) return ctx.vocab;
  const vocab = await api.vocabulary();
  ctx.vocab = vocab;
  for (const kind of ["frameworks", "goals", "motivations"]) {
    ctx.labels[kind] = new Map((vocab[kind] || []).map((item) => [item.id, item.label]));
  }
  return vocab;
}

async function refreshMe() {
  ctx.me = await api.me();
  return ctx.me;
}

function startInbox() {
  if (ctx.inbox) ctx.inbox.stop();
  ctx.inbox = createInbox({ countPending: Boolean(ctx.me && ctx.me.role === "mentor") });
  ctx.inbox.subscribe(updateBadges);
  ctx.inbox.start();
}

/** Called after registration (or signing in with a token) with the own profile. */
function signIn(me) {
  ctx.me = me;
  startInbox();
  renderNav();
}

function signOut({ message } = {}) {
  clearToken();
  if (ctx.inbox) ctx.inbox.stop();
  ctx.inbox = null;
  ctx.me = null;
  forgetProfiles();
  updateBadges();
  for (const notice of notices.querySelectorAll(".notice")) notice.remove();
  renderNav();
  if (message) notify(message, { kind: "info" });
  if (location.hash === "#/register") route();
  else navigate("#/register");
}

setUnauthorizedHandler(() => {
  if (ctx.me) signOut({ message: "Your session is no longer valid. Register, or sign in with your token." });
});

// ---- Navigation --------------------------------------------------------------------------

function navItems() {
  if (!ctx.me) return [];
  const first = ctx.me.role === "mentee"
    ? { href: "#/suggestions", label: "Mentors", testid: "nav-suggestions" }
    : { href: "#/requests", label: "Requests", testid: "nav-requests", badge: "pending" };
  return [
    first,
    { href: "#/matches", label: "Matches", testid: "nav-matches" },
    { href: "#/inbox", label: "Inbox", testid: "nav-inbox", badge: "unread" },
    { href: "#/profile", label: "Profile", testid: "nav-profile" },
  ];
}

// The links are rebuilt only when who is signed in changes, so that polling never moves the
// keyboard focus; the current page and the unread badge are updated in place.
let navFor = undefined;

function renderNav() {
  const key = ctx.me ? `${ctx.me.id}:${ctx.me.role}` : null;
  if (key !== navFor) {
    navFor = key;
    const items = navItems();
    nav.hidden = items.length === 0;
    clear(navList);
    for (const item of items) {
      const link = h("a", { href: item.href, className: "nav__link", testid: item.testid }, item.label);
      if (item.badge) link.dataset.badge = item.badge;
      navList.append(h("li", {}, link));
    }
    if (ctx.me) {
      navList.append(h("li", {},
        h("button", { type: "button", className: "nav__link nav__signout", testid: "sign-out", on: { click: () => signOut() } },
          "Sign out")));
    }
  }
  const current = currentPath();
  for (const link of navList.querySelectorAll("a.nav__link")) {
    const target = link.getAttribute("href").slice(1);
    const active = current === target || (link.dataset.badge === "unread" && current.startsWith("/thread/"));
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  updateBadges();
}

// A badge is visible text inside its link, with words for screen readers beside it, so that the
// link's name ("Inbox 2 unread") starts with what is on screen ("Inbox 2"); no aria-label.
const BADGES = {
  unread: { testid: "nav-unread", words: (n) => ` unread ${n === 1 ? "message" : "messages"}` },
  pending: { testid: "nav-pending", words: (n) => ` pending ${n === 1 ? "request" : "requests"}` },
};

function setBadge(link, count) {
  const spec = BADGES[link.dataset.badge];
  let badge = link.querySelector(".badge");
  let words = link.querySelector(".badge-words");
  if (count > 0) {
    if (!badge) {
      badge = h("span", { className: "badge", testid: spec.testid });
      words = h("span", { className: "visually-hidden badge-words" });
      link.append(badge, words);
    }
    badge.textContent = String(count);
    words.textContent = spec.words(count);
  } else {
    if (badge) badge.remove();
    if (words) words.remove();
  }
}

function updateBadges() {
  const unread = ctx.inbox ? ctx.inbox.totalUnread() : 0;
  const pending = ctx.inbox && ctx.me && ctx.me.role === "mentor" ? ctx.inbox.pendingRequests() : 0;
  for (const link of navList.querySelectorAll("a[data-badge]")) {
    setBadge(link, link.dataset.badge === "pending" ? pending : unread);
  }
  const total = ctx.me ? unread + pending : 0;
  const title = total > 0 ? `(${total}) ${BASE_TITLE}` : BASE_TITLE;
  if (document.title !== title) document.title = title;
}

function currentPath() {
  const hash = location.hash.replace(/^#/, "");
  return hash || "/";
}

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function homeFor(me) {
  if (!me) return "#/register";
  return me.role === "mentee" ? "#/suggestions" : "#/requests";
}

const routes = [
  { pattern: /^\/register$/, auth: false, render: renderRegister },
  { pattern: /^\/suggestions$/, auth: "mentee", render: renderSuggestions },
  { pattern: /^\/requests$/, auth: "mentor", render: renderRequests },
  { pattern: /^\/matches$/, auth: true, render: renderMatches },
  { pattern: /^\/inbox$/, auth: true, render: renderInbox },
  { pattern: /^\/thread\/([^/]+)$/, auth: true, render: renderThread },
  { pattern: /^\/profile$/, auth: true, render: renderProfile },
];

async function route() {
  const seq = ++renderSeq;
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // A view failing to clean up must not break navigation.
    }
    cleanup = null;
  }
  clearNotices();

  const path = currentPath();
  const found = routes.find((r) => r.pattern.test(path));
  if (!found) {
    navigate(homeFor(ctx.me));
    return;
  }
  if (found.auth && !ctx.me) {
    navigate("#/register");
    return;
  }
  if (!found.auth && ctx.me) {
    navigate(homeFor(ctx.me));
    return;
  }
  if (typeof found.auth === "string" && ctx.me.role !== found.auth) {
    navigate(homeFor(ctx.me));
    return;
  }

  renderNav();
  const params = path.match(found.pattern).slice(1).map(decodeURIComponent);
  const container = h("div", { className: "view__content" });
  clear(view).append(container);
  view.setAttribute("aria-busy", "true");
  try {
    const result = await found.render(container, ctx, ...params);
    if (seq !== renderSeq) {
      if (typeof result === "function") result();
      return;
    }
    cleanup = typeof result === "function" ? result : null;
  } catch (error) {
    if (seq !== renderSeq) return;
    clear(container).append(h("p", { className: "error-box", role: "alert", testid: "view-error" },
      error && error.message ? error.message : "Something went wrong."));
  } finally {
    if (seq === renderSeq) view.removeAttribute("aria-busy");
  }
  // After a navigation (not on the first load), move focus to the new page's heading so that
  // keyboard and screen reader users start reading there.
  const initial = firstRoute;
  firstRoute = false;
  if (!initial && seq === renderSeq && document.activeElement === document.body) {
    const title = container.querySelector("h1");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus({ preventScroll: true });
    } else {
      main.focus({ preventScroll: true });
    }
  }
}

// ---- Start -------------------------------------------------------------------------------

async function start() {
  try {
    await loadVocabulary();
  } catch (error) {
    clear(view).append(h("p", { className: "error-box", role: "alert", testid: "view-error" },
      `mlbridge could not start: ${error.message}`));
    return;
  }
  if (getToken()) {
    try {
      signIn(await api.me());
    } catch (error) {
      if (error.status === 401) clearToken();
      else {
        clear(view).append(h("p", { className: "error-box", role: "alert", testid: "view-error" }, error.message));
        return;
      }
    }
  }
  window.addEventListener("hashchange", route);
  // Another tab signed out (or in): follow it.
  window.addEventListener("storage", (event) => {
    if (event.key === null || event.key === "mlbridge.token") location.reload();
  });
  route();
}

start();
