// mlbridge web app: session, navigation and routing. Views live in their own modules.

import { api, clearToken, getToken, setToken, setUnauthorizedHandler } from "./api.js";
import { clear, h } from "./dom.js";
import { forgetProfiles, renderMatches, renderRequests, renderSuggestions } from "./matching.js";
import { renderProgram, renderPrograms } from "./programs.js";
import { createInbox, renderInbox, renderThread } from "./messages.js";
import { renderProfile } from "./profile.js";
import { renderRegister, renderSignIn } from "./register.js";

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
  query: new URLSearchParams(),
  navigate,
  replace,
  notify,
  notifyNext,
  signIn,
  startSession,
  signOut,
  endLocalSession,
  homeFor,
  refreshMe,
  label(kind, id) {
    return this.labels[kind].get(id) || id;
  },
};

let cleanup = null;
let renderSeq = 0;
let firstRoute = true;
let shownPath = null;

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

// A message for the page the app is about to show (route() clears the notices of the last one).
let nextNotice = null;

/** Show a notice on the next page rendered, e.g. "You were signed out" on the sign-in screen. */
function notifyNext(content, options = {}) {
  nextNotice = { content, options };
}

function showNextNotice() {
  if (!nextNotice) return;
  const { content, options } = nextNotice;
  nextNotice = null;
  notify(content, options);
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

/** Called with the own profile once a token is stored (registration, sign-in, page load). */
function signIn(me) {
  if (ctx.me && ctx.me.id !== me.id) forgetProfiles();
  ctx.me = me;
  startInbox();
  renderNav();
}

/**
 * A new session for this browser (from POST /users or POST /auth/sessions): keep its token and
 * sign in. A session this browser held before (say, opening a sign-in link while signed in)
 * is ended rather than left behind in the list of devices.
 */
function startSession(token, me) {
  const previous = getToken();
  setToken(token);
  if (previous && previous !== token) api.signOut(previous).catch(() => {});
  signIn(me);
}

let signingOut = false;

/** "Sign out": end this device's session on the server, then forget the token (even if that failed). */
async function signOut() {
  if (signingOut) return;
  signingOut = true;
  const token = getToken();
  try {
    if (token) await api.signOut(token);
  } catch {
    // Offline or already ended: the token is forgotten all the same.
  } finally {
    signingOut = false;
  }
  endLocalSession();
}

/** Forget the session in this browser and show `to` (the landing page unless told). */
function endLocalSession({ message, testid = "signed-out-notice", to = "#/register" } = {}) {
  clearToken();
  if (ctx.inbox) ctx.inbox.stop();
  ctx.inbox = null;
  ctx.me = null;
  forgetProfiles();
  updateBadges();
  for (const notice of notices.querySelectorAll(".notice")) notice.remove();
  renderNav();
  if (message) notifyNext(message, { kind: "info", testid });
  navigate(to);
}

const SIGNED_OUT_ELSEWHERE = "You were signed out on this device. Sign in again.";

// Any call answered 401 while signed in (the session was ended on another device, or expired).
setUnauthorizedHandler(() => {
  if (ctx.me && !signingOut) endLocalSession({ message: SIGNED_OUT_ELSEWHERE, to: "#/signin" });
});

// ---- Navigation --------------------------------------------------------------------------

function navItems() {
  if (!ctx.me) {
    return [
      { href: "#/register", label: "Join", testid: "nav-register" },
      { href: "#/signin", label: "Sign in", testid: "nav-signin" },
    ];
  }
  const first = ctx.me.role === "mentee"
    ? { href: "#/suggestions", label: "Mentors", testid: "nav-suggestions" }
    : { href: "#/requests", label: "Requests", testid: "nav-requests", badge: "pending" };
  return [
    first,
    { href: "#/matches", label: "Matches", testid: "nav-matches" },
    { href: "#/inbox", label: "Inbox", testid: "nav-inbox", badge: "unread" },
    { href: "#/programs", label: "Programs", testid: "nav-programs", section: true },
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
      if (item.section) link.dataset.section = "true";
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
    const active = current === target || (link.dataset.badge === "unread" && current.startsWith("/thread/"))
      || (link.dataset.section === "true" && current.startsWith(`${target}/`));
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

/** The route's path: "#/signin?token=x" -> "/signin". */
function currentPath() {
  const hash = location.hash.replace(/^#/, "").split("?")[0];
  return hash || "/";
}

/** The route's query: "#/signin?token=x" -> token=x. */
function currentQuery() {
  const at = location.hash.indexOf("?");
  return new URLSearchParams(at >= 0 ? location.hash.slice(at + 1) : "");
}

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** Show `hash` in place of the current entry (no Back to it), e.g. to drop a used sign-in link. */
function replace(hash) {
  history.replaceState(history.state, "", hash);
  route();
}

function homeFor(me) {
  if (!me) return "#/register";
  return me.role === "mentee" ? "#/suggestions" : "#/requests";
}

const routes = [
  { pattern: /^\/register$/, auth: false, render: renderRegister },
  // A sign-in link opened while signed in is still used: it verifies the email.
  { pattern: /^\/signin$/, auth: false, signedIn: (query) => query.has("token"), render: renderSignIn },
  { pattern: /^\/suggestions$/, auth: "mentee", render: renderSuggestions },
  { pattern: /^\/requests$/, auth: "mentor", render: renderRequests },
  { pattern: /^\/matches$/, auth: true, render: renderMatches },
  { pattern: /^\/inbox$/, auth: true, render: renderInbox },
  { pattern: /^\/thread\/([^/]+)$/, auth: true, render: renderThread },
  { pattern: /^\/profile$/, auth: true, render: renderProfile },
  { pattern: /^\/programs$/, auth: true, render: renderPrograms },
  { pattern: /^\/programs\/([^/]+)$/, auth: true, render: renderProgram },
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
  const query = currentQuery();
  if (found.auth && !ctx.me) {
    navigate("#/signin");
    return;
  }
  if (!found.auth && ctx.me && !(found.signedIn && found.signedIn(query))) {
    navigate(homeFor(ctx.me));
    return;
  }
  if (typeof found.auth === "string" && ctx.me.role !== found.auth) {
    navigate(homeFor(ctx.me));
    return;
  }

  renderNav();
  showNextNotice();
  ctx.query = query;
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
  // A different page starts at its top, not where the last one was scrolled to.
  if (!initial && seq === renderSeq && path !== shownPath) window.scrollTo(0, 0);
  if (seq === renderSeq) shownPath = path;
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
      if (error.status === 401) {
        // The session ended while the page was closed. A sign-in link being opened speaks for itself.
        clearToken();
        if (!(currentPath() === "/signin" && currentQuery().has("token"))) {
          notifyNext(SIGNED_OUT_ELSEWHERE, { kind: "info", testid: "signed-out-notice" });
          history.replaceState(history.state, "", "#/signin");
        }
      } else {
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
