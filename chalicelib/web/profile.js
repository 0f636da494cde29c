// The own profile: a summary, the devices signed in, signing out and deleting the account.

import { api } from "./api.js";
import { actionButton, avatar, clear, displayName, errorBox, h, pageHeader, tag, time } from "./dom.js";
import { reputation } from "./matching.js";

function row(label, value, testid) {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) return null;
  return [h("dt", {}, label), h("dd", { testid }, Array.isArray(value) ? value.join(", ") : String(value))];
}

/** The email, and whether it is confirmed (a sign-in link or code from it was used). */
function emailRow(me) {
  if (!me.email) return null;
  let state = null;
  if (me.email_verified === true) {
    state = tag("Verified", "tag--active");
  } else if (me.email_verified === false) {
    state = h("span", { className: "muted" }, `Not verified yet — we sent a link to ${me.email}. Open it to confirm the address.`);
  }
  return [
    h("dt", {}, "Email"),
    h("dd", { className: "email-row" },
      h("span", { testid: "profile-email" }, me.email),
      state ? h("span", { className: "email-state", testid: "email-status" }, state) : null),
  ];
}

// ---- Notifications -----------------------------------------------------------------------

// The notification emails, in the order shown; `roles` says who gets each kind.
const NOTIFICATION_KINDS = [
  { kind: "requests", roles: ["mentor"], label: "New requests" },
  { kind: "updates", roles: ["mentor", "mentee"], label: "Updates on my matches (accepted, declined, ended, expired)" },
  { kind: "messages", roles: ["mentor", "mentee"], label: "Unread messages (after 15 quiet minutes)" },
  { kind: "reminders", roles: ["mentor"], label: "Reminders of requests waiting 3 days" },
];

/** The kinds that apply to `role`, each with whether it is on (absent kinds are on). */
function notificationChoices(me) {
  const current = me.notifications || {};
  return NOTIFICATION_KINDS.filter((item) => item.roles.includes(me.role))
    .map((item) => ({ ...item, on: current[item.kind] !== false }));
}

/** Checkboxes for the notification emails, saved with PATCH /users/me (only the kinds changed). */
function notificationsSection(ctx) {
  const boxes = new Map();
  const status = h("span", { className: "saved", role: "status", testid: "notifications-status" });
  const errorArea = h("div", {});
  const save = h("button", { type: "submit", className: "btn", testid: "save-notifications" }, "Save");

  const choices = notificationChoices(ctx.me).map((item) => {
    const id = `notify-${item.kind}`;
    const box = h("input", { type: "checkbox", id, name: "notifications", value: item.kind, testid: id, checked: item.on });
    boxes.set(item.kind, box);
    return h("div", { className: "field field--inline" }, box, h("label", { for: id }, item.label));
  });

  const verifiedNote = () => (ctx.me.email_verified === false
    ? h("p", { className: "hint", testid: "notifications-unverified" },
      `Emails only go to a verified address. Open the link we sent to ${ctx.me.email} to start getting them.`)
    : null);
  const noteArea = h("div", {}, verifiedNote());

  /** The kinds whose box differs from the saved profile: {"messages": false}. */
  const changes = () => {
    const saved = ctx.me.notifications || {};
    const changed = {};
    for (const [kind, box] of boxes) {
      if (box.checked !== (saved[kind] !== false)) changed[kind] = box.checked;
    }
    return changed;
  };

  const form = h("form", { className: "card notifications", testid: "notifications", "aria-labelledby": "notifications-title", novalidate: true },
    h("h2", { className: "section-title", id: "notifications-title" }, "Notifications"),
    h("fieldset", { className: "field notifications__choices" },
      h("legend", {}, "Email me about"),
      choices),
    noteArea,
    errorArea,
    h("div", { className: "card__actions" }, save, status),
  );
  form.addEventListener("change", () => {
    status.textContent = "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errorArea);
    status.textContent = "";
    const changed = changes();
    if (Object.keys(changed).length === 0) {
      status.textContent = "Nothing to save";
      return;
    }
    save.disabled = true;
    try {
      ctx.me = { ...ctx.me, ...(await api.updateMe({ notifications: changed })) };
      for (const item of notificationChoices(ctx.me)) boxes.get(item.kind).checked = item.on;
      const note = verifiedNote();
      clear(noteArea);
      if (note) noteArea.append(note);
      status.textContent = "Saved";
    } catch (error) {
      if (error.status !== 401) clear(errorArea).append(errorBox(error.message, "notifications-error"));
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// ---- How a mentor moved into ML ----------------------------------------------------------

/** Checkboxes of the goal vocabulary, saved as `moved_via` with PATCH /users/me. */
function movedViaSection(ctx) {
  const status = h("span", { className: "saved", role: "status", testid: "moved-via-status" });
  const errorArea = h("div", {});
  const save = h("button", { type: "submit", className: "btn", testid: "save-moved-via" }, "Save");
  const current = () => new Set(ctx.me.moved_via || []);
  const chosen = current();
  const boxes = (ctx.vocab.goals || []).map((item) => {
    const id = `moved-via-${item.id}`;
    const box = h("input", { type: "checkbox", id, name: "moved_via", value: item.id, testid: `option-moved_via-${item.id}`,
      checked: chosen.has(item.id) });
    return { box, element: h("div", { className: "choice" }, box, h("label", { for: id }, h("span", { className: "choice__label" }, item.label))) };
  });
  const form = h("form", { className: "card", testid: "moved-via-form", "aria-labelledby": "moved-via-title", novalidate: true },
    h("h2", { className: "section-title", id: "moved-via-title" }, "How did you move into ML?"),
    h("p", { className: "muted" }, "Mentees see this on your card, so those on the same path can find you."),
    h("fieldset", { className: "field choices" },
      h("legend", { className: "visually-hidden" }, "Ways you moved into ML"),
      h("div", { className: "choices__grid" }, boxes.map((b) => b.element))),
    errorArea,
    h("div", { className: "card__actions" }, save, status),
  );
  form.addEventListener("change", () => {
    status.textContent = "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errorArea);
    status.textContent = "";
    save.disabled = true;
    try {
      const movedVia = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      ctx.me = { ...ctx.me, ...(await api.updateMe({ moved_via: movedVia })) };
      const saved = current();
      for (const b of boxes) b.box.checked = saved.has(b.box.value);
      status.textContent = "Saved";
    } catch (error) {
      if (error.status !== 401) clear(errorArea).append(errorBox(error.message, "moved-via-error"));
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// ---- Blocked people ----------------------------------------------------------------------

/** GET /users/me/blocks, each with an Unblock button that asks once more before unblocking. */
function blocksSection() {
  const heading = h("h2", { className: "section-title", id: "blocks-title", tabindex: "-1" }, "Blocked people");
  const list = h("ul", { className: "sessions blocks", testid: "blocks", "aria-labelledby": "blocks-title" });
  const status = h("p", { className: "devices-status", role: "status", testid: "blocks-status" });
  const errorArea = h("div", {});

  const item = (block) => {
    const name = displayName({ name: block.name });
    const confirmBox = h("div", { className: "confirm", hidden: true, testid: "unblock-confirm" },
      h("p", {}, `Unblock ${name}? You can then request each other and message in new matches. A closed mentorship stays closed.`),
      actionButton(`Yes, unblock ${name}`, { className: "btn btn--small", testid: "confirm-unblock", busyLabel: "Unblocking…",
        onClick: async () => {
          try {
            await api.unblock(block.user_id);
          } catch (error) {
            if (error.status === 401) return;
            if (error.status !== 404) {
              status.textContent = error.message;
              return;
            }
          }
          status.textContent = `You unblocked ${name}.`;
          await load();
          heading.focus();
        } }),
      h("button", { type: "button", className: "btn btn--ghost btn--small", testid: "keep-blocked",
        on: { click: () => { confirmBox.hidden = true; start.hidden = false; start.focus(); } } }, "Keep blocked"),
    );
    const start = h("button", { type: "button", className: "btn btn--small", testid: "unblock" },
      "Unblock", h("span", { className: "visually-hidden" }, ` ${name}`));
    start.addEventListener("click", () => {
      start.hidden = true;
      confirmBox.hidden = false;
      confirmBox.querySelector("button").focus();
    });
    return h("li", { className: "session block", testid: "block", "data-user-id": block.user_id },
      h("div", { className: "session__main" },
        h("span", { className: "session__label", testid: "block-name" }, name),
        block.created_at ? h("span", { className: "muted small session__when" }, "Blocked ", time(block.created_at)) : null),
      start,
      confirmBox);
  };

  async function load() {
    try {
      const data = await api.blocks();
      const blocks = (data && data.blocks) || [];
      clear(errorArea);
      clear(list).append(...blocks.map(item));
      if (blocks.length === 0) list.append(h("li", { className: "muted", testid: "no-blocks" }, "You have not blocked anyone."));
      list.dataset.loaded = "true";
    } catch (error) {
      if (error.status !== 401) clear(errorArea).append(errorBox(error.message, "blocks-error"));
    }
  }

  const section = h("section", { className: "card", testid: "blocked-people", "aria-labelledby": "blocks-title" },
    heading,
    h("p", { className: "muted" }, "People you blocked cannot request you or message you, and you cannot reach them. They are not told."),
    list,
    errorArea,
    status,
  );
  return { section, load };
}

// ---- Devices -----------------------------------------------------------------------------

function byRecentUse(a, b) {
  if (a.current !== b.current) return a.current ? -1 : 1;
  const when = (s) => s.last_used_at || s.created_at || "";
  return when(b).localeCompare(when(a));
}

function sessionLabel(session) {
  return session.label || "Unknown browser";
}

/** GET /sessions as a list; every session but this one can be ended from here. */
function devicesSection() {
  const heading = h("h2", { className: "section-title", id: "devices-title", tabindex: "-1" }, "Devices");
  const status = h("p", { className: "devices-status", role: "status", testid: "devices-status" });
  const list = h("ul", { className: "sessions", testid: "sessions", "aria-labelledby": "devices-title" });
  const errorArea = h("div", {});
  const endOthers = actionButton("Sign out everywhere else", { className: "btn", testid: "end-other-sessions",
    busyLabel: "Signing out…", hidden: true,
    onClick: async () => {
      try {
        await api.endOtherSessions();
        status.textContent = "You are signed out on every other device.";
        await load();
        heading.focus();
      } catch (error) {
        if (error.status !== 401) status.textContent = error.message;
      }
    } });

  const item = (session) => {
    const label = sessionLabel(session);
    const signedIn = session.created_at ? ["Signed in ", time(session.created_at)] : [];
    const when = session.last_used_at
      ? ["Last used ", time(session.last_used_at), signedIn.length ? [" · ", signedIn[0].toLowerCase(), signedIn[1]] : null]
      : signedIn;
    const end = session.current ? null : actionButton(
      ["Sign out", h("span", { className: "visually-hidden" }, ` ${label}`)],
      { className: "btn btn--small", testid: "end-session",
        onClick: async () => {
          try {
            await api.endSession(session.id);
          } catch (error) {
            if (error.status === 401) return;
            if (error.status !== 404) {
              status.textContent = error.message;
              return;
            }
          }
          status.textContent = `Signed out ${label}.`;
          await load();
          heading.focus();
        } });
    return h("li", { className: "session", testid: "session", "data-current": session.current ? "true" : "false" },
      h("div", { className: "session__main" },
        h("span", { className: "session__label", testid: "session-label" }, label),
        session.current ? tag("This device", "tag--active") : null,
        h("span", { className: "muted small session__when", testid: "session-when" }, when)),
      end);
  };

  async function load() {
    try {
      const data = await api.sessions();
      const sessions = [...(data.sessions || [])].sort(byRecentUse);
      clear(errorArea);
      clear(list).append(...sessions.map(item));
      endOthers.hidden = !sessions.some((s) => !s.current);
      list.dataset.loaded = "true";
    } catch (error) {
      if (error.status !== 401) clear(errorArea).append(errorBox(error.message, "sessions-error"));
    }
  }

  const section = h("section", { className: "card", testid: "devices", "aria-labelledby": "devices-title" },
    heading,
    h("p", { className: "muted" }, "Where you are signed in. Sign out of a device you no longer use or do not recognise."),
    list,
    errorArea,
    status,
    h("div", { className: "card__actions" }, endOthers),
  );
  return { section, load };
}

export async function renderProfile(container, ctx) {
  const me = await ctx.refreshMe().catch(() => ctx.me);
  const labels = (kind, ids) => (ids || []).map((id) => ctx.label(kind, id));
  const mentee = me.role === "mentee";

  const details = h("dl", { className: "details", testid: "profile-details" },
    row("Role", mentee ? "Mentee (moving into ML)" : "Mentor (working in ML)", "profile-role"),
    emailRow(me),
    row("Time zone", me.timezone, "profile-timezone"),
    row("Languages", (me.languages || []).map((code) => code.toUpperCase())),
    mentee ? row("Target framework", me.target_framework && ctx.label("frameworks", me.target_framework)) : null,
    row(mentee ? "Other frameworks" : "Frameworks", labels("frameworks", me.frameworks)),
    row(mentee ? "Goals" : "Can help with", labels("goals", me.goals)),
    mentee ? row("Motivation", me.motivation && ctx.label("motivations", me.motivation)) : null,
    mentee ? row("Years in backend", me.backend_years) : null,
    mentee ? row("Current stack", me.current_stack) : null,
    mentee ? null : row("Capacity", `${me.active_mentees ?? 0} of ${me.capacity} taken`),
    mentee ? null : row("Accepting", me.accepting === false ? "No" : "Yes"),
    mentee ? null : row("Years in ML", me.years_in_ml),
    mentee ? null : row("How you moved into ML", me.transition_story),
    row("About", me.bio),
  );

  const confirmBox = h("div", { className: "confirm", hidden: true, testid: "delete-confirm" },
    h("p", {}, "This ends your open matches and deletes your profile. Your messages stay visible to the people you talked to, shown as from a deleted user. This cannot be undone."),
    actionButton("Yes, delete my account", { className: "btn btn--danger", testid: "confirm-delete", busyLabel: "Deleting…",
      onClick: async () => {
        try {
          await api.deleteMe();
          ctx.endLocalSession({ message: "Your account has been deleted.", testid: "notice" });
        } catch (error) {
          ctx.notify(error.message, { kind: "error" });
        }
      } }),
    h("button", { type: "button", className: "btn btn--ghost", on: { click: () => { confirmBox.hidden = true; start.hidden = false; start.focus(); } } },
      "Keep my account"),
  );
  const start = h("button", { type: "button", className: "btn btn--ghost btn--danger", testid: "delete-account" }, "Delete my account");
  start.addEventListener("click", () => {
    start.hidden = true;
    confirmBox.hidden = false;
  });

  const devices = devicesSection();
  const blocks = blocksSection();
  // A mentor's track record as mentees see it (the public profile carries it).
  const publicMe = mentee ? null : await api.user(me.id).catch(() => null);
  await Promise.all([devices.load(), blocks.load()]);

  container.append(
    pageHeader("Your profile"),
    h("section", { className: "card" },
      h("div", { className: "person" }, avatar(me),
        h("div", { className: "person__main" },
          h("h2", { className: "person__name", testid: "profile-name" }, me.name),
          me.created_at ? h("p", { className: "muted small" }, "Member since ", time(me.created_at)) : null,
          reputation(publicMe ? { ...me, ...publicMe } : me))),
      details,
    ),
    ...(mentee ? [] : [movedViaSection(ctx)]),
    notificationsSection(ctx),
    blocks.section,
    devices.section,
    h("section", { className: "card" },
      h("h2", { className: "section-title" }, "Your account"),
      h("p", { className: "muted" }, "Signing out ends your session on this device. To sign in again, ask for a sign-in link with your email."),
      h("div", { className: "card__actions" },
        h("button", { type: "button", className: "btn", testid: "profile-sign-out", on: { click: () => ctx.signOut() } }, "Sign out"),
        start),
      confirmBox,
    ),
  );
}
