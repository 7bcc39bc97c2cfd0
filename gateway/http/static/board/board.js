// The status board: every workload of the clusters in scope, grouped by status, and the
// pods that belong to no workload in a group of their own, kept live by two
// subscriptions. Read it top to bottom: what to show (the URL), what to ask
// the gateway, the state, how changes arrive, how they reach the screen, the prompt box,
// signing in, and the view's controls.

import { Connection, WS_URL, query, useToken } from "./graphql.js";
import {
  PODS_GROUP,
  Pods,
  STATUS,
  STATUSES,
  ViewFilter,
  Workloads,
  groupOf,
  isAbnormal,
  isPod,
  kindLabel,
  kindsPresent,
  severeStatus,
  sortKey,
  tone,
} from "./model.js";

// ---------------------------------------------------------------------------------------
// 1. What to show. `?cluster=` and `?namespace=` (repeated or comma-separated) are the
// scope the gateway filters on; `?abnormal=1`, `?q=text` and `?kind=Rollout.argoproj.io`
// preset the view's toggle, filter box and kind chooser, which only hide what is here.

const params = new URLSearchParams(location.search);
const listParam = (name) =>
  params
    .getAll(name)
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter(Boolean);
const scope = { clusters: listParam("cluster"), namespaces: listParam("namespace") };
const serverFilter = {};
if (scope.clusters.length) serverFilter.clusters = scope.clusters;
if (scope.namespaces.length) serverFilter.namespaces = scope.namespaces;
const abnormalOnly = /^(1|true|yes|on)$/i.test(params.get("abnormal") ?? "");
let view = new ViewFilter(params.get("q") ?? "", abnormalOnly, params.get("kind") ?? "");

// ---------------------------------------------------------------------------------------
// 2. What to ask. One fragment for the fields the board shows, so the snapshot and the
// live changes fill the same shape.

const WORKLOAD = `fragment BoardWorkload on Workload {
  __typename id cluster kind kindName apiGroup groupKind namespace name status statusLabel
  reason message warnings since counts { desired ready available active succeeded failed }
}`;

const POD = `fragment BoardPod on Pod {
  __typename id cluster namespace name node phase displayReason reason message abnormal issue
  since restarts readyContainers totalContainers
}`;

// Counted by kind: standalone pods (kind POD) have a tile of their own, not a status's.
const SUMMARY = `query BoardSummary($filter: WorkloadFilter) {
  statusSummary(filter: $filter) { byKind { kind status count } }
}`;

const CLUSTERS = `query BoardClusters {
  clusters { name reachable reachabilitySince lastSyncedAt lastError }
}`;

// `snapshot: true` first sends every matching workload as it is now (type SNAPSHOT),
// then a SNAPSHOT_END marker, then every change. Each message carries a cursor; `after: cursor` after a reconnect
// replays what was missed instead of sending everything again.
const CHANGES = `subscription BoardChanges(
  $filter: WorkloadFilter, $after: String, $snapshot: Boolean
) {
  workloadStatusChanged(filter: $filter, after: $after, snapshot: $snapshot) {
    type cursor workloadId workload { ...BoardWorkload }
  }
}
${WORKLOAD}`;

// The same rules for the pods of no workload: snapshot first, then changes, resumable.
const POD_CHANGES = `subscription BoardPods(
  $filter: PodFilter, $after: String, $snapshot: Boolean
) {
  podStatusChanged(filter: $filter, after: $after, snapshot: $snapshot) {
    type cursor podId pod { owner ...BoardPod }
  }
}
${POD}`;

const REACHABILITY = `subscription BoardReachability {
  clusterReachabilityChanged { cluster reachable since error }
}`;

// ---------------------------------------------------------------------------------------
// 3. State.

const workloads = new Workloads();
const pods = new Pods();
const clusters = new Map(); // name -> {name, reachable, since, error, lastSyncedAt}
let summary = null; // statusSummary's counts, shown until the snapshot is in
let loaded = false; // both first snapshots are in: the tiles count the cards themselves
let lastChange = null;

// A workload or a pod, by its global id (the two kinds of id never meet).
const itemOf = (id) => workloads.get(id) ?? pods.get(id);

const PERMANENT = new Set(["BAD_USER_INPUT", "FORBIDDEN", "QUERY_TOO_COSTLY"]);

const $ = (id) => document.getElementById(id);
const ui = {
  scope: $("scope"),
  filter: $("filter"),
  kind: $("kind"),
  abnormalOnly: $("abnormal-only"),
  connection: $("connection"),
  clusters: $("clusters"),
  banner: $("banner"),
  problem: $("problem"),
  tiles: $("tiles"),
  groups: $("groups"),
  empty: $("empty"),
  prompt: $("prompt"),
  signIn: $("sign-in"),
  signInForm: $("sign-in-form"),
  signInReason: $("sign-in-reason"),
  token: $("token"),
  remember: $("remember"),
  signOut: $("sign-out"),
};

// ---------------------------------------------------------------------------------------
// 4. Changes arriving.

const connection = new Connection(WS_URL, showConnection);

// One live feed into `store`: `field` of the messages, `query` with `filter`. Each feed
// keeps its own cursor and snapshot state.
function follow({ query, field, store, filter, onSnapshot = () => {} }) {
  const feed = { cursor: null, snapshot: false, loaded: false };

  // A snapshot cut short is asked for again whole: its cursor would skip the rest.
  const abandon = () => {
    if (!feed.snapshot) return;
    feed.snapshot = false;
    store.unconfirmed = null;
  };

  // The marker's cursor is the feeds' ends when the snapshot started.
  const end = (at) => {
    if (!feed.snapshot) return;
    for (const id of store.endSnapshot()) markDirty(id);
    feed.cursor = at;
    feed.snapshot = false;
    feed.loaded = true;
    loaded = changes.loaded && podChanges.loaded;
    scheduleRender();
  };

  const operation = {
    // Called each time the subscription is (re)sent: resume if there is a cursor,
    // otherwise start from a snapshot.
    payload() {
      const variables = { filter };
      if (feed.cursor) {
        variables.after = feed.cursor;
      } else {
        variables.snapshot = true;
        feed.snapshot = true;
        store.beginSnapshot();
        onSnapshot();
      }
      return { query, variables };
    },
    next(data) {
      const change = data[field];
      if (change.type === "SNAPSHOT_END") {
        end(change.cursor);
      } else if (change.type === "SNAPSHOT") {
        markDirty(store.apply(change));
      } else {
        markDirty(store.apply(change));
        feed.cursor = change.cursor;
        lastChange = new Date();
        showConnection({ state: "live" });
      }
      showProblem(null);
    },
    error(error) {
      if (error.code === "SLOW_CONSUMER") {
        // We fell behind. Once the snapshot is in, the cursor holds our place: resume
        // from it. A snapshot cut short is asked for again whole.
        abandon();
        connection.resubscribe(operation);
        return;
      }
      abandon();
      if (error.code === "CURSOR_EXPIRED") {
        // The gateway no longer holds every change since our cursor (history trimmed,
        // cache reset): take the current state again; what was deleted meanwhile goes.
        feed.cursor = null;
        connection.resubscribe(operation);
      } else if (PERMANENT.has(error.code)) {
        showProblem(`The gateway refused the board's subscription: ${error.message}`);
        connection.unsubscribe(operation);
      } else {
        // NOT_FOUND (a cluster in ?cluster= the gateway does not know yet), UNAVAILABLE, ...
        showProblem(`${error.message} (retrying)`);
        connection.resubscribe(operation, 10_000);
      }
    },
    disconnected: abandon,
  };
  return Object.assign(feed, { operation });
}

// The first tiles come from statusSummary while the workloads' snapshot streams in.
const changes = follow({
  query: CHANGES,
  field: "workloadStatusChanged",
  store: workloads,
  filter: serverFilter,
  onSnapshot: loadSummary,
});
const podChanges = follow({
  query: POD_CHANGES,
  field: "podStatusChanged",
  store: pods,
  filter: { ...serverFilter, standalone: true },
});

const reachability = {
  payload() {
    // Subscribe, then read the clusters as they are; whichever is newer wins (mergeCluster).
    setTimeout(refreshClusters);
    return { query: REACHABILITY, variables: {} };
  },
  next(data) {
    const { cluster: name, reachable, since, error } = data.clusterReachabilityChanged;
    mergeCluster({ name, reachable, since, error });
  },
  error() {
    connection.resubscribe(reachability, 5000);
  },
};

function inScope(name) {
  return scope.clusters.length === 0 || scope.clusters.includes(name);
}

function mergeCluster(update) {
  if (!inScope(update.name)) return;
  const known = clusters.get(update.name);
  if (known?.since && update.since && Date.parse(update.since) < Date.parse(known.since)) return;
  clusters.set(update.name, { ...known, ...update });
  renderClusters();
}

async function refreshClusters() {
  const sent = token;
  try {
    const data = await query(CLUSTERS);
    for (const c of data.clusters) {
      mergeCluster({
        name: c.name,
        reachable: c.reachable,
        since: c.reachabilitySince,
        error: c.lastError,
        lastSyncedAt: c.lastSyncedAt,
      });
    }
  } catch (error) {
    // Unreachable: the connection indicator says so already.
    refused(error, sent);
  }
}

async function loadSummary() {
  const sent = token;
  try {
    const data = await query(SUMMARY, { filter: serverFilter });
    summary = new Map();
    for (const { kind, status, count } of data.statusSummary.byKind) {
      const key = kind === "POD" ? PODS_GROUP.status : status;
      summary.set(key, (summary.get(key) ?? 0) + count);
    }
    scheduleRender();
  } catch (error) {
    // Then the tiles wait for the snapshot.
    refused(error, sent);
  }
}

// ---------------------------------------------------------------------------------------
// 5. To the screen. Changes only mark workloads dirty; one animation frame applies them
// all, so a snapshot of thousands costs one layout, not thousands.

const cards = new Map(); // workload id -> its <li>
const placed = new Map(); // workload id -> {status, key} of the group its card is in
const groups = new Map(); // status -> {section, list, count, keys: [], cards: []}, kept sorted
const dirty = new Set();
let renderAll = true; // the view filter changed: every group is rebuilt
let frame = 0;
const BULK = 200; // more dirty workloads than this: rebuild the groups instead of splicing
const FOLD_OVER = 500;

function markDirty(id) {
  dirty.add(id);
  scheduleRender();
}

function scheduleRender() {
  if (!frame) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  const focused = ui.groups.contains(document.activeElement) ? document.activeElement : null;
  if (renderAll || dirty.size > BULK) rebuildGroups();
  else for (const id of dirty) place(id);
  if (focused?.isConnected && document.activeElement !== focused) {
    focused.focus({ preventScroll: true }); // a card that moved lost the focus on the way
  }
  if (prompt.id && dirty.has(prompt.id)) refreshPrompt();
  dirty.clear();
  renderAll = false;
  renderCounts();
}

// One section per status (and the pods' one), made up front in the board's order and
// hidden while empty.
function makeGroup(status) {
  const info = STATUS.get(status) ??
    (status === PODS_GROUP.status ? { ...PODS_GROUP, tone: "neutral" } : null) ?? {
      status,
      label: status,
      tone: "neutral",
    };
  const section = element("details", "group");
  section.open = true;
  section.hidden = true;
  section.id = `group-${status}`;
  section.dataset.status = status;
  section.dataset.tone = info.tone;
  const count = element("span", "group-count");
  const heading = element("h2", "", info.label);
  heading.append(" ", count);
  const line = element("summary");
  line.append(heading);
  const list = element("ul", "cards");
  section.append(line, list);
  ui.groups.insertBefore(section, ui.empty);
  // touched: a person opened or folded it, which the board leaves alone from then on.
  const group = { section, list, count, keys: [], cards: [], touched: false };
  groups.set(status, group);
  return group;
}

// A status this page does not know yet (a newer gateway) still gets a group, last.
const groupFor = (status) => groups.get(status) ?? makeGroup(status);

// The index where `key` is, or would go, in a sorted array.
function position(keys, key) {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (keys[middle] < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

// One workload or pod: move its card to where it belongs now (or away), and refresh it.
function place(id) {
  const workload = itemOf(id);
  const target = workload && view.shows(workload) ? groupOf(workload) : null;
  const was = placed.get(id);
  if (was && was.status !== target) {
    const group = groups.get(was.status);
    const index = position(group.keys, was.key);
    group.keys.splice(index, 1);
    group.cards.splice(index, 1)[0].remove();
    placed.delete(id);
  }
  if (target === null) {
    cards.delete(id); // made again, up to date, if it is shown again
    return;
  }
  const card = cardFor(id);
  fillCard(card, workload);
  if (was?.status !== target) {
    const key = sortKey(workload);
    const group = groupFor(target);
    const index = position(group.keys, key);
    group.keys.splice(index, 0, key);
    group.cards.splice(index, 0, card);
    group.list.insertBefore(card, group.cards[index + 1] ?? null);
    placed.set(id, { status: target, key });
  }
}

// Everything at once: after a snapshot, or when the view filter changed.
function rebuildGroups() {
  const shown = new Map();
  for (const [id, workload] of [...workloads.byId, ...pods.byId]) {
    if (!view.shows(workload)) continue;
    const group = groupOf(workload);
    if (!shown.has(group)) shown.set(group, []);
    shown.get(group).push({ id, workload, key: sortKey(workload) });
  }
  placed.clear();
  for (const [status, entries] of shown) {
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const group = groupFor(status);
    group.keys = entries.map((e) => e.key);
    group.cards = entries.map(({ id, workload, key }) => {
      const fresh = !cards.has(id) || dirty.has(id);
      const card = cardFor(id);
      if (fresh) fillCard(card, workload);
      placed.set(id, { status, key });
      return card;
    });
    arrange(group.list, group.cards);
  }
  for (const [status, group] of groups) {
    if (shown.has(status)) continue;
    group.keys = [];
    group.cards = [];
    group.list.replaceChildren();
  }
  // Cards of workloads gone or hidden are kept only while they are up to date.
  for (const id of cards.keys()) {
    if (!itemOf(id) || (dirty.has(id) && !placed.has(id))) cards.delete(id);
  }
}

// Make `list` hold exactly `wanted`, in order, moving only what is out of place: a card
// taken out and put back costs the browser as much as a new one.
function arrange(list, wanted) {
  const keep = new Set(wanted);
  for (const child of [...list.children]) if (!keep.has(child)) child.remove();
  let current = list.firstChild;
  for (const card of wanted) {
    if (card === current) current = current.nextSibling;
    else list.insertBefore(card, current);
  }
}

function cardFor(id) {
  let card = cards.get(id);
  if (card) return card;
  card = element("li", "card");
  card.dataset.id = id;
  const button = element("button");
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  const head = element("span", "card-head");
  head.append(element("span", "name"), element("span", "progress"));
  const foot = element("span", "card-foot");
  foot.append(element("span", "reason"), element("span", "warnings"), element("span", "age"));
  button.append(head, element("span", "where"), foot);
  card.append(button);
  cards.set(id, card);
  return card;
}

// What a card and the prompt box say an item is, and its state in words. A pod's state
// is kubectl's STATUS column; its reason, what the gateway found wrong.
const kindOf = (w) => (isPod(w) ? "Pod" : kindLabel(w));
const stateOf = (w) => (isPod(w) ? w.displayReason : w.statusLabel);
const reasonOf = (w) => (isPod(w) ? w.reason || w.displayReason : w.reason);
const warningsOf = (w) => (isPod(w) ? [] : w.warnings);

// textContent only: names and messages come from the cluster and are never parsed as HTML.
function fillCard(card, w) {
  const button = card.firstChild;
  const [head, where, foot] = button.children;
  const kind = kindOf(w);
  card.dataset.tone = tone(w);
  card.dataset.status = severeStatus(w);
  head.children[0].textContent = w.name;
  head.children[1].textContent = progress(w);
  where.textContent = `${isPod(w) ? kind : w.kindName} · ${w.namespace} · ${w.cluster}`;
  where.title = isPod(w) ? "" : `${w.groupKind} (${kind})`;
  foot.children[0].textContent = reasonOf(w);
  const warnings = warningsOf(w);
  foot.children[1].textContent = warnings.length ? `⚠ ${warnings.length}` : "";
  foot.children[1].title = warnings.length ? `${warnings.length} warning(s)` : "";
  const age = foot.children[2];
  age.dataset.since = w.since ?? "";
  age.textContent = w.since ? formatAge(w.since) : "";
  button.setAttribute(
    "aria-label",
    `${w.name}, ${kind} in ${w.namespace} on ${w.cluster}: ${stateOf(w)}, ${reasonOf(w)}`,
  );
}

// The counts a person looks for: ready of desired, how a Job is doing, a pod's containers.
function progress(w) {
  if (isPod(w)) {
    const restarts = w.restarts ? `, ${w.restarts} restarts` : "";
    return `${w.readyContainers}/${w.totalContainers} ready${restarts}`;
  }
  const c = w.counts;
  if (w.kind === "JOB") {
    const done = `${c.succeeded ?? 0}/${c.desired ?? 1} done`;
    return c.failed ? `${done}, ${c.failed} failed` : done;
  }
  if (w.kind === "CRON_JOB") return c.active ? `${c.active} active` : "";
  return c.desired === null || c.desired === undefined ? "" : `${c.ready ?? 0}/${c.desired} ready`;
}

function formatAge(since) {
  const seconds = Math.max(0, (Date.now() - Date.parse(since)) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

const tiles = new Map(); // status -> {tile, count}

function makeTile(info) {
  const tile = element("a", "tile");
  tile.href = `#group-${info.status}`;
  tile.dataset.status = info.status;
  tile.dataset.tone = info.tone;
  const count = element("span", "tile-count", "–");
  tile.append(count, element("span", "tile-label", info.label));
  ui.tiles.append(tile);
  tiles.set(info.status, { tile, count, info });
}

function renderCounts() {
  // Until the snapshots are in, the tiles show statusSummary; then the cards themselves.
  const own = loaded || ((view.text || view.kind) && workloads.size) || !summary;
  const counts = own ? workloads.counts((w) => view.matches(w)) : summary;
  renderKinds();
  if (own) {
    const shown = [...pods.byId.values()].filter((p) => view.matches(p));
    counts.set(PODS_GROUP.status, shown.length);
    // The pods' tile takes the colour of trouble while any of them is in trouble.
    tiles.get(PODS_GROUP.status).tile.dataset.tone = shown.some(isAbnormal) ? "abnormal" : "neutral";
  }
  for (const { tile, count, info } of tiles.values()) {
    const n = counts.get(info.status) ?? 0;
    count.textContent = String(n);
    // Abnormal tiles stay, at zero too: "0 Exception" is news a wall should show.
    tile.hidden = n === 0 && info.tone !== "abnormal";
  }
  let shown = 0;
  for (const group of groups.values()) {
    group.count.textContent = String(group.cards.length);
    group.section.hidden = group.cards.length === 0;
    // Thousands of Running cards tell a wall nothing its tile does not, and cost the
    // browser a long layout: a big group of a calm status stays folded until opened.
    if (!group.touched && group.section.dataset.tone !== "abnormal") {
      group.section.open = group.cards.length <= FOLD_OVER;
    }
    shown += group.cards.length;
  }
  ui.empty.hidden = shown > 0 || !loaded;
  ui.groups.setAttribute("aria-busy", String(!loaded)); // the snapshot is still arriving
  ui.empty.textContent = workloads.size
    ? "No workload matches the filter."
    : "No workloads in scope.";
}

// The kind chooser offers the kinds present (custom ones included), and the chosen
// one while none of it is here; rebuilt only when that list changes.
let kindChoices = "";
function renderKinds() {
  const present = kindsPresent(workloads.byId.values());
  if (view.kind && !present.some(([groupKind]) => groupKind === view.kind)) {
    present.push([view.kind, view.kind]);
  }
  const choices = JSON.stringify(present);
  if (choices === kindChoices) return;
  kindChoices = choices;
  const options = present.map(([groupKind, label]) => {
    const option = element("option", "", label);
    option.value = groupKind;
    option.title = groupKind;
    return option;
  });
  const all = element("option", "", "All kinds");
  all.value = "";
  ui.kind.replaceChildren(all, ...options);
  ui.kind.value = view.kind;
}

function renderClusters() {
  const chips = [];
  const down = [];
  for (const c of [...clusters.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const chip = element("li", "cluster", c.name);
    chip.dataset.reachable = String(c.reachable);
    chip.title = c.reachable
      ? `reachable; last synced ${c.lastSyncedAt ? formatTime(c.lastSyncedAt) : "not yet"}`
      : `unreachable since ${formatTime(c.since)}`;
    chips.push(chip);
    if (!c.reachable) down.push(c);
  }
  ui.clusters.replaceChildren(...chips);
  ui.banner.hidden = down.length === 0;
  ui.banner.replaceChildren(
    ...down.map((c) =>
      element(
        "p",
        "",
        `Cluster ${c.name} is unreachable since ${formatTime(c.since)}` +
          `${c.error ? `: ${c.error}` : ""}. The board shows what the gateway last saw of it.`,
      ),
    ),
  );
}

function showProblem(text) {
  if (text === null && ui.problem.hidden) return;
  ui.problem.hidden = text === null;
  ui.problem.textContent = text ?? "";
}

let countdown = 0;
function showConnection({ state, attempt, retryAt, reason }) {
  clearInterval(countdown);
  ui.connection.dataset.state = state;
  if (state === "live") {
    const last = lastChange ? ` · last change ${formatTime(lastChange)}` : "";
    ui.connection.textContent = `Live${last}`;
  } else if (state === "refused") {
    ui.connection.textContent = token ? "Token refused" : "Not signed in";
    askForToken();
  } else if (state === "connecting") {
    ui.connection.textContent = attempt
      ? `Reconnecting (attempt ${attempt + 1})…`
      : "Connecting…";
  } else {
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      ui.connection.textContent = `Disconnected (${reason}); retrying in ${seconds} s`;
    };
    tick();
    countdown = setInterval(tick, 1000);
  }
}

function formatTime(value) {
  if (!value) return "unknown";
  const parts = { hour: "2-digit", minute: "2-digit", second: "2-digit" };
  return new Date(value).toLocaleTimeString([], parts);
}

function element(tag, className = "", text = "") {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text) made.textContent = text;
  return made;
}

// ---------------------------------------------------------------------------------------
// 6. The prompt box: reason and message of one workload, on hover and keyboard focus,
// pinned by a click, tap, Enter or Space, closed by Escape or a click elsewhere. One box
// and one set of listeners on the board, however many cards there are.

const prompt = { id: null, pinned: false, anchor: null };

function showPrompt(card, pinned) {
  if (prompt.anchor && prompt.anchor !== card) {
    prompt.anchor.firstChild.setAttribute("aria-expanded", "false");
  }
  prompt.id = card.dataset.id;
  prompt.anchor = card;
  prompt.pinned = pinned;
  card.firstChild.setAttribute("aria-expanded", String(pinned));
  card.firstChild.setAttribute("aria-describedby", "prompt");
  ui.prompt.dataset.pinned = String(pinned);
  refreshPrompt();
}

function hidePrompt() {
  if (!prompt.anchor) return;
  prompt.anchor.firstChild.setAttribute("aria-expanded", "false");
  prompt.anchor.firstChild.removeAttribute("aria-describedby");
  Object.assign(prompt, { id: null, pinned: false, anchor: null });
  ui.prompt.hidden = true;
}

function refreshPrompt() {
  const w = itemOf(prompt.id);
  const card = cards.get(prompt.id);
  if (!w || !card?.isConnected) {
    hidePrompt();
    return;
  }
  prompt.anchor = card;
  ui.prompt.dataset.tone = tone(w);
  ui.prompt.dataset.status = severeStatus(w);
  const parts = [
    element("p", "prompt-status", stateOf(w)),
    element("p", "prompt-title", `${kindOf(w)} ${w.namespace}/${w.name} on ${w.cluster}`),
    element("p", "prompt-reason", reasonOf(w)),
    element("p", "prompt-message", w.message),
  ];
  const warnings = warningsOf(w);
  if (warnings.length) {
    const list = element("ul", "prompt-warnings");
    list.append(...warnings.map((text) => element("li", "", text)));
    parts.push(list);
  }
  const since = w.since ? `since ${formatTime(w.since)} (${formatAge(w.since)})` : "";
  const node = isPod(w) && w.node ? `on node ${w.node}` : "";
  const facts = [progress(w), node, since];
  parts.push(element("p", "prompt-facts", facts.filter(Boolean).join(" · ")));
  ui.prompt.replaceChildren(...parts);
  ui.prompt.hidden = false;
  placePrompt();
}

// Below the card when it fits, else above; never off the sides of the window.
function placePrompt() {
  if (!prompt.anchor) return;
  const box = prompt.anchor.getBoundingClientRect();
  const own = ui.prompt.getBoundingClientRect();
  const margin = 8;
  let top = box.bottom + margin;
  if (top + own.height > innerHeight && box.top - own.height - margin > 0) {
    top = box.top - own.height - margin;
  }
  const left = Math.min(Math.max(margin, box.left), innerWidth - own.width - margin);
  ui.prompt.style.top = `${top}px`;
  ui.prompt.style.left = `${Math.max(margin, left)}px`;
}

const cardOf = (target) => target.closest?.(".card");

ui.groups.addEventListener("mouseover", (event) => {
  const card = cardOf(event.target);
  if (card && !prompt.pinned && prompt.anchor !== card) showPrompt(card, false);
});
ui.groups.addEventListener("mouseout", (event) => {
  const card = cardOf(event.target);
  if (card && !prompt.pinned && !card.contains(event.relatedTarget)) hidePrompt();
});
// Moving the focus is deliberate, so it also moves a pinned box.
ui.groups.addEventListener("focusin", (event) => {
  const card = cardOf(event.target);
  if (card && prompt.anchor !== card) showPrompt(card, false);
});
ui.groups.addEventListener("focusout", (event) => {
  if (!prompt.pinned && !ui.groups.contains(event.relatedTarget)) hidePrompt();
});
// A click is also what Enter and Space on a focused <button> produce, and a tap.
ui.groups.addEventListener("click", (event) => {
  const heading = event.target.closest("summary");
  if (heading) groups.get(heading.parentElement.dataset.status).touched = true;
  const card = cardOf(event.target);
  if (!card) return;
  if (prompt.pinned && prompt.anchor === card) hidePrompt();
  else showPrompt(card, true);
});
document.addEventListener("click", (event) => {
  if (prompt.pinned && !cardOf(event.target) && !ui.prompt.contains(event.target)) hidePrompt();
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !prompt.anchor) return;
  const button = prompt.anchor.firstChild;
  hidePrompt();
  if (ui.groups.contains(document.activeElement)) button.focus();
});
addEventListener("scroll", () => prompt.anchor && placePrompt(), { passive: true });
addEventListener("resize", () => prompt.anchor && placePrompt());

// A tile jumps to its group, opening it if it was folded.
ui.tiles.addEventListener("click", (event) => {
  const tile = event.target.closest("a.tile");
  const group = tile && groups.get(tile.dataset.status);
  if (group) {
    group.touched = true;
    group.section.open = true;
  }
});

// ---------------------------------------------------------------------------------------
// 7. Signing in, when the gateway has authentication. The token comes from `#token=...`
// in the address (a wall display's bookmark: the fragment never reaches a server or its
// logs, and the page removes it from the address bar at once), from this tab's session,
// from this device if a person chose "Remember", or from the form below.

const TOKEN_KEY = "kube-status-gateway.board.token";

function tokenFromAddress() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get("token");
  if (!given) return null;
  history.replaceState(null, "", location.pathname + location.search);
  sessionStorage.setItem(TOKEN_KEY, given);
  return given;
}

let token =
  tokenFromAddress() ?? sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
useToken(token);
ui.signOut.hidden = !token;

// A refusal of a token replaced meanwhile (an answer still on its way) is old news.
function refused(error, sent) {
  if (error.code === "UNAUTHENTICATED" && sent === token) askForToken();
}

function askForToken() {
  if (token) {
    // Refused, so it is of no use any more (expired, revoked, or never valid).
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
    ui.signInReason.textContent =
      "The gateway refused the token: it may have expired. Paste a new one.";
  } else {
    ui.signInReason.textContent = "Paste a bearer token to see the board.";
  }
  if (!ui.signIn.open) ui.signIn.showModal();
}

ui.signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  token = ui.token.value.trim();
  if (!token) return;
  (ui.remember.checked ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
  ui.token.value = "";
  ui.signIn.close();
  ui.signOut.hidden = false;
  useToken(token);
  connection.retryNow();
});

// Escape would close the form and leave an empty board with no way back: nothing to see
// without a token anyway.
ui.signIn.addEventListener("cancel", (event) => event.preventDefault());

ui.signOut.addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
  location.reload();
});

// ---------------------------------------------------------------------------------------
// 8. The view's controls, remembered in the URL so a configured wall display is a bookmark.

function updateView() {
  view = new ViewFilter(ui.filter.value, ui.abnormalOnly.checked, ui.kind.value);
  const url = new URL(location.href);
  url.searchParams.delete("q");
  url.searchParams.delete("abnormal");
  url.searchParams.delete("kind");
  if (view.text) url.searchParams.set("q", ui.filter.value.trim());
  if (view.abnormalOnly) url.searchParams.set("abnormal", "1");
  if (view.kind) url.searchParams.set("kind", view.kind);
  history.replaceState(null, "", url);
  renderAll = true;
  hidePrompt();
  scheduleRender();
}

let typing = 0;
ui.filter.value = params.get("q") ?? "";
ui.abnormalOnly.checked = view.abnormalOnly;
ui.filter.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(updateView, 150);
});
ui.abnormalOnly.addEventListener("change", updateView);
ui.kind.addEventListener("change", updateView);

// Ages on the cards ("5m") move on by themselves.
setInterval(() => {
  for (const age of ui.groups.querySelectorAll(".age[data-since]:not([data-since=''])")) {
    age.textContent = formatAge(age.dataset.since);
  }
}, 30_000);

// ---------------------------------------------------------------------------------------
// Start.

const scopeWords = [
  scope.clusters.length ? `Clusters ${scope.clusters.join(", ")}` : "All clusters",
  scope.namespaces.length ? `namespaces ${scope.namespaces.join(", ")}` : "",
];
ui.scope.textContent = scopeWords.filter(Boolean).join(" · ");
// The pods of no workload come after the abnormal statuses: trouble first, whatever it is.
for (const info of STATUSES) {
  makeGroup(info.status);
  makeTile(info);
  if (info.status === "NOT_READY") {
    makeGroup(PODS_GROUP.status);
    makeTile({ ...PODS_GROUP, tone: "neutral" });
  }
}
setInterval(refreshClusters, 30_000);
connection.subscribe(changes.operation);
connection.subscribe(podChanges.operation);
connection.subscribe(reachability);
scheduleRender();
