// A paged, filtered list of workloads that stays current without polling and without
// applying changes itself: a change may move a row to another page, so the page listens
// to workloadListChanged (a debounced "the list changed" with the new totals) and fetches
// the page it shows again only when told. URL parameters: `first` (page size, default 20),
// `namespace` and `cluster` (repeated or comma-separated), `debounceMs` (default 500).
import { Connection, WS_URL, query } from "./graphql.js";

const params = new URLSearchParams(location.search);
const listed = (name) => params.getAll(name).flatMap((v) => v.split(",")).filter(Boolean);
const filter = {};
if (listed("namespace").length) filter.namespaces = listed("namespace");
if (listed("cluster").length) filter.clusters = listed("cluster");
const first = Math.min(Math.max(Number(params.get("first")) || 20, 1), 200);
const debounceMs = Math.min(Math.max(Number(params.get("debounceMs")) || 500, 100), 60000);

const PAGE = `query ListPage($filter: WorkloadFilter, $first: Int!, $after: String) {
  workloads(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id cluster kind kindName groupKind namespace name status statusLabel reason }
  }
}`;
const CHANGED = `subscription ListChanged($filter: WorkloadFilter, $debounceMs: Int, $after: String) {
  workloadListChanged(filter: $filter, debounceMs: $debounceMs, after: $after) {
    cursor changes totalCount summary { abnormal }
  }
}`;

// `afters[i]` is the cursor page i+1 starts after (null for the first page).
const afters = [null];
let shown = 0;
let next = null;
let fetching = null;

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  return td;
}

async function load() {
  fetching = (async () => {
    const data = await query(PAGE, { filter, first, after: afters[shown] });
    const body = document.querySelector("#rows tbody");
    body.replaceChildren(
      ...data.workloads.nodes.map((w) => {
        const row = document.createElement("tr");
        row.dataset.id = w.id;
        row.dataset.status = w.status;
        row.append(
          ...[w.cluster, w.kindName, w.namespace, w.name, w.statusLabel, w.reason].map(cell),
        );
        row.children[1].title = w.groupKind;
        return row;
      }),
    );
    next = data.workloads.pageInfo.hasNextPage ? data.workloads.pageInfo.endCursor : null;
    document.getElementById("next").disabled = next === null;
    document.getElementById("previous").disabled = shown === 0;
    document.getElementById("page").textContent = `Page ${shown + 1}`;
    document.getElementById("rows").setAttribute("aria-busy", "false");
    document.body.dataset.fetches = String(Number(document.body.dataset.fetches) + 1);
    return data.workloads.totalCount;
  })();
  return fetching;
}

document.getElementById("next").addEventListener("click", () => {
  if (next === null) return;
  afters[shown + 1] = next;
  shown += 1;
  load();
});
document.getElementById("previous").addEventListener("click", () => {
  if (shown === 0) return;
  shown -= 1;
  load();
});

function totals(count, abnormal) {
  const trouble = abnormal ? ` · ${abnormal} abnormal` : "";
  document.getElementById("totals").textContent = `${count} workloads${trouble}`;
}

let after = null;
const connection = new Connection(WS_URL, ({ state }) => {
  const indicator = document.getElementById("connection");
  indicator.dataset.state = state;
  indicator.textContent = { live: "Live", refused: "Refused" }[state] ?? "Reconnecting…";
});
const listChanges = {
  payload: () => ({ query: CHANGED, variables: { filter, debounceMs, after } }),
  next: async (data) => {
    const change = data.workloadListChanged;
    after = change.cursor;
    totals(change.totalCount, change.summary.abnormal);
    await fetching;
    load();
  },
  error: (error) => {
    // An expired cursor (or a gateway that lost its feeds): start from the list as it is.
    console.warn(`list subscription: ${error.message}`);
    after = null;
    connection.resubscribe(listChanges, 1000);
    load();
  },
};
connection.subscribe(listChanges);
load().then((count) => totals(count, null));
