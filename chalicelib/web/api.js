// The HTTP API client. Same origin; the token lives in localStorage and only ever travels in
// the Authorization header.

const TOKEN_KEY = "mlbridge.token";

// The API root is the folder above this module (/static/api.js -> /), which also holds when
// the API is served under a stage path such as /api/.
const API_ROOT = new URL("../", import.meta.url);

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /**
   * The field an error message names: "languages.0: not a language code" -> "languages".
   * Null when the message does not start with a field name.
   */
  get field() {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.[^\s:]+)*\s*:/.exec(this.message);
    return match ? match[1] : null;
  }

  /** The message without its leading field name. */
  get problem() {
    const colon = this.message.indexOf(":");
    return this.field && colon >= 0 ? this.message.slice(colon + 1).trim() : this.message;
  }
}

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage unavailable: nothing to clear.
  }
}

let onUnauthorized = () => {};

/** Called when the API rejects the stored token (401). */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

function url(path, query) {
  const target = new URL(path.replace(/^\//, ""), API_ROOT);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") target.searchParams.set(key, value);
  }
  return target;
}

/**
 * Call the API. Resolves with the parsed JSON body (null for 204), rejects with ApiError.
 * Options: method, body (JSON-encoded), query, headers, auth (default true), signal.
 */
export async function request(path, { method = "GET", body, query, headers = {}, auth = true, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, credentials: "omit" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const token = getToken();
  if (auth && token) init.headers.Authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch(url(path, query), init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "NetworkError", "Could not reach the server. Check your connection and try again.");
  }

  if (response.status === 204) return null;
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) return data;

  const error = new ApiError(
    response.status,
    (data && data.Code) || `HTTP${response.status}`,
    (data && data.Message) || defaultMessage(response.status),
    response.headers.get("Retry-After"),
  );
  if (response.status === 401 && auth && token) onUnauthorized(error);
  throw error;
}

function defaultMessage(status) {
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status === 503) return "The service is busy. Please try again in a moment.";
  if (status >= 500) return "Something went wrong on our side. Please try again.";
  return `Request failed (${status})`;
}

/** A random key for Idempotency-Key headers. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- Endpoints -------------------------------------------------------------------------

export const api = {
  vocabulary: () => request("/vocabulary", { auth: false }),

  register: (body) => request("/users", { method: "POST", body, auth: false }),

  // Signing in: ask for an email with a link and a code, then trade either for a session.
  // These never send the stored token, so a 401 here is about the link or code, not the session.
  sendSignInLink: (email) => request("/auth/links", { method: "POST", body: { email }, auth: false }),
  signInWithLink: (token) => request("/auth/sessions", { method: "POST", body: { token }, auth: false }),
  signInWithCode: (email, code) => request("/auth/sessions", { method: "POST", body: { email, code }, auth: false }),
  /** End the session of `token` (this device). Sent explicitly so a 401 does not re-enter sign-out. */
  signOut: (token) => request("/auth/signout", {
    method: "POST", auth: false, headers: { Authorization: `Bearer ${token}` },
  }),
  sessions: () => request("/sessions"),
  endSession: (id) => request(`/sessions/${encodeURIComponent(id)}`, { method: "DELETE" }),
  endOtherSessions: () => request("/sessions", { method: "DELETE" }),

  me: () => request("/users/me"),
  updateMe: (body) => request("/users/me", { method: "PATCH", body }),
  deleteMe: () => request("/users/me", { method: "DELETE" }),
  user: (id) => request(`/users/${encodeURIComponent(id)}`),

  suggestions: (limit = 5) => request("/matches/suggestions", { query: { limit } }),
  requestMatch: (mentorId, message) =>
    request("/matches", { method: "POST", body: message ? { mentor_id: mentorId, message } : { mentor_id: mentorId } }),
  matches: (status, cursor, limit = 50) => request("/matches", { query: { status, cursor, limit } }),
  match: (id) => request(`/matches/${encodeURIComponent(id)}`),
  transition: (id, action, reason) =>
    request(`/matches/${encodeURIComponent(id)}/${action}`, { method: "POST", body: reason ? { reason } : {} }),

  // The waitlist for the mentee's target framework: GET answers 404 while not waiting.
  waitlist: () => request("/waitlist"),
  joinWaitlist: (message) => request("/waitlist", { method: "POST", body: message ? { message } : {} }),
  leaveWaitlist: () => request("/waitlist", { method: "DELETE" }),

  threads: (cursor, limit = 50) => request("/threads", { query: { cursor, limit } }),
  messages: (threadId, cursor, limit = 20) =>
    request(`/threads/${encodeURIComponent(threadId)}/messages`, { query: { cursor, limit } }),
  send: (threadId, body, idempotencyKey) =>
    request(`/threads/${encodeURIComponent(threadId)}/messages`, {
      method: "POST",
      body: { body },
      headers: { "Idempotency-Key": idempotencyKey },
    }),
  markRead: (threadId) => request(`/threads/${encodeURIComponent(threadId)}/read`, { method: "POST", body: {} }),

  // Feedback on an ended match (once per participant; the note is read by the operators only).
  giveFeedback: (matchId, rating, note) =>
    request(`/matches/${encodeURIComponent(matchId)}/feedback`, { method: "POST", body: note ? { rating, note } : { rating } }),

  // Safety: blocking (the other person is not told) and reports to the operators.
  blocks: () => request("/users/me/blocks"),
  block: (userId) => request(`/users/${encodeURIComponent(userId)}/block`, { method: "POST", body: {} }),
  unblock: (userId) => request(`/users/${encodeURIComponent(userId)}/block`, { method: "DELETE" }),
  report: (body) => request("/reports", { method: "POST", body }),

  // Cohort programs: members join with a code until sign-ups close, then all are matched at once.
  programs: () => request("/programs"),
  createProgram: (body) => request("/programs", { method: "POST", body }),
  joinProgram: (code) => request("/programs/join", { method: "POST", body: { join_code: code } }),
  program: (id) => request(`/programs/${encodeURIComponent(id)}`),
  leaveProgram: (id) => request(`/programs/${encodeURIComponent(id)}/members/me`, { method: "DELETE" }),
  matchProgram: (id) => request(`/programs/${encodeURIComponent(id)}/match`, { method: "POST", body: {} }),
  programMatches: (id, cursor, limit = 20) =>
    request(`/programs/${encodeURIComponent(id)}/matches`, { query: { cursor, limit } }),
};
