// The inbox (polled every few seconds while signed in) and the conversation view.

import { ApiError, api, newIdempotencyKey } from "./api.js";
import { avatar, charCounter, clear, displayName, emptyState, errorBox, h, pageHeader, tag, time } from "./dom.js";
import { reputation } from "./matching.js";

const INBOX_POLL_MS = 5000;
const THREAD_POLL_MS = 2000;
const PAGE_SIZE = 20;
const MESSAGE_LIMIT = 4000;
const REPORT_DETAILS_LIMIT = 2000;

// What a report can be about, in the words shown to the person reporting.
const REPORT_REASONS = [
  { id: "harassment", label: "Harassment or bullying" },
  { id: "spam", label: "Spam or advertising" },
  { id: "inappropriate", label: "Inappropriate messages or behaviour" },
  { id: "no-show", label: "Did not show up to meetings" },
  { id: "other", label: "Something else" },
];

// ---- Inbox store -------------------------------------------------------------------------

/** Keeps the thread list fresh; subscribers are called after every refresh. */
export function createInbox({ countPending = false } = {}) {
  let threads = [];
  let pending = 0;
  let loaded = false;
  let timer = null;
  let inFlight = null;
  let openThreadId = null;
  const listeners = new Set();

  const emit = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // One failing view must not stop the others.
      }
    }
  };

  async function refresh() {
    if (inFlight) return inFlight;
    inFlight = (async () => {
      try {
        const [data, open] = await Promise.all([
          api.threads(undefined, 100),
          // A mentor's requests waiting for an answer (a capacity of at most 10 bounds them).
          countPending ? api.matches("pending", undefined, 50).catch(() => null) : null,
        ]);
        threads = data.threads || [];
        if (open) pending = (open.matches || []).length;
        loaded = true;
        // The open conversation is read as it arrives.
        if (openThreadId) {
          const open = threads.find((t) => t.id === openThreadId);
          if (open) open.unread = 0;
        }
        emit();
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  const tick = () => {
    if (!document.hidden) refresh().catch(() => {});
  };
  const onVisible = () => {
    if (!document.hidden) tick();
  };

  return {
    get threads() {
      return threads;
    },
    get loaded() {
      return loaded;
    },
    refresh,
    find: (id) => threads.find((t) => t.id === id),
    pendingRequests: () => pending,
    /** The requests page has just counted the pending requests itself. */
    setPendingRequests(count) {
      if (count !== pending) {
        pending = count;
        emit();
      }
    },
    totalUnread: () => threads.reduce((sum, t) => sum + (t.id === openThreadId ? 0 : t.unread || 0), 0),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setOpenThread(id) {
      openThreadId = id;
      const open = id && threads.find((t) => t.id === id);
      if (open && open.unread) {
        open.unread = 0;
        emit();
      }
    },
    start() {
      tick();
      timer = setInterval(tick, INBOX_POLL_MS);
      document.addEventListener("visibilitychange", onVisible);
    },
    stop() {
      clearInterval(timer);
      timer = null;
      listeners.clear();
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}

// ---- Inbox view --------------------------------------------------------------------------

export async function renderInbox(container, ctx) {
  const inbox = ctx.inbox;
  const list = h("ul", { className: "threads", testid: "threads", "aria-label": "Conversations" });
  const status = h("div", { testid: "inbox-status" });
  container.append(pageHeader("Inbox", "Your conversations, most recent first."), status, list);

  // Re-rendered only when something changed, keeping the keyboard focus on the same thread.
  let rendered = null;
  const render = () => {
    const threads = inbox.threads;
    const signature = JSON.stringify(threads.map((t) => [t.id, t.unread, t.updated_at, t.last_message && t.last_message.id,
      t.other && t.other.name, t.other && t.other.deleted]));
    if (signature === rendered) return;
    rendered = signature;
    clear(status);
    if (threads.length === 0) {
      clear(list);
      status.append(emptyState(ctx.me.role === "mentee"
        ? "No conversations yet. Request a mentor and your conversation starts here."
        : "No conversations yet. They start when a mentee sends you a request.", "no-threads"));
      return;
    }
    const focused = list.contains(document.activeElement) ? document.activeElement.closest("[data-thread-id]") : null;
    const focusedId = focused ? focused.dataset.threadId : null;
    list.replaceChildren(...threads.map((thread) => threadItem(ctx, thread)));
    if (focusedId) {
      const again = [...list.querySelectorAll("[data-thread-id]")].find((el) => el.dataset.threadId === focusedId);
      if (again) again.querySelector("a").focus({ preventScroll: true });
    }
  };

  try {
    await inbox.refresh();
  } catch (error) {
    status.append(errorBox(error.message));
  }
  if (inbox.loaded) render();
  const unsubscribe = inbox.subscribe(render);
  return unsubscribe;
}

function threadItem(ctx, thread) {
  const other = thread.other;
  const last = thread.last_message;
  const unread = thread.unread || 0;
  const fromMe = last && last.sender_id === ctx.me.id;
  return h("li", { className: `thread-item${unread ? " thread-item--unread" : ""}`, testid: "thread", "data-thread-id": thread.id },
    h("a", { className: "thread-item__link", href: `#/thread/${encodeURIComponent(thread.id)}`, testid: "open-thread" },
      avatar(other),
      h("span", { className: "thread-item__main" },
        h("span", { className: "thread-item__top" },
          h("span", { className: "thread-item__name", testid: "thread-name" }, displayName(other)),
          thread.updated_at ? time(thread.updated_at) : null,
        ),
        h("span", { className: "thread-item__preview", testid: "thread-preview" },
          last ? `${fromMe ? "You: " : ""}${last.body}` : "No messages yet"),
      ),
      unread ? h("span", { className: "visually-hidden" }, `, ${unread} unread`) : null,
      unread ? h("span", { className: "badge", testid: "unread-badge", "aria-hidden": "true" }, String(unread)) : null,
    ),
  );
}

// ---- Thread view -------------------------------------------------------------------------

export async function renderThread(container, ctx, threadId) {
  const inbox = ctx.inbox;
  const messages = new Map(); // id -> message
  let olderCursor = null;
  let stopped = false;
  let timer = null;
  let match = null;

  const header = h("div", { className: "thread-header", testid: "thread-header" });
  const list = h("ol", { className: "messages", testid: "messages", "aria-label": "Messages", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
  const older = h("button", { type: "button", className: "btn btn--ghost btn--small", testid: "load-older", hidden: true }, "Load older messages");
  const olderWrap = h("div", { className: "messages__older" }, older);
  const errorArea = h("div", { testid: "thread-error-area" });

  // No maxlength: it would silently cut pasted text. The counter says when it is too long.
  const input = h("textarea", { id: "compose-body", name: "body", rows: "2", testid: "compose-input",
    placeholder: "Write a message…", "aria-describedby": "compose-hint compose-count error-body" });
  const sendButton = h("button", { type: "submit", className: "btn btn--primary", testid: "send" }, "Send");
  const composeError = h("p", { className: "field-error", id: "error-body", testid: "error-body", hidden: true });
  let sending = false;
  const counter = charCounter(input, MESSAGE_LIMIT, { id: "compose-count",
    onChange: (over) => {
      sendButton.disabled = sending || over;
    } });
  const readOnlyNote = h("p", { className: "muted", testid: "read-only", hidden: true });
  // Hidden until the conversation has loaded (renderHeader shows it): typed before the send
  // handler is attached, a message would be submitted as a plain form and lost.
  const compose = h("form", { className: "compose", testid: "compose", novalidate: true, hidden: true },
    h("label", { for: "compose-body", className: "visually-hidden" }, "Message"),
    h("div", { className: "compose__row" }, input, sendButton),
    h("div", { className: "compose__foot" },
      h("p", { className: "hint", id: "compose-hint" }, "Enter sends, Shift+Enter adds a line."),
      counter.element),
    composeError,
  );
  compose.addEventListener("submit", (event) => event.preventDefault());

  container.append(
    h("p", { className: "back" }, h("a", { href: "#/inbox", testid: "back-to-inbox" }, "← Inbox")),
    header,
    errorArea,
    h("section", { className: "card conversation", "aria-labelledby": "thread-title" }, olderWrap, list, readOnlyNote, compose),
  );

  // -- Header: who, the state of the match, and a menu to block or report the other person.
  // Whether the signed-in user has blocked the other person (GET /users/me/blocks).
  let blocked = false;
  const identity = h("div", { className: "thread-header__who" });
  const menuSlot = h("div", { className: "thread-header__menu" });
  header.append(identity, menuSlot);
  let menu = null;
  let menuKey = null;

  const statusText = () => {
    if (!match) return null;
    if (match.close_reason === "blocked" && match.closed_by === ctx.me.id) return "Closed: blocked";
    return match.status[0].toUpperCase() + match.status.slice(1);
  };

  const renderHeader = () => {
    const thread = inbox.find(threadId);
    const other = thread ? thread.other : null;
    clear(identity).append(
      avatar(other),
      h("div", {},
        h("h1", { className: "page-title", id: "thread-title", testid: "thread-title" }, thread ? displayName(other) : "Conversation"),
        match ? h("div", { className: "tags" }, h("span", { className: `tag tag--${match.status}`, testid: "thread-status" }, statusText())) : null,
        reputation(other),
      ),
    );
    const closed = Boolean(match && !["pending", "active"].includes(match.status));
    const readOnly = closed || blocked;
    compose.hidden = readOnly;
    readOnlyNote.hidden = !readOnly;
    clear(readOnlyNote);
    if (blocked) {
      readOnlyNote.append(`You blocked ${displayName(other)}, so this conversation is read-only. `,
        "You can unblock them in your ", h("a", { href: "#/profile" }, "profile"), ".");
    } else if (readOnly) {
      readOnlyNote.append("This mentorship is closed, so the conversation is read-only.");
    }
    // The menu is rebuilt only when what it offers changes (never while open: polling would
    // take the keyboard focus away).
    const key = other && !other.deleted ? `${other.id}|${displayName(other)}|${blocked}` : null;
    if (key !== menuKey && !(menu && menu.isOpen())) {
      menuKey = key;
      menu = key ? safetyMenu(other) : null;
      clear(menuSlot).append(menu ? menu.element : []);
    }
  };

  const focusMenu = () => {
    if (menu) menu.button.focus();
  };

  const reloadMatch = async () => {
    if (!match) return;
    const data = await api.match(match.id).catch(() => null);
    if (data && data.match) match = data.match;
  };

  function safetyMenu(other) {
    const name = displayName(other);
    const items = [
      blocked
        ? { label: `Unblock ${name}`, testid: "menu-unblock", onSelect: () => unblock(other) }
        : { label: `Block ${name}`, testid: "menu-block", danger: true, onSelect: () => confirmBlock(other) },
      { label: `Report ${name}`, testid: "menu-report", onSelect: () => reportForm(other) },
    ];
    return actionsMenu(items, { label: `More actions for ${name}` });
  }

  function confirmBlock(other) {
    const name = displayName(other);
    const open = match && ["pending", "active"].includes(match.status);
    const errorSlot = h("div", {});
    const confirm = h("button", { type: "button", className: "btn btn--danger", testid: "confirm-block" }, `Block ${name}`);
    const cancel = h("button", { type: "button", className: "btn btn--ghost", testid: "cancel-block" }, "Cancel");
    const box = modal({ title: `Block ${name}?`, testid: "block-dialog", onClose: focusMenu },
      h("p", { id: "dialog-text" },
        open ? "Your match ends and neither of you can message or request the other. "
          : "Neither of you can message or request the other. ",
        `${name} is not told. You can unblock them later in your profile.`),
      errorSlot,
      h("div", { className: "dialog__actions" }, confirm, cancel),
    );
    box.dialog.setAttribute("aria-describedby", "dialog-text");
    cancel.addEventListener("click", () => box.close());
    confirm.addEventListener("click", async () => {
      if (confirm.disabled) return;
      confirm.disabled = true;
      confirm.setAttribute("aria-busy", "true");
      clear(errorSlot);
      try {
        await api.block(other.id);
        blocked = true;
        await reloadMatch();
        box.close();
        renderHeader();
        ctx.notify(`You blocked ${name}. This conversation is now read-only.`, { kind: "success", testid: "blocked-notice" });
        inbox.refresh().catch(() => {});
      } catch (error) {
        if (error.status !== 401) errorSlot.append(errorBox(error.message, "block-error"));
      } finally {
        confirm.disabled = false;
        confirm.removeAttribute("aria-busy");
      }
    });
    box.open(cancel, container);
  }

  async function unblock(other) {
    const name = displayName(other);
    try {
      await api.unblock(other.id);
    } catch (error) {
      if (error.status !== 404) {
        if (error.status !== 401) ctx.notify(error.message, { kind: "error", testid: "unblock-error" });
        return;
      }
    }
    blocked = false;
    await reloadMatch();
    renderHeader();
    focusMenu();
    ctx.notify(`You unblocked ${name}.`, { kind: "success", testid: "unblocked-notice" });
  }

  function reportForm(other) {
    const name = displayName(other);
    const reason = h("select", { id: "report-reason", testid: "report-reason", "aria-describedby": "report-reason-error" },
      h("option", { value: "" }, "Choose a reason…"),
      REPORT_REASONS.map((item) => h("option", { value: item.id }, item.label)));
    const reasonError = h("p", { className: "field-error", id: "report-reason-error", testid: "report-reason-error", hidden: true });
    const details = h("textarea", { id: "report-details", rows: "4", testid: "report-details",
      "aria-describedby": "report-details-hint report-details-count" });
    const submit = h("button", { type: "submit", className: "btn btn--primary", testid: "report-submit" }, "Send report");
    const counter = charCounter(details, REPORT_DETAILS_LIMIT, { id: "report-details-count", onChange: (over) => {
      submit.disabled = over;
    } });
    const cancel = h("button", { type: "button", className: "btn btn--ghost", testid: "report-cancel" }, "Cancel");
    const errorSlot = h("div", {});
    const reasonGroup = h("div", { className: "field" }, h("label", { for: "report-reason" }, "What happened?"), reason, reasonError);
    const form = h("form", { className: "dialog__form", testid: "report-form", novalidate: true },
      h("p", { className: "muted", id: "dialog-text" },
        `The people who run mlbridge read every report. ${name} is not told who sent it.`),
      reasonGroup,
      h("div", { className: "field" },
        h("label", { for: "report-details" }, "Details (optional)"),
        details,
        h("p", { className: "hint", id: "report-details-hint" }, "What happened and when. This helps us act on it."),
        counter.element),
      errorSlot,
      h("div", { className: "dialog__actions" }, submit, cancel),
    );
    const box = modal({ title: `Report ${name}`, testid: "report-dialog", onClose: focusMenu }, form);
    box.dialog.setAttribute("aria-describedby", "dialog-text");
    cancel.addEventListener("click", () => box.close());
    reason.addEventListener("change", () => {
      if (reason.value) {
        reasonError.hidden = true;
        reasonGroup.classList.remove("field--invalid");
        reason.removeAttribute("aria-invalid");
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      clear(errorSlot);
      if (!reason.value) {
        reasonError.textContent = "Choose a reason.";
        reasonError.hidden = false;
        reasonGroup.classList.add("field--invalid");
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
        return;
      }
      if (counter.over()) {
        details.focus();
        return;
      }
      submit.disabled = true;
      submit.setAttribute("aria-busy", "true");
      try {
        const body = { user_id: other.id, reason: reason.value };
        if (match) body.match_id = match.id;
        const text = details.value.trim();
        if (text) body.details = text;
        await api.report(body);
        box.close();
        ctx.notify("Thanks, the report was sent to the operators.", { kind: "success", testid: "report-sent" });
      } catch (error) {
        if (error.status !== 401) errorSlot.append(errorBox(error.message, "report-error"));
      } finally {
        submit.disabled = counter.over();
        submit.removeAttribute("aria-busy");
      }
    });
    box.open(reason, container);
  }

  // -- Messages, oldest at the top.
  const isMine = (message) => message.sender_id === ctx.me.id;
  const sorted = () => [...messages.values()].sort((a, b) =>
    a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const messageItem = (message) => {
    const mine = isMine(message);
    const thread = inbox.find(threadId);
    const author = mine ? "You" : displayName(thread ? thread.other : null);
    return h("li", { className: `message ${mine ? "message--mine" : "message--theirs"}`, testid: "message", "data-id": message.id,
      "data-mine": mine ? "true" : "false" },
    h("span", { className: "visually-hidden" }, `${author}: `),
    h("p", { className: "message__body", testid: "message-body" }, message.body),
    h("span", { className: "message__meta" }, time(message.created_at)));
  };

  const nearBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const scrollToBottom = () => {
    list.scrollTop = list.scrollHeight;
  };

  // Existing nodes are kept and new ones inserted in place, so assistive technology only
  // announces what is new.
  const nodes = new Map();
  const renderMessages = ({ keepBottom = true, keepOffsetFrom = null } = {}) => {
    const all = sorted();
    if (all.length === 0) {
      list.replaceChildren(h("li", { className: "empty", testid: "no-messages" }, "No messages yet. Say hello!"));
      return;
    }
    const placeholder = list.querySelector('[data-testid="no-messages"]');
    if (placeholder) placeholder.remove();
    let previous = null;
    for (const message of all) {
      let node = nodes.get(message.id);
      if (!node) {
        node = messageItem(message);
        nodes.set(message.id, node);
      }
      const expected = previous ? previous.nextSibling : list.firstChild;
      if (node !== expected) list.insertBefore(node, expected);
      previous = node;
    }
    if (keepOffsetFrom !== null) list.scrollTop = list.scrollHeight - keepOffsetFrom;
    else if (keepBottom) scrollToBottom();
  };

  const add = (items) => {
    let added = 0;
    for (const message of items) {
      if (!messages.has(message.id)) added += 1;
      messages.set(message.id, message);
    }
    return added;
  };

  const showError = (error) => {
    clear(errorArea).append(errorBox(error.status === 404
      ? "This conversation does not exist, or you are not part of it."
      : error.message, "thread-error"));
  };

  const markRead = () => api.markRead(threadId).then(() => inbox.setOpenThread(threadId)).catch(() => {});

  // -- First load.
  inbox.setOpenThread(threadId);
  if (!inbox.find(threadId)) await inbox.refresh().catch(() => {});
  const thread = inbox.find(threadId);
  try {
    const [page, matchData, blocks] = await Promise.all([
      api.messages(threadId, undefined, PAGE_SIZE),
      thread ? api.match(thread.match_id).catch(() => null) : Promise.resolve(null),
      thread && thread.other ? api.blocks().catch(() => null) : Promise.resolve(null),
    ]);
    match = matchData ? matchData.match : null;
    blocked = Boolean(blocks && (blocks.blocks || []).some((b) => b.user_id === thread.other.id));
    add(page.messages || []);
    olderCursor = page.next_cursor || null;
  } catch (error) {
    inbox.setOpenThread(null);
    renderHeader();
    compose.hidden = true;
    list.hidden = true;
    showError(error);
    return () => {};
  }
  renderHeader();
  older.hidden = !olderCursor;
  renderMessages();
  markRead();

  // -- Older messages (the cursor walks back in time).
  older.addEventListener("click", async () => {
    if (!olderCursor) return;
    older.disabled = true;
    try {
      const fromBottom = list.scrollHeight - list.scrollTop;
      const page = await api.messages(threadId, olderCursor, PAGE_SIZE);
      add(page.messages || []);
      olderCursor = page.next_cursor || null;
      renderMessages({ keepOffsetFrom: fromBottom });
      older.hidden = !olderCursor;
    } catch (error) {
      showError(error);
    } finally {
      older.disabled = false;
    }
  });

  // -- New messages: poll the newest page; walk back if more arrived than one page holds.
  const poll = async () => {
    if (stopped || document.hidden) return;
    try {
      let cursor;
      let fresh = 0;
      let fromOther = false;
      for (let pageNo = 0; pageNo < 5; pageNo += 1) {
        const page = await api.messages(threadId, cursor, PAGE_SIZE);
        if (stopped) return;
        const items = page.messages || [];
        const newOnes = items.filter((m) => !messages.has(m.id));
        fromOther = fromOther || newOnes.some((m) => !isMine(m));
        fresh += add(items);
        if (newOnes.length < items.length || !page.next_cursor) break;
        cursor = page.next_cursor;
      }
      if (fresh > 0) {
        const stick = nearBottom();
        renderMessages({ keepBottom: stick });
        if (fromOther) markRead();
      }
      clear(errorArea);
    } catch (error) {
      if (error.status === 404) showError(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      await poll();
      schedule();
    }, THREAD_POLL_MS);
  };
  schedule();

  // The match may end while the conversation is open: follow it with the inbox refreshes.
  const unsubscribe = inbox.subscribe(async () => {
    renderHeader();
    const current = inbox.find(threadId);
    if (current && match && ["pending", "active"].includes(match.status)) {
      const data = await api.match(current.match_id).catch(() => null);
      if (data && !stopped && data.match.status !== match.status) {
        match = data.match;
        renderHeader();
      }
    }
  });

  // -- Sending.
  let pendingKey = null;
  input.addEventListener("input", () => {
    pendingKey = null;
    composeError.hidden = true;
    if (!counter.over()) input.removeAttribute("aria-invalid");
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });
  compose.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    const body = input.value;
    if (counter.over()) {
      counter.update();
      input.focus();
      return;
    }
    if (!body.trim()) {
      composeError.textContent = "Write something first.";
      composeError.hidden = false;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    pendingKey = pendingKey || newIdempotencyKey();
    sending = true;
    sendButton.disabled = true;
    sendButton.setAttribute("aria-busy", "true");
    composeError.hidden = true;
    try {
      let result;
      try {
        result = await api.send(threadId, body, pendingKey);
      } catch (error) {
        // A network blip: retry once with the same key, which cannot create a duplicate.
        if (!(error instanceof ApiError) || error.status !== 0) throw error;
        result = await api.send(threadId, body, pendingKey);
      }
      pendingKey = null;
      add([result.message]);
      input.value = "";
      counter.update();
      renderMessages();
      inbox.refresh().catch(() => {});
    } catch (error) {
      composeError.textContent = error.field === "body" ? capitalize(error.problem) : error.message;
      composeError.hidden = false;
      input.setAttribute("aria-invalid", "true");
      if (error.status === 409 && match) {
        const data = await api.match(match.id).catch(() => null);
        if (data) {
          match = data.match;
          renderHeader();
        }
      }
    } finally {
      sending = false;
      sendButton.disabled = counter.over();
      sendButton.removeAttribute("aria-busy");
      if (!compose.hidden) input.focus();
    }
  });

  if (!compose.hidden) input.focus({ preventScroll: true });

  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
    inbox.setOpenThread(null);
  };
}

function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

// ---- A menu of actions and a modal dialog ------------------------------------------------

let menuCount = 0;

/**
 * A "⋯" button opening a menu (ARIA menu button): Enter, Space or the arrow keys open it, the
 * arrow keys, Home and End move between its items, Escape closes it and returns to the button.
 * `items`: [{ label, testid, onSelect, danger }]. Returns { element, button, isOpen() }.
 */
function actionsMenu(items, { label = "More actions", testid = "more-actions" } = {}) {
  menuCount += 1;
  const buttonId = `menu-button-${menuCount}`;
  const listId = `menu-list-${menuCount}`;
  const button = h("button", { type: "button", className: "btn btn--ghost menu__button", id: buttonId, testid,
    "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": listId, title: label },
  h("span", { "aria-hidden": "true" }, "⋯"), h("span", { className: "visually-hidden" }, label));
  const entries = items.map((item) => h("button", { type: "button", role: "menuitem", tabindex: "-1",
    className: `menu__item${item.danger ? " menu__item--danger" : ""}`, testid: item.testid }, item.label));
  const list = h("ul", { className: "menu__list", id: listId, role: "menu", "aria-labelledby": buttonId, testid: "menu", hidden: true },
    entries.map((entry) => h("li", { role: "none" }, entry)));
  const element = h("div", { className: "menu" }, button, list);

  const isOpen = () => !list.hidden;
  const onOutside = (event) => {
    if (!element.contains(event.target)) close();
  };
  function open(index = 0) {
    list.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("pointerdown", onOutside, true);
    entries[(index + entries.length) % entries.length].focus();
  }
  function close({ focus = false } = {}) {
    if (list.hidden) return;
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", onOutside, true);
    if (focus) button.focus();
  }

  button.addEventListener("click", () => (isOpen() ? close({ focus: true }) : open(0)));
  button.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      open(event.key === "ArrowDown" ? 0 : -1);
    }
  });
  list.addEventListener("keydown", (event) => {
    const at = entries.indexOf(document.activeElement);
    const moveTo = (index) => entries[(index + entries.length) % entries.length].focus();
    if (event.key === "ArrowDown") moveTo(at + 1);
    else if (event.key === "ArrowUp") moveTo(at - 1);
    else if (event.key === "Home") moveTo(0);
    else if (event.key === "End") moveTo(-1);
    else if (event.key === "Escape") close({ focus: true });
    else if (event.key === "Tab") {
      close();
      return;
    } else return;
    event.preventDefault();
  });
  list.addEventListener("focusout", (event) => {
    if (isOpen() && !element.contains(event.relatedTarget) && event.relatedTarget) close();
  });
  entries.forEach((entry, index) => entry.addEventListener("click", () => {
    close();
    items[index].onSelect();
  }));
  return { element, button, isOpen };
}

/**
 * A modal <dialog> with a title: open(focusFirst) shows it (the rest of the page is inert),
 * Escape or close() closes it, removes it and calls `onClose` (which returns the focus).
 */
function modal({ title, testid, onClose = () => {} }, ...content) {
  const dialog = h("dialog", { className: "dialog", testid, "aria-labelledby": "dialog-title" },
    h("h2", { className: "dialog__title", id: "dialog-title" }, title),
    content);
  dialog.addEventListener("close", () => {
    dialog.remove();
    onClose();
  });
  return {
    dialog,
    /** `parent`: where it lives in the page (the view, so that leaving the page takes it away). */
    open(focusFirst, parent = document.body) {
      parent.append(dialog);
      dialog.showModal();
      if (focusFirst) focusFirst.focus();
    },
    close() {
      if (dialog.open) dialog.close();
    },
  };
}
