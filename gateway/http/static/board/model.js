// The board's state, with no DOM in it: every workload the subscription has told us
// about, keyed by its global id, and the status vocabulary the board groups them by.
//
// A frontend of your own can take this file as it is: feed `apply` the
// `workloadStatusChanged` messages and read `byId` and `counts()`.

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

export function isAbnormal(workload) {
  return STATUS.get(workload.status)?.tone === "abnormal";
}

// What the board sorts by inside a status group: a stable, readable order that does not
// jump around when statuses change. Names are DNS labels, so a plain comparison will do.
export function sortKey(workload) {
  const { namespace, name, kind, cluster } = workload;
  return `${namespace}\u0000${name}\u0000${kind}\u0000${cluster}`;
}

// The view's own filters, applied in the browser: the gateway's filter (clusters,
// namespaces) decides what is subscribed to, these only what is shown of it.
export class ViewFilter {
  constructor(text = "", abnormalOnly = false) {
    this.text = text.trim().toLowerCase();
    this.abnormalOnly = abnormalOnly;
  }

  // Text matches the name, the namespace, the cluster or "namespace/name".
  matchesText(workload) {
    if (!this.text) return true;
    const haystack = `${workload.cluster}/${workload.namespace}/${workload.name}`;
    return haystack.toLowerCase().includes(this.text);
  }

  shows(workload) {
    return this.matchesText(workload) && (!this.abnormalOnly || isAbnormal(workload));
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
    const id = change.workloadId;
    this.unconfirmed?.delete(id);
    if (change.type === "DELETED" || !change.workload) {
      this.byId.delete(id);
    } else {
      this.byId.set(id, change.workload);
    }
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
