// The board's state, with no DOM in it: every workload the subscription has told us
// about, keyed by its global id, and the status vocabulary the board groups them by;
// and the pods that belong to no workload, from a second subscription.
//
// A frontend of your own can take this file as it is: feed `Workloads.apply` the
// `workloadStatusChanged` messages and `Pods.apply` the `podStatusChanged` ones (of
// `standalone: true`), and read `byId` and `counts()`.

// The manual's statuses in the order the board shows them: what needs a person first,
// then what is on its way somewhere, then what is fine. `tone` picks the colour. The
// labels are the manual's words, as the API's `statusLabel` gives them; the page needs
// them before any workload has arrived, for the tiles.
export const STATUSES = [
  { status: "EXCEPTION", label: "Exception", tone: "abnormal" },
  { status: "NOT_READY", label: "Not Ready", tone: "abnormal" },
  { status: "DELETING", label: "Deleting", tone: "progress" },
  { status: "WAITING", label: "Waiting", tone: "progress" },
  { status: "EXECUTING", label: "Executing", tone: "progress" },
  { status: "STOPPED", label: "Stopped", tone: "neutral" },
  { status: "RUNNING", label: "Running", tone: "healthy" },
  { status: "STARTED", label: "Started", tone: "healthy" },
  { status: "EXECUTION_COMPLETE", label: "Execution Complete", tone: "healthy" },
];

export const STATUS = new Map(STATUSES.map((s) => [s.status, s]));

// GraphQL enum values are SCREAMING_CASE; people read the Kubernetes spelling.
export const KIND_LABELS = {
  DEPLOYMENT: "Deployment",
  STATEFUL_SET: "StatefulSet",
  DAEMON_SET: "DaemonSet",
  JOB: "Job",
  CRON_JOB: "CronJob",
};

// The group of the pods that belong to no workload, shown after the abnormal statuses.
export const PODS_GROUP = { status: "STANDALONE_PODS", label: "Pods without a workload" };

export const isPod = (item) => item.__typename === "Pod";

export function isAbnormal(item) {
  return isPod(item) ? item.abnormal : STATUS.get(item.status)?.tone === "abnormal";
}

// A pod's colour: abnormal as a workload's problem is, waiting while it starts, fine else.
export function tone(item) {
  if (!isPod(item)) return STATUS.get(item.status)?.tone ?? "neutral";
  if (item.abnormal) return "abnormal";
  return item.phase === "PENDING" ? "progress" : "healthy";
}

// Exception's colour for a pod whose node or cluster cannot be observed, or that failed:
// the same severity a workload would get for it (see the notifier's ordering).
export function severeStatus(item) {
  if (!isPod(item)) return item.status;
  if (!item.abnormal) return item.phase;
  return item.issue === "UNOBSERVABLE" || item.issue === "FAILED" ? "EXCEPTION" : "NOT_READY";
}

// What the board sorts by inside a group: a stable, readable order that does not jump
// around when statuses change; pods in trouble first. Names are DNS labels, so a plain
// comparison will do. Keys are only compared within a group; the groupKind keeps a
// Rollout and a CloneSet of one name apart (both are kind CUSTOM).
export function sortKey(item) {
  const { namespace, name, cluster } = item;
  if (isPod(item)) return `${item.abnormal ? 0 : 1}\u0000${namespace}\u0000${name}\u0000${cluster}`;
  return `${namespace}\u0000${name}\u0000${item.groupKind ?? item.kind}\u0000${cluster}`;
}

// The group an item's card goes in.
export const groupOf = (item) => (isPod(item) ? PODS_GROUP.status : item.status);

// A kind as people read it: the manifest's kind, with the API group of a custom one
// (two CRDs may share a kind name), e.g. "Rollout (argoproj.io)".
export function kindLabel(workload) {
  const name = workload.kindName ?? KIND_LABELS[workload.kind] ?? workload.kind;
  return workload.kind === "CUSTOM" ? `${name} (${workload.apiGroup})` : name;
}

// The kinds among `items`, as [groupKind, label] pairs for a kind chooser: built-ins
// first in the board's usual order, then custom kinds by label. Pods have no kind here.
export function kindsPresent(items) {
  const found = new Map();
  for (const item of items) {
    if (!isPod(item) && item.groupKind && !found.has(item.groupKind)) {
      found.set(item.groupKind, { label: kindLabel(item), custom: item.kind === "CUSTOM" });
    }
  }
  const builtIns = Object.values(KIND_LABELS);
  const rank = ([, k]) => (k.custom ? builtIns.length : builtIns.indexOf(k.label));
  return [...found]
    .sort((a, b) => rank(a) - rank(b) || a[1].label.localeCompare(b[1].label))
    .map(([groupKind, k]) => [groupKind, k.label]);
}

// The view's own filters, applied in the browser: the gateway's filter (clusters,
// namespaces) decides what is subscribed to, these only what is shown of it. `kind`
// is a groupKind (Deployment.apps, Rollout.argoproj.io): only workloads of it show.
export class ViewFilter {
  constructor(text = "", abnormalOnly = false, kind = "") {
    this.text = text.trim().toLowerCase();
    this.abnormalOnly = abnormalOnly;
    this.kind = kind;
  }

  matchesKind(item) {
    return !this.kind || (!isPod(item) && item.groupKind === this.kind);
  }

  // Text and kind: what the tiles count.
  matches(item) {
    return this.matchesText(item) && this.matchesKind(item);
  }

  // Text matches the name, the namespace, the cluster or "namespace/name".
  matchesText(workload) {
    if (!this.text) return true;
    const haystack = `${workload.cluster}/${workload.namespace}/${workload.name}`;
    return haystack.toLowerCase().includes(this.text);
  }

  shows(workload) {
    return this.matches(workload) && (!this.abnormalOnly || isAbnormal(workload));
  }
}

export class Workloads {
  constructor() {
    this.byId = new Map();
    // Ids not (yet) confirmed by the snapshot under way; null when none is.
    this.unconfirmed = null;
  }

  // Apply one `workloadStatusChanged` message; returns the id it touched.
  apply(change) {
    return this.put(change.workloadId, change.type === "DELETED" ? null : change.workload);
  }

  // `item` null: it is gone.
  put(id, item) {
    this.unconfirmed?.delete(id);
    if (item) this.byId.set(id, item);
    else this.byId.delete(id);
    return id;
  }

  // A snapshot after an expired cursor must also remove what was deleted while we were
  // away: everything known now is unconfirmed until the snapshot (or a change) says it
  // still exists. `endSnapshot` forgets the rest and returns their ids.
  beginSnapshot() {
    this.unconfirmed = new Set(this.byId.keys());
  }

  endSnapshot() {
    const gone = [...(this.unconfirmed ?? [])];
    for (const id of gone) this.byId.delete(id);
    this.unconfirmed = null;
    return gone;
  }

  get(id) {
    return this.byId.get(id);
  }

  get size() {
    return this.byId.size;
  }

  // Workloads per status among those `matches` admits, for the tiles.
  counts(matches = () => true) {
    const counts = new Map();
    for (const workload of this.byId.values()) {
      if (matches(workload)) counts.set(workload.status, (counts.get(workload.status) ?? 0) + 1);
    }
    return counts;
  }
}

// The pods of no workload. A pod adopted by a workload (it has an owner now) leaves.
export class Pods extends Workloads {
  apply(change) {
    const pod = change.type === "DELETED" || change.pod?.owner ? null : change.pod;
    return this.put(change.podId, pod);
  }
}
