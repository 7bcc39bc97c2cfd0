// Talking to the gateway: queries over HTTP POST, subscriptions over one WebSocket that
// speaks graphql-transport-ws (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md).
//
// The protocol in five messages: the client sends `connection_init` and waits for
// `connection_ack`; each operation is a `subscribe` with an id of the client's choosing;
// results come back as `next` (with `data`, or with `errors` when the resolver refused),
// `error` (the operation was invalid) and `complete`; either side may `ping`, the other
// answers `pong`. Any number of operations share the one socket.

// URLs are relative to the page, so the board also works behind a proxy that serves the
// gateway under a path prefix (https://example.org/status/board -> /status/graphql).
export const HTTP_URL = new URL("graphql", document.baseURI).href;
export const WS_URL = HTTP_URL.replace(/^http/, "ws");

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
    // The gateway's errors carry a code a client can act on: CURSOR_EXPIRED,
    // SLOW_CONSUMER, BAD_USER_INPUT, NOT_FOUND, UNAVAILABLE, ...
    this.code = errors.find((e) => e.extensions?.code)?.extensions.code ?? null;
  }
}

// A gateway with authentication wants a bearer token: in the Authorization header over
// HTTP, and in the connection_init payload over the WebSocket (browsers cannot set headers
// on a WebSocket handshake). Without one it answers 401 or closes the socket with 4403.
let bearer = null;

export function useToken(token) {
  bearer = token || null;
}

export async function query(text, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(HTTP_URL, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: text, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new GraphQLError(body.errors);
  return body.data;
}

const BACKOFF_FIRST = 500; // ms
const BACKOFF_MAX = 30_000;
const PING_EVERY = 20_000; // a silent proxy or a sleeping laptop is found out by a ping
const PONG_WITHIN = 10_000;
const CLOSE_FORBIDDEN = 4403; // the gateway refused connection_init: the token is missing or bad

// One WebSocket that stays connected: after any drop it reconnects with exponential
// backoff (each wait between half and all of 0.5 s, 1 s, 2 s, ... 30 s), then subscribes
// every active operation again, asking each for its payload anew (so a subscription can
// resume from the last cursor it saw).
//
// `onState({state, attempt, retryAt, reason})` reports "connecting", "live", "waiting"
// (until `retryAt`, a Date.now() value) and "refused" (the credentials were not accepted:
// no retry until `retryNow`, once there is a token to try) for the connection indicator.
export class Connection {
  constructor(url, onState = () => {}) {
    this.url = url;
    this.onState = onState;
    this.operations = new Set();
    this.active = new Map(); // operation id on this socket -> operation
    this.socket = null;
    this.acked = false;
    this.refused = false;
    this.ids = 0;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    // Back online (a laptop waking up, a cable plugged in): no need to sit out the backoff.
    addEventListener("online", () => this.refused || this.retryNow());
  }

  // `operation` is {payload: () => ({query, variables}), next(data), error(GraphQLError)}.
  // After an error the operation is no longer subscribed; it calls `resubscribe` itself
  // (or `unsubscribe`) once it knows what to ask for.
  subscribe(operation) {
    this.operations.add(operation);
    if (this.socket === null && this.retryTimer === null) this.open();
    else if (this.socket?.readyState === WebSocket.OPEN && this.acked) this.send(operation);
  }

  resubscribe(operation, delay = 0) {
    setTimeout(() => {
      if (this.operations.has(operation) && this.acked) this.send(operation);
    }, delay);
  }

  unsubscribe(operation) {
    this.operations.delete(operation);
    for (const [id, active] of this.active) {
      if (active === operation) {
        this.active.delete(id);
        this.write({ id, type: "complete" });
      }
    }
  }

  open() {
    this.acked = false;
    this.onState({ state: "connecting", attempt: this.attempt });
    // The second argument is the subprotocol: the gateway also speaks the older
    // graphql-ws protocol, so the client must say which one it means.
    const socket = new WebSocket(this.url, "graphql-transport-ws");
    this.socket = socket;
    socket.onopen = () =>
      this.write({
        type: "connection_init",
        payload: bearer ? { Authorization: `Bearer ${bearer}` } : {},
      });
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = (event) => this.closed(socket, event);
  }

  receive(message) {
    this.heard();
    const operation = this.active.get(message.id);
    switch (message.type) {
      case "connection_ack":
        this.acked = true;
        this.attempt = 0;
        this.onState({ state: "live" });
        for (const each of this.operations) this.send(each);
        break;
      case "ping":
        this.write({ type: "pong" });
        break;
      case "next":
        if (!operation) break;
        if (message.payload.errors?.length) {
          // The gateway refuses a subscription with `next` + errors, then `complete`.
          this.active.delete(message.id);
          operation.error(new GraphQLError(message.payload.errors));
        } else {
          operation.next(message.payload.data);
        }
        break;
      case "error":
        this.active.delete(message.id);
        operation?.error(new GraphQLError(message.payload));
        break;
      case "complete":
        // The gateway never ends a subscription on its own accord without an error
        // first; if one does end, ask again after a pause rather than go quiet.
        if (operation) {
          this.active.delete(message.id);
          this.resubscribe(operation, BACKOFF_FIRST);
        }
        break;
    }
  }

  send(operation) {
    for (const [id, active] of this.active) if (active === operation) this.active.delete(id);
    const id = String(++this.ids);
    this.active.set(id, operation);
    this.write({ id, type: "subscribe", payload: operation.payload() });
  }

  write(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  // Any message proves the connection alive; a ping only goes out after a silence.
  heard() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = setTimeout(() => {
      this.write({ type: "ping" });
      this.pongTimer = setTimeout(() => this.socket?.close(4408, "no pong"), PONG_WITHIN);
    }, PING_EVERY);
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.socket = null;
    this.acked = false;
    this.active.clear();
    for (const operation of this.operations) operation.disconnected?.();
    this.refused = event.code === CLOSE_FORBIDDEN;
    if (this.refused) {
      this.onState({ state: "refused", reason: event.reason });
      return;
    }
    const reason = event.reason || "connection lost";
    // Jitter, so the wall displays that lost a restarted gateway do not all return at once.
    const ceiling = Math.min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** this.attempt);
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.attempt += 1;
    this.onState({ state: "waiting", attempt: this.attempt, retryAt: Date.now() + delay, reason });
    this.retryTimer = setTimeout(() => this.retryNow(), delay);
  }

  retryNow() {
    if (this.socket !== null || this.operations.size === 0) return;
    this.refused = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open();
  }
}
