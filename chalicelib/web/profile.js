// The own profile: a summary, signing out and deleting the account.

import { api } from "./api.js";
import { actionButton, avatar, h, pageHeader, time } from "./dom.js";

function row(label, value, testid) {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) return null;
  return [h("dt", {}, label), h("dd", { testid }, Array.isArray(value) ? value.join(", ") : String(value))];
}

export async function renderProfile(container, ctx) {
  const me = await ctx.refreshMe().catch(() => ctx.me);
  const labels = (kind, ids) => (ids || []).map((id) => ctx.label(kind, id));
  const mentee = me.role === "mentee";

  const details = h("dl", { className: "details", testid: "profile-details" },
    row("Role", mentee ? "Mentee (moving into ML)" : "Mentor (working in ML)", "profile-role"),
    row("Email", me.email, "profile-email"),
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
          ctx.signOut({ message: "Your account has been deleted." });
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

  container.append(
    pageHeader("Your profile"),
    h("section", { className: "card" },
      h("div", { className: "person" }, avatar(me),
        h("div", { className: "person__main" },
          h("h2", { className: "person__name", testid: "profile-name" }, me.name),
          me.created_at ? h("p", { className: "muted small" }, "Member since ", time(me.created_at)) : null)),
      details,
    ),
    h("section", { className: "card" },
      h("h2", { className: "section-title" }, "Your account"),
      h("p", { className: "muted" }, "Signing out forgets your token in this browser. You need the token to sign in again."),
      h("div", { className: "card__actions" },
        h("button", { type: "button", className: "btn", testid: "profile-sign-out", on: { click: () => ctx.signOut() } }, "Sign out"),
        start),
      confirmBox,
    ),
  );
}
