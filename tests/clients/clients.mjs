// Drives the gateway with one client library as a frontend team would set it up, and
// prints one JSON object of what it saw. Usage: node clients.mjs <client> <graphql url>
// The Python side (test_clients.py) fills the cache and checks the printed facts.
import { createClient as createWsClient } from "graphql-ws";
import { createClient as createSseClient } from "graphql-sse";
import WebSocket from "ws";

const [name, url] = process.argv.slice(2);
const wsUrl = url.replace(/^http/, "ws");

const PAGE = `query Page($first: Int!, $after: String) {
  workloads(first: $first, after: $after) {
    edges { cursor node { id name namespace status } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const SNAPSHOT = `subscription Snapshot {
  workloadStatusChanged(snapshot: true) { type cursor name newStatus }
}`;

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The snapshot's messages up to and including SNAPSHOT_END, from a subscribe(sink) API. */
function snapshotVia(subscribe) {
  return new Promise((resolve, reject) => {
    const seen = [];
    let stop = () => {};
    stop = subscribe({
      next: (result) => {
        if (result.errors) {
          reject(new Error(JSON.stringify(result.errors)));
          return;
        }
        const change = result.data.workloadStatusChanged;
        seen.push({ type: change.type, name: change.name, status: change.newStatus });
        if (change.type === "SNAPSHOT_END") {
          stop();
          resolve(seen);
        }
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => {},
    });
  });
}

/** The last result of a query sent through a subscribe(request, sink) API, once complete. */
function lastResult(subscribe) {
  return new Promise((resolve, reject) => {
    let value;
    subscribe({ next: (v) => (value = v), error: reject, complete: () => resolve(value) });
  });
}

/** What the protocol clients report: a page's names by query, then a snapshot. */
async function queryAndSnapshot(subscribe) {
  const query = await lastResult((sink) => subscribe({ query: PAGE, variables: { first: 5 } }, sink));
  const snapshot = await snapshotVia((sink) => subscribe({ query: SNAPSHOT }, sink));
  return { query: query.data.workloads.edges.map((e) => e.node.name), snapshot };
}

async function graphqlWs() {
  const client = createWsClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  try {
    return await queryAndSnapshot((request, sink) => client.subscribe(request, sink));
  } finally {
    await client.dispose();
  }
}

async function graphqlSse(singleConnection) {
  const client = createSseClient({ url, singleConnection, retryAttempts: 0 });
  try {
    return await queryAndSnapshot((request, sink) => client.subscribe(request, sink));
  } finally {
    client.dispose();
  }
}

async function transportWs() {
  const { SubscriptionClient } = await import("subscriptions-transport-ws");
  const client = new SubscriptionClient(wsUrl, { reconnect: false, lazy: true }, WebSocket);
  try {
    return await queryAndSnapshot((request, sink) => {
      const subscription = client.request(request).subscribe(sink);
      return () => subscription.unsubscribe();
    });
  } finally {
    client.close();
  }
}

async function urql() {
  const { Client, cacheExchange, fetchExchange, subscriptionExchange, gql } = await import("@urql/core");
  const ws = createWsClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  const client = new Client({
    url,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  try {
    const first = await client.query(gql(PAGE), { first: 1 }).toPromise();
    if (first.error) throw first.error;
    const page = first.data.workloads;
    const second = await client.query(gql(PAGE), { first: 1, after: page.pageInfo.endCursor }).toPromise();
    if (second.error) throw second.error;
    const missing = await client
      .query(gql`query { clusters { name } workload(cluster: "sim-1", kind: DEPLOYMENT, namespace: "shop", name: "gone") { name } }`, {})
      .toPromise();
    const snapshot = await snapshotVia((sink) => {
      const { unsubscribe } = client.subscription(gql(SNAPSHOT), {}).subscribe((result) => {
        if (result.error) sink.error(result.error);
        else sink.next(result);
      });
      return unsubscribe;
    });
    // Subscriptions over Server-Sent Events through urql's own fetch exchange, whose
    // stream parser splits events on a blank LF line only.
    const overSse = new Client({ url, exchanges: [fetchExchange], fetchSubscriptions: true });
    const streamed = await snapshotVia((sink) => {
      const { unsubscribe } = overSse.subscription(gql(SNAPSHOT), {}).subscribe((result) => {
        if (result.error) sink.error(result.error);
        else sink.next(result);
      });
      return unsubscribe;
    });
    return {
      streamed,
      pages: [page.edges.map((e) => e.node.name), second.data.workloads.edges.map((e) => e.node.name)],
      partial: { data: missing.data, codes: (missing.error?.graphQLErrors ?? []).map((e) => e.extensions.code) },
      snapshot,
    };
  } finally {
    await ws.dispose();
  }
}

async function apollo() {
  const { ApolloClient, InMemoryCache, HttpLink, gql, split } = await import("@apollo/client");
  const { GraphQLWsLink } = await import("@apollo/client/link/subscriptions");
  const { relayStylePagination, getMainDefinition } = await import("@apollo/client/utilities");
  const ws = createWsClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(ws),
    new HttpLink({ uri: url }),
  );
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { workloads: relayStylePagination(["filter", "orderBy"]) } } },
    }),
  });
  try {
    const query = gql(PAGE);
    const observable = client.watchQuery({ query, variables: { first: 1 } });
    let watching;
    const first = await new Promise((resolve, reject) => {
      watching = observable.subscribe({
        next: (result) => {
          if (result.dataState === "complete") resolve(result);
        },
        error: reject,
      });
    });
    await observable.fetchMore({ variables: { first: 1, after: first.data.workloads.pageInfo.endCursor } });
    const merged = client.readQuery({ query, variables: { first: 1 } });
    watching.unsubscribe();
    const missing = await client.query({
      query: gql`query Missing { clusters { name } workload(cluster: "sim-1", kind: DEPLOYMENT, namespace: "shop", name: "gone") { name } }`,
      errorPolicy: "all",
    });
    const snapshot = await snapshotVia((sink) => {
      const subscription = client.subscribe({ query: gql(SNAPSHOT) }).subscribe(sink);
      return () => subscription.unsubscribe();
    });
    return {
      merged: merged.workloads.edges.map((e) => e.node.name),
      partial: { data: missing.data, codes: (missing.error?.errors ?? []).map((e) => e.extensions.code) },
      snapshot,
    };
  } finally {
    client.stop();
    await ws.dispose();
  }
}

async function apolloPersisted() {
  const { ApolloClient, InMemoryCache, HttpLink, gql } = await import("@apollo/client");
  const { PersistedQueryLink } = await import("@apollo/client/link/persisted-queries");
  const { createHash } = await import("node:crypto");
  const sent = [];
  const recording = async (uri, options) => {
    sent.push(JSON.parse(options.body));
    return fetch(uri, options);
  };
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const client = new ApolloClient({
    link: new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: url, fetch: recording })),
    cache: new InMemoryCache(),
  });
  const query = gql`query Persisted { clusters { name } }`;
  const first = await client.query({ query, fetchPolicy: "network-only" });
  const again = await client.query({ query, fetchPolicy: "network-only" });
  client.stop();
  return {
    data: [first.data.clusters.map((c) => c.name), again.data.clusters.map((c) => c.name)],
    // hash only (refused: not found), hash with text (stored), then hash only (served).
    sent: sent.map((body) => ({ text: typeof body.query === "string", hash: !!body.extensions?.persistedQuery })),
  };
}

const clients = {
  "graphql-ws": graphqlWs,
  "graphql-sse": () => graphqlSse(false),
  "graphql-sse-single": () => graphqlSse(true),
  "subscriptions-transport-ws": transportWs,
  urql,
  apollo,
  "apollo-persisted": apolloPersisted,
};

try {
  const found = await withTimeout(clients[name](), 30000, name);
  console.log(JSON.stringify(found));
  process.exit(0);
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
